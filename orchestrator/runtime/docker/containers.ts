// A run's containers: the files they mount, written on this machine (and copied into the
// containers on other hosts, where a bind mount would name that machine's path); each container
// made, attached to its networks, started and waited for until it prints its ready line; listed
// by the run's label; and removed at `down`.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { credentialEnv, newRunSecret } from '../../../node-image/core/credential.ts';
import { retryEngine } from '../../docker/retry.ts';
import { tarOf } from '../../docker/transfer.ts';
import { UserError } from '../../errors.ts';
import { type ContainerPlan, LABEL_ROLE, LABEL_RUN, type Plan } from '../../plan/types.ts';
import { countsLine, type Progress } from '../../progress/display.ts';
import { PARALLEL, pool, poolDisjoint } from '../schedule.ts';
import { ContainerError } from '../types.ts';
import { type Engine, engineNamed, label } from './engines.ts';
import type { Teardown } from './teardown.ts';

/** what a bind mount holds now, as files at their container paths: the file, or a folder's files */
function mountedFiles(m: ContainerPlan['mounts'][number]): { path: string; content: Buffer }[] {
  if (!fs.statSync(m.host).isDirectory()) return [{ path: m.container, content: fs.readFileSync(m.host) }];
  return fs
    .readdirSync(m.host, { withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => ({ path: path.posix.join(m.container, f.name), content: fs.readFileSync(path.join(m.host, f.name)) }));
}

export function demuxLines(docker: Docker, stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
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

/** the plan's files and writable mount folders on this machine, once no container writes to it from another host */
export function writeFiles(plan: Plan, engines: readonly Engine[]): void {
  const engineOf = (host: string | undefined) => engineNamed(engines, host);
  for (const c of plan.containers) {
    const w = c.mounts.find((m) => !m.readOnly);
    if (w && !engineOf(c.host).local)
      throw new UserError(
        `${c.name} writes ${w.container} to ${w.host} on this machine, but runs on ${label(engineOf(c.host))}: make this machine's engine the services host (services: true) in the hosts list`,
      );
  }
  for (const f of plan.files) {
    fs.mkdirSync(path.dirname(f.host), { recursive: true });
    fs.writeFileSync(f.host, f.content);
  }
  for (const c of plan.containers) for (const m of c.mounts) if (!m.readOnly) fs.mkdirSync(m.host, { recursive: true });
}

/**
 * The plan's containers, group by group, each on its host's engine (noted in `located`) with the
 * plan's labels and `extra`, and each waited for until it is ready.
 */
export async function startContainers(
  plan: Plan,
  engines: readonly Engine[],
  extra: Record<string, string>,
  located: Map<string, Engine>,
  o: { progress: Progress; check: () => void; signal?: AbortSignal; readyTimeoutMs?: number },
): Promise<void> {
  const { progress, check, signal } = o;
  const secret = newRunSecret();
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
        const e = engineNamed(engines, c.host);
        located.set(c.name, e);
        // the secret and credentials go into the containers' environment only, not the plan
        // (results/<run>/plan.json): a data centre checks each login against them
        await startContainer(e, { ...c, labels: { ...c.labels, ...extra }, env: { ...c.env, ...credentialEnv(c.role, c.name, secret) } }, o.readyTimeoutMs ?? 120_000, signal);
        ready.set(c.role, (ready.get(c.role) ?? 0) + 1);
        progress.update(countsLine('ready', ready, total));
      },
      signal,
    );
  }
  progress.line(countsLine('ready', ready, total));
}

async function startContainer(e: Engine, c: ContainerPlan, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const docker = e.docker;
  const [first, ...rest] = c.attachments;
  // on another machine a bind mount would name that machine's path: the files go in by copy
  const binds = e.local ? c.mounts : [];
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
      Binds: binds.map((m) => `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`),
      LogConfig: { Type: 'json-file', Config: { 'max-size': '5m' } },
    },
    NetworkingConfig: { EndpointsConfig: { [first.network]: { IPAMConfig: { IPv4Address: first.ip } } } },
  });
  if (!e.local && c.mounts.length) await container.putArchive(await tarOf(c.mounts.flatMap(mountedFiles)), { path: '/' });
  // the engine's own time-outs (attaching to a Swarm overlay on a loaded machine) are retried;
  // an attach or start that went through despite its error is not repeated
  const attached = async (network: string) => Object.hasOwn((await container.inspect()).NetworkSettings.Networks ?? {}, network);
  // an overlay made on the manager moments ago may not be known on this engine yet, by id or by
  // name (a multihost run's start failed on "network tb-<run>-wan-se0 not found")
  const madeNetworks = c.attachments.map((a) => a.network);
  for (const a of rest)
    await retryEngine(`attaching ${c.name} to ${a.network}`, () => docker.getNetwork(a.network).connect({ Container: container.id, EndpointConfig: { IPAMConfig: { IPv4Address: a.ip } } }), {
      done: () => attached(a.network),
      madeNetworks,
    });
  await retryEngine(`starting ${c.name}`, () => container.start(), { done: async () => (await container.inspect()).State.Running, madeNetworks });
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

/** `hostDir` as it is now, into the plan's containers on other hosts that mount it; returns how many */
export async function copyFolder(plan: Plan, engines: readonly Engine[], hostDir: string): Promise<number> {
  const remote = plan.containers.filter((c) => !engineNamed(engines, c.host).local && c.mounts.some((m) => m.host === hostDir));
  await pool(remote, PARALLEL * 2, async (c) => {
    const e = engineNamed(engines, c.host);
    const files = c.mounts.filter((m) => m.host === hostDir).flatMap(mountedFiles);
    await e.docker.getContainer(c.name).putArchive(await tarOf(files), { path: '/' });
  });
  return remote.length;
}

/** one container of a run: name, role, state (running, exited, ...), and its host on a multi-host testbed */
export interface ContainerRow {
  name: string;
  role: string;
  state: string;
  status: string;
  host?: string;
}

/** the run's containers on these engines (noted in `located`), the firewall helpers left out, by name */
export async function containersOf(engines: readonly Engine[], runId: string, located: Map<string, Engine>): Promise<ContainerRow[]> {
  const rows: ContainerRow[] = [];
  for (const e of engines) {
    const cs = await e.docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
    for (const c of cs) {
      if (c.Labels[LABEL_ROLE] === 'firewall') continue;
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id;
      located.set(name, e);
      rows.push({ name, role: c.Labels[LABEL_ROLE] ?? '?', state: c.State, status: c.Status, ...(e.host !== null ? { host: e.host } : {}) });
    }
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/** the containers matching `filter` on every engine of the teardown, never two on one network at once (schedule.ts) */
export async function removeContainers(t: Teardown, filter: string): Promise<void> {
  const { ordered, keepGoing, where, listed, progress } = t;
  for (const e of ordered) {
    const docker = e.docker;
    const containers = await listed(e, 'containers', docker.listContainers({ all: true, filters: { label: [filter] } }));
    let removed = 0;
    const networksOf = (c: (typeof containers)[number]) => Object.keys(c.NetworkSettings?.Networks ?? {});
    await poolDisjoint(containers, PARALLEL * 2, networksOf, async (c) => {
      await keepGoing('container', (c.Names[0]?.replace(/^\//, '') ?? c.Id) + where(e), () =>
        docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch((err: { statusCode?: number }) => {
            if (err.statusCode !== 404) throw err;
          }),
      );
      progress.update(`removing containers${where(e)}: ${++removed}/${containers.length}`);
    });
  }
}
