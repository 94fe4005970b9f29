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
  /** run each iptables argument list in order (-I ...); stops at the first that fails */
  run(commands: string[][]): Promise<void>;
  /** run every one (-D ... at clean-up), past failures; returns each failure as a sentence */
  runAll(commands: string[][]): Promise<string[]>;
  /** `iptables -S DOCKER-USER`, as lines; empty when the chain is missing, an error when iptables fails */
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
  async runAll(commands) {
    const failed: string[] = [];
    for (const args of commands) {
      const r = await execa('iptables', ['-w', ...args], { reject: false });
      if (r.exitCode !== 0) failed.push(`iptables ${args.join(' ')}: ${r.stderr}`);
    }
    return failed;
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
  const line = (a: string[]) => ['iptables', '-w', ...a].map(sh).join(' ');
  return {
    async run(commands) {
      if (commands.length) await inHost(commands.map(line).join(' && '));
    },
    async runAll(commands) {
      if (!commands.length) return [];
      // one container for all of them; each failure is named on a line of its own
      const out = await inHost(commands.map((a, i) => `${line(a)} 2>/dev/null || echo "tb-failed ${i}"`).join('; '));
      return [...out.matchAll(/^tb-failed (\d+)$/gm)].map((m) => `iptables ${commands[Number(m[1])].join(' ')} failed on that host`);
    },
    async listUserChain() {
      // a missing chain is an empty one; any other failure (no iptables, another backend) is an error
      return (await inHost('out=$(iptables -w -S DOCKER-USER 2>&1) || case "$out" in *"No chain"*) exit 0 ;; *) echo "$out"; exit 1 ;; esac; echo "$out"')).split('\n');
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
