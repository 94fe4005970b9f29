// The Docker runtime: applies a plan with dockerode, and finds what a run created by its labels
// (docs/architecture.md, principle 5) — containers and networks by `testbed.run`, host firewall rules by
// their comment `tb:<run>` — so `down`, `status` and crash clean-up never depend on memory.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { formatError } from '../cli/errors.ts';
import { requireEngine } from '../docker/engine.ts';
import { type ContainerPlan, LABEL_PLANNED, LABEL_PROJECT, LABEL_ROLE, LABEL_RUN, type Plan, PROJECT } from '../plan/types.ts';
import { countsLine, Progress } from '../progress/display.ts';
import { explainOverlap, removeNetwork } from './networks.ts';
import { pool, poolDisjoint } from './schedule.ts';
import { type ApplyOptions, ContainerError, DownIncompleteError, type RunStatus, type Runtime } from './types.ts';

/** containers created and started at once: the machine has two cores */
const PARALLEL = 6;

async function iptables(args: string[]): Promise<string> {
  const r = await execa('iptables', ['-w', ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`iptables ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** DOCKER-USER rules whose comment names the run (or any run with 'all'), as -D arguments */
async function runRules(runId: string | 'all'): Promise<string[][]> {
  const r = await execa('iptables', ['-w', '-S', 'DOCKER-USER'], { reject: false });
  return r.exitCode === 0 ? rulesOfRun(r.stdout.split('\n'), runId) : [];
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

function demuxLines(docker: Docker, stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, out);
  let buf = '';
  out.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

export class DockerRuntime implements Runtime {
  private docker!: Docker;

  private async d(): Promise<Docker> {
    this.docker ??= await requireEngine();
    return this.docker;
  }

  async apply(plan: Plan, o: ApplyOptions = {}): Promise<void> {
    const docker = await this.d();
    const progress = o.progress ?? new Progress(true);
    const signal = o.signal;
    const check = () => {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    };
    for (const f of plan.files) {
      fs.mkdirSync(path.dirname(f.host), { recursive: true });
      fs.writeFileSync(f.host, f.content);
    }
    for (const c of plan.containers) for (const m of c.mounts) if (!m.readOnly) fs.mkdirSync(m.host, { recursive: true });

    let made = 0;
    await pool(
      plan.networks,
      PARALLEL,
      async (n) => {
        await docker
          .createNetwork({
            Name: n.name,
            Driver: 'bridge',
            Internal: true,
            CheckDuplicate: true,
            Labels: { ...plan.labels, [LABEL_ROLE]: `net-${n.kind}` },
            Options: { 'com.docker.network.bridge.name': n.bridge },
            IPAM: { Driver: 'default', Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
          })
          .catch(async (err: Error) => {
            if (!/overlaps/.test(err.message)) throw err;
            throw explainOverlap({ name: n.name, subnet: n.subnet }, await docker.listNetworks()) ?? err;
          });
        progress.update(`networks: ${++made}/${plan.networks.length}`);
      },
      signal,
    );
    progress.line(`networks: ${plan.networks.length} created (internal)`);
    for (const r of plan.hostRules) {
      check();
      await iptables(['-I', r.chain, ...r.args]);
    }

    const total = new Map<string, number>();
    for (const c of plan.containers) total.set(c.role, (total.get(c.role) ?? 0) + 1);
    const ready = new Map<string, number>();
    const groups = [...new Set(plan.containers.map((c) => c.group))].sort((a, b) => a - b);
    for (const g of groups) {
      check();
      await pool(
        plan.containers.filter((c) => c.group === g),
        PARALLEL,
        async (c) => {
          await this.startContainer(docker, c, o.readyTimeoutMs ?? 120_000, signal);
          ready.set(c.role, (ready.get(c.role) ?? 0) + 1);
          progress.update(countsLine('ready', ready, total));
        },
        signal,
      );
    }
    progress.line(countsLine('ready', ready, total));
  }

  private async startContainer(docker: Docker, c: ContainerPlan, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const [first, ...rest] = c.attachments;
    const container = await docker.createContainer({
      name: c.name,
      Image: c.image,
      Cmd: c.cmd,
      Labels: c.labels,
      Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
      HostConfig: {
        NetworkMode: first.network,
        CapAdd: c.capAdd,
        Sysctls: c.sysctls,
        Binds: c.mounts.map((m) => `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`),
        LogConfig: { Type: 'json-file', Config: { 'max-size': '5m' } },
      },
      NetworkingConfig: { EndpointsConfig: { [first.network]: { IPAMConfig: { IPv4Address: first.ip } } } },
    });
    for (const a of rest) await docker.getNetwork(a.network).connect({ Container: container.id, EndpointConfig: { IPAMConfig: { IPv4Address: a.ip } } });
    await container.start();
    // following the log of a running container replays it from the start, so no line is missed
    const logs = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    const tail: string[] = [];
    const isReady = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ContainerError(c.name, `not ready within ${timeoutMs / 1000} s (waiting for "${c.readyLine}")`, tail.join('\n'))), timeoutMs);
      const abort = () => reject(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', abort, { once: true });
      demuxLines(docker, logs, (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (line.trim() === c.readyLine) {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          resolve();
        }
      });
      logs.on('end', () => {
        clearTimeout(timer);
        // give the demuxer a moment to deliver the last lines before judging
        setTimeout(() => reject(new ContainerError(c.name, 'exited before it was ready', tail.join('\n'))), 50);
      });
    });
    try {
      await isReady;
    } finally {
      logs.destroy();
    }
  }

  /** Removes everything of the run; keeps going past a failure so one stuck network leaves no rules or other networks behind, then names what is left. */
  async down(runId: string | 'all', o: { progress?: Progress } = {}) {
    const docker = await this.d();
    const progress = o.progress ?? new Progress(true);
    const filter = runId === 'all' ? `${LABEL_PROJECT}=${PROJECT}` : `${LABEL_RUN}=${runId}`;
    const failures: string[] = [];
    const gone = { container: 0, network: 0, rule: 0 };
    const keepGoing = (kind: keyof typeof gone, what: string, work: () => Promise<unknown>) =>
      work().then(
        () => void gone[kind]++,
        (err: Error) => void failures.push(`${kind} ${what}: ${err.message}`),
      );
    const containers = await docker.listContainers({ all: true, filters: { label: [filter] } });
    let removed = 0;
    const networksOf = (c: (typeof containers)[number]) => Object.keys(c.NetworkSettings?.Networks ?? {});
    await poolDisjoint(containers, PARALLEL * 2, networksOf, async (c) => {
      await keepGoing('container', c.Names[0]?.replace(/^\//, '') ?? c.Id, () =>
        docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch((err: { statusCode?: number }) => {
            if (err.statusCode !== 404) throw err;
          }),
      );
      progress.update(`removing containers: ${++removed}/${containers.length}`);
    });
    const networks = await docker.listNetworks({ filters: { label: [filter] } });
    await pool(networks, PARALLEL, (n) =>
      keepGoing('network', n.Name, () =>
        removeNetwork(docker.getNetwork(n.Id), {
          onStale: (eps) => progress.line(`network ${n.Name}: dockerd still held endpoints of removed containers (${eps.join(', ')}); disconnected them`),
        }),
      ),
    );
    const rules = await runRules(runId);
    for (const r of rules) await keepGoing('rule', `DOCKER-USER ${r.slice(2).join(' ')}`, () => iptables(r));
    progress.line(`removed ${gone.container} containers, ${gone.network} networks, ${gone.rule} DOCKER-USER rules${runId === 'all' ? '' : ` of run ${runId}`}`);
    if (failures.length) throw new DownIncompleteError(runId, failures);
    return { containers: gone.container, networks: gone.network, rules: gone.rule };
  }

  async status(runId?: string): Promise<RunStatus[]> {
    const docker = await this.d();
    const filter = runId ? `${LABEL_RUN}=${runId}` : `${LABEL_PROJECT}=${PROJECT}`;
    const containers = await docker.listContainers({ all: true, filters: { label: [filter] } });
    const networks = await docker.listNetworks({ filters: { label: [filter] } });
    const runs = new Map<string, RunStatus>();
    const get = (id: string) => {
      let r = runs.get(id);
      if (!r) runs.set(id, (r = { runId: id, topology: '', transient: false, roles: {}, networks: 0, planned: {}, complete: true }));
      return r;
    };
    for (const c of containers) {
      const r = get(c.Labels[LABEL_RUN] ?? '?');
      r.transient ||= c.Labels['testbed.transient'] === 'true';
      try {
        if (c.Labels[LABEL_PLANNED]) r.planned = JSON.parse(c.Labels[LABEL_PLANNED]) as Record<string, number>;
      } catch {
        // a label this version did not write: no plan to compare with
      }
      const role = c.Labels[LABEL_ROLE] ?? '?';
      const s = (r.roles[role] ??= { count: 0, running: 0, exited: 0 });
      s.count++;
      if (c.State === 'running') s.running++;
      if (c.State === 'exited' || c.State === 'dead') s.exited++;
    }
    for (const n of networks) get(n.Labels?.[LABEL_RUN] ?? '?').networks++;
    for (const r of runs.values()) {
      for (const role of Object.keys(r.planned)) r.roles[role] ??= { count: 0, running: 0, exited: 0 };
      r.complete = Object.entries(r.planned).every(([role, n]) => (r.roles[role]?.count ?? 0) >= n);
    }
    return [...runs.values()].sort((a, b) => a.runId.localeCompare(b.runId));
  }

  /** the run's containers: name, role, state (running, exited, ...) */
  async list(runId: string): Promise<{ name: string; role: string; state: string; status: string }[]> {
    const docker = await this.d();
    const cs = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
    return cs.map((c) => ({ name: c.Names[0]?.replace(/^\//, '') ?? c.Id, role: c.Labels[LABEL_ROLE] ?? '?', state: c.State, status: c.Status })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** follow a container's log, line by line, until `signal` aborts or the container ends */
  async followLogs(name: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const docker = await this.d();
    const stream = (await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: true, tail: 0 })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    demuxLines(docker, stream, onLine);
    await new Promise<void>((resolve) => {
      stream.on('end', () => resolve());
      signal.addEventListener('abort', () => {
        stream.destroy();
        resolve();
      });
    });
  }

  async logs(name: string): Promise<string> {
    const docker = await this.d();
    const buf = (await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    // demultiplex the 8-byte framed log stream
    const out: Buffer[] = [];
    for (let i = 0; i + 8 <= buf.length; ) {
      const len = buf.readUInt32BE(i + 4);
      out.push(buf.subarray(i + 8, i + 8 + len));
      i += 8 + len;
    }
    return Buffer.concat(out).toString();
  }

  /** power a container off at once (SIGKILL, as a power cut) or on again; its networks and addresses stay */
  async power(name: string, on: boolean): Promise<void> {
    const docker = await this.d();
    const c = docker.getContainer(name);
    if (on) await c.start();
    else await c.stop({ t: 0 });
  }

  /** whether the container is running now (false once its program has ended) */
  async running(name: string): Promise<boolean> {
    const docker = await this.d();
    return docker
      .getContainer(name)
      .inspect()
      .then((i) => i.State.Running === true)
      .catch(() => false);
  }

  async exec(name: string, cmd: string[], timeoutMs = 60_000) {
    const docker = await this.d();
    const e = await docker.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({ hijack: true, stdin: false });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let so = '';
    let se = '';
    stdout.on('data', (b: Buffer) => (so += b));
    stderr.on('data', (b: Buffer) => (se += b));
    docker.modem.demuxStream(stream, stdout, stderr);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${name}: "${cmd.join(' ')}" did not finish within ${timeoutMs} ms`)), timeoutMs);
      stream.on('end', () => {
        clearTimeout(t);
        resolve();
      });
    });
    const info = await e.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout: so, stderr: se };
  }

  /** Remove transient runs (experiments) whose orchestrator process is gone: crash clean-up. */
  async reapOrphans(progress?: Progress): Promise<string[]> {
    const docker = await this.d();
    const cs = [
      ...(await docker.listContainers({ all: true, filters: { label: ['testbed.transient=true'] } })),
      // a crash while networks were being made leaves networks and no container
      ...(await docker.listNetworks({ filters: { label: ['testbed.transient=true'] } })).map((n) => ({ Labels: n.Labels ?? {} })),
    ];
    const dead = new Set<string>();
    for (const c of cs) {
      const pid = Number(c.Labels['testbed.owner-pid']);
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        alive = false;
      }
      if (!alive) dead.add(c.Labels[LABEL_RUN]);
    }
    for (const run of dead) {
      progress?.line(`removing run ${run}: its orchestrator process is gone`);
      // a run that will not go is reported, not a reason to refuse the new one
      await this.down(run, { progress }).catch((err: unknown) => progress?.line(formatError(err)));
    }
    return [...dead];
  }
}
