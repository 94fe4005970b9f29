// A Docker host's firewall, where the testbed's DOCKER-USER rules go (one per internal bridge:
// docs/architecture.md, "internal networks"). On this machine the rules are made with iptables
// directly. On another host of a multi-host testbed they are made through that host's engine API,
// by a short-lived container in the host's network namespace (the engine's own namespace, which
// has the bridges), so the orchestrator needs no shell on that machine: only what Docker already
// gives it.
import type Docker from 'dockerode';
import { execa } from 'execa';
import { LABEL_PROJECT, LABEL_ROLE, LABEL_RUN, PROJECT } from '../plan/types.ts';

export interface HostFirewall {
  /** run each iptables argument list in order (-I, -D ...); stops at the first that fails */
  run(commands: string[][]): Promise<void>;
  /** `iptables -S DOCKER-USER`, as lines; empty when the chain is missing */
  listUserChain(): Promise<string[]>;
}

/** of `iptables -S DOCKER-USER` lines, those of the run, as -D arguments; the id is compared as a string, never a pattern */
export function rulesOfRun(lines: readonly string[], runId: string | 'all'): string[][] {
  return lines
    .filter((l) => {
      const owner = /--comment "?tb:([a-z0-9]+)"?( |$)/.exec(l)?.[1];
      return l.startsWith('-A DOCKER-USER') && owner !== undefined && (runId === 'all' || owner === runId);
    })
    .map((l) => ['-D', ...l.replace(/^-A /, '').replace(/"/g, '').split(/\s+/)]);
}

/** this machine's firewall */
export const localFirewall: HostFirewall = {
  async run(commands) {
    for (const args of commands) {
      const r = await execa('iptables', ['-w', ...args], { reject: false });
      if (r.exitCode !== 0) throw new Error(`iptables ${args.join(' ')}: ${r.stderr}`);
    }
  },
  async listUserChain() {
    const r = await execa('iptables', ['-w', '-S', 'DOCKER-USER'], { reject: false });
    return r.exitCode === 0 ? r.stdout.split('\n') : [];
  },
};

/** quote one word for sh: the rules' arguments are the planner's, but a comment could hold anything */
const sh = (w: string) => `'${w.split("'").join(`'"'"'`)}'`;

/**
 * The firewall of the host behind `docker`, reached by a container of `image` (which must have
 * iptables) with the host's network namespace and NET_ADMIN. The container is labelled with the
 * run, so a crash while it runs leaves nothing `down` does not find.
 */
export function engineFirewall(docker: Docker, image: () => Promise<string>, runId: string): HostFirewall {
  const inHost = async (script: string): Promise<string> => {
    const c = await docker.createContainer({
      Image: await image(),
      Cmd: ['sh', '-c', script],
      Labels: { [LABEL_PROJECT]: PROJECT, [LABEL_RUN]: runId, [LABEL_ROLE]: 'firewall' },
      HostConfig: { NetworkMode: 'host', CapAdd: ['NET_ADMIN', 'NET_RAW'] },
    });
    try {
      await c.start();
      const { StatusCode } = (await c.wait()) as { StatusCode: number };
      const out = demux((await c.logs({ stdout: true, stderr: true })) as unknown as Buffer);
      if (StatusCode !== 0) throw new Error(`iptables on the host failed (exit ${StatusCode}): ${out.trim().split('\n').slice(-3).join(' / ')}`);
      return out;
    } finally {
      await c.remove({ force: true }).catch(() => {});
    }
  };
  return {
    async run(commands) {
      if (commands.length) await inHost(commands.map((a) => ['iptables', '-w', ...a].map(sh).join(' ')).join(' && '));
    },
    async listUserChain() {
      return (await inHost('iptables -w -S DOCKER-USER 2>/dev/null || true')).split('\n');
    },
  };
}

/** the payload of a non-TTY container's log: 8-byte frame headers removed */
export function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(out).toString();
}
