// The Docker runtime: applies a plan with dockerode, and finds what a run created by its labels
// (docs/architecture.md, principle 5) — containers and networks by `testbed.run`, host firewall rules by
// their comment `tb:<run>` — so `down`, `status` and crash clean-up never depend on memory.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { credentialEnv, newRunSecret } from '../../node-image/core/credential.ts';
import { requireEngine, socketPath } from '../docker/engine.ts';
import { demux, engineFirewall, type HostFirewall, localFirewall, rulesOfRun } from '../docker/firewall.ts';
import { retryEngine } from '../docker/retry.ts';
import { engineFor, withTimeout } from '../docker/swarm.ts';
import { shipImage, tarOf } from '../docker/transfer.ts';
import { formatError, UserError } from '../errors.ts';
import { isLocalEngine } from '../plan/hosts.ts';
import { type ContainerPlan, type DockerHost, LABEL_PLANNED, LABEL_PROJECT, LABEL_ROLE, LABEL_RUN, type Plan, PROJECT } from '../plan/types.ts';
import { countsLine, Progress } from '../progress/display.ts';
import { explainOverlap, removeNetwork, untilGone } from './networks.ts';
import { pool, poolDisjoint } from './schedule.ts';
import { type ApplyOptions, ContainerError, DownIncompleteError, type RunStatus, type Runtime } from './types.ts';

/** containers created and started at once: the machine has two cores */
const PARALLEL = 6;
/** how long down waits for a worker to drop its copy of an overlay the manager removed */
const OVERLAY_DROP_MS = 60_000;

/** on every object of a run spread over several hosts: the hosts, so `down` and `status` find them all */
const LABEL_HOSTS = 'testbed.hosts';

/** one Docker engine of a run: this machine's, or a host of a multi-host testbed */
interface Engine {
  /** the host's name from the plan; null on a single-host testbed */
  host: string | null;
  address: string;
  docker: Docker;
  /** this machine's engine: bind mounts and iptables reach it directly */
  local: boolean;
}

const label = (e: Engine) => (e.host === null ? 'this machine' : `host ${e.host} (${e.address})`);

/** the part of the hosts list the label carries: enough to reach every engine again */
const hostsLabel = (hosts: readonly DockerHost[]) => JSON.stringify(hosts.map((h) => ({ name: h.name, docker: h.docker, peers: h.peers })));

function hostsFromLabel(v: string | undefined): DockerHost[] {
  if (!v) return [];
  try {
    return (JSON.parse(v) as DockerHost[]).filter((h) => typeof h?.name === 'string' && typeof h?.docker === 'string');
  } catch {
    return [];
  }
}

/** the engine a plan puts a container or network on: its host's, or the one engine of a single-host plan */
const engineNamed = (engines: readonly Engine[], host: string | undefined): Engine => (host === undefined ? undefined : engines.find((e) => e.host === host)) ?? engines[0];

const hasContainer = (docker: Docker, name: string) =>
  docker
    .getContainer(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );

async function isManager(e: Engine): Promise<boolean> {
  const info = await e.docker.info().catch(() => ({}) as { Swarm?: { ControlAvailable?: boolean } });
  return info.Swarm?.ControlAvailable === true;
}

/** the first of these engines that is a swarm manager: overlays are made there */
async function managerOf(engines: readonly Engine[]): Promise<Engine> {
  for (const e of engines) if (await isManager(e)) return e;
  throw new UserError(`none of the hosts (${engines.map((e) => e.host).join(', ')}) is a swarm manager, and the overlays across hosts are made on one: name a manager among the hosts`);
}

/** an image with iptables on an engine that is not this machine's: any of the testbed's node images there */
async function anyNodeImage(e: Engine): Promise<string> {
  const images = await e.docker.listImages({ filters: { reference: ['tb-node'] } });
  const tag = images.flatMap((i) => i.RepoTags ?? []).find((t) => t.startsWith('tb-node:'));
  if (!tag)
    throw new Error(
      `${label(e)} has no tb-node image to run iptables with, so its testbed firewall rules (comment tb:<run>) are left: copy the image there (docker save tb-node:latest | docker -H ${e.address} load) and run down again, or remove them on that machine (iptables -S DOCKER-USER lists them)`,
    );
  return tag;
}

/** what a bind mount holds now, as files at their container paths: the file, or a folder's files */
function mountedFiles(m: ContainerPlan['mounts'][number]): { path: string; content: Buffer }[] {
  if (!fs.statSync(m.host).isDirectory()) return [{ path: m.container, content: fs.readFileSync(m.host) }];
  return fs
    .readdirSync(m.host, { withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => ({ path: path.posix.join(m.container, f.name), content: fs.readFileSync(path.join(m.host, f.name)) }));
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

/**
 * Docker through dockerode, on this machine's engine or on every host of a plan that names
 * several (docs/multi-host.md). `hosts` are the hosts to use when no plan says (`down` and
 * `status` of a run spread over hosts this machine's engine is not one of).
 */
export class DockerRuntime implements Runtime {
  private localEngine?: Engine;
  private readonly remote = new Map<string, Engine>();
  /** where each container of the last plan applied or found runs */
  private readonly located = new Map<string, Engine>();

  constructor(private readonly hosts?: readonly DockerHost[]) {}

  private async local(): Promise<Engine> {
    this.localEngine ??= { host: null, address: `unix://${socketPath()}`, docker: await requireEngine(), local: true };
    return this.localEngine;
  }

  /** the engines of these hosts, each asked once; an engine that does not answer is named */
  private async enginesOf(hosts: readonly DockerHost[] | undefined): Promise<Engine[]> {
    if (!hosts?.length) return [await this.local()];
    return Promise.all(
      hosts.map(async (h) => {
        const local = isLocalEngine(h, socketPath());
        const known = this.remote.get(`${h.name} ${h.docker}`);
        const docker = known?.docker ?? (local ? (await this.local()).docker : engineFor(h));
        // asked every time, known or not: a host that answered at up may be gone by down
        await withTimeout(docker.ping(), 10_000, 'no answer within 10 s').catch((err: Error) => {
          throw new UserError(`host ${h.name} (${h.docker}): the engine did not answer (${err.message}); check that it runs and is reachable from here`);
        });
        if (known) return known;
        const e: Engine = { host: h.name, address: h.docker, docker, local };
        this.remote.set(`${h.name} ${h.docker}`, e);
        return e;
      }),
    );
  }

  private firewall(e: Engine, runId: string, image?: string): HostFirewall {
    if (e.local) return localFirewall;
    return engineFirewall(e.docker, async () => image ?? (await anyNodeImage(e)), runId);
  }

  /** the hosts a run (or every run) is spread over, from its objects on this machine, else the ones given */
  private async hostsOfRuns(filter: string): Promise<DockerHost[]> {
    if (this.hosts?.length) return [...this.hosts];
    const d = (await this.local()).docker;
    const found = new Map<string, DockerHost>();
    const labelled = [
      ...(await d.listContainers({ all: true, filters: { label: [filter, LABEL_HOSTS] } })).map((c) => c.Labels),
      ...(await d.listNetworks({ filters: { label: [filter, LABEL_HOSTS] } })).map((n) => n.Labels ?? {}),
    ];
    for (const l of labelled) for (const h of hostsFromLabel(l[LABEL_HOSTS])) found.set(h.docker, h);
    return [...found.values()];
  }

  /** this machine's engine and every host the matching runs are spread over; unreachable ones apart, named */
  private async everyEngine(filter: string): Promise<{ engines: Engine[]; unreachable: string[]; hosts: DockerHost[] }> {
    const hosts = await this.hostsOfRuns(filter);
    const engines: Engine[] = this.hosts?.length ? [] : [await this.local()];
    const unreachable: string[] = [];
    for (const h of hosts) {
      try {
        const [e] = await this.enginesOf([h]);
        // two runs may name one engine differently: it is asked once
        if (engines.some((x) => !x.local && x.address === e.address)) continue;
        // this machine's engine, when it is one of the hosts, goes by that host's name
        const i = engines.findIndex((x) => x.local && e.local);
        if (i >= 0) engines[i] = e;
        else engines.push(e);
      } catch (err) {
        unreachable.push((err as Error).message);
      }
    }
    return { engines, unreachable, hosts };
  }

  async apply(plan: Plan, o: ApplyOptions = {}): Promise<void> {
    const progress = o.progress ?? new Progress(true);
    const signal = o.signal;
    const check = () => {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    };
    const engines = await this.enginesOf(plan.hosts);
    const engineOf = (host: string | undefined) => engineNamed(engines, host);
    const extra: Record<string, string> = plan.hosts?.length ? { [LABEL_HOSTS]: hostsLabel(plan.hosts) } : {};
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

    const images = [...new Set(plan.containers.map((c) => c.image))];
    const from = await this.local();
    for (const e of engines.filter((x) => !x.local)) {
      for (const tag of images) {
        check();
        const t0 = Date.now();
        if (await shipImage(from.docker, e.docker, tag)) progress.line(`image ${tag} loaded on ${label(e)} in ${Math.round((Date.now() - t0) / 1000)} s`);
      }
    }

    const manager = plan.networks.some((n) => n.scope === 'swarm') ? await managerOf(engines) : undefined;
    let made = 0;
    await pool(
      plan.networks,
      PARALLEL,
      async (n) => {
        const overlay = n.scope === 'swarm';
        const e = overlay ? manager! : engineOf(n.hosts?.[0]);
        await e.docker
          .createNetwork({
            Name: n.name,
            Driver: overlay ? 'overlay' : 'bridge',
            Internal: true,
            // any node of the swarm may attach a container of its own to the overlay
            ...(overlay ? { Attachable: true } : { Options: { 'com.docker.network.bridge.name': n.bridge } }),
            CheckDuplicate: true,
            Labels: { ...plan.labels, ...extra, [LABEL_ROLE]: `net-${n.kind}` },
            IPAM: { Driver: 'default', Config: [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.swarmRange ? { IPRange: n.swarmRange } : {}) }] },
          })
          .catch(async (err: Error) => {
            if (!/overlaps/.test(err.message)) throw err;
            throw explainOverlap({ name: n.name, subnet: n.subnet }, await e.docker.listNetworks()) ?? err;
          });
        progress.update(`networks: ${++made}/${plan.networks.length}`);
      },
      signal,
    );
    const overlays = plan.networks.filter((n) => n.scope === 'swarm').length;
    progress.line(`networks: ${plan.networks.length} created (internal${overlays ? `; ${overlays} of them overlays across hosts` : ''})`);
    for (const e of engines) {
      check();
      const rules = plan.hostRules.filter((r) => engineOf(r.host) === e).map((r) => ['-I', r.chain, ...r.args]);
      await this.firewall(e, plan.runId, plan.containers[0]?.image).run(rules);
    }

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
          const e = engineOf(c.host);
          this.located.set(c.name, e);
          // the secret and credentials go into the containers' environment only, not the plan
          // (results/<run>/plan.json): a data centre checks each login against them
          await this.startContainer(e, { ...c, labels: { ...c.labels, ...extra }, env: { ...c.env, ...credentialEnv(c.role, c.name, secret) } }, o.readyTimeoutMs ?? 120_000, signal);
          ready.set(c.role, (ready.get(c.role) ?? 0) + 1);
          progress.update(countsLine('ready', ready, total));
        },
        signal,
      );
    }
    progress.line(countsLine('ready', ready, total));
  }

  private async startContainer(e: Engine, c: ContainerPlan, timeoutMs: number, signal?: AbortSignal): Promise<void> {
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

  /**
   * A folder this machine's containers see through a bind mount, brought up to date in the
   * containers on other hosts, which got a copy when they were made: the experiment's start
   * signal (`control/start`) reaches peers on every host this way. Returns how many it updated.
   */
  async syncFolder(plan: Plan, hostDir: string): Promise<number> {
    const engines = await this.enginesOf(plan.hosts);
    const remote = plan.containers.filter((c) => !engineNamed(engines, c.host).local && c.mounts.some((m) => m.host === hostDir));
    await pool(remote, PARALLEL * 2, async (c) => {
      const e = engineNamed(engines, c.host);
      const files = c.mounts.filter((m) => m.host === hostDir).flatMap(mountedFiles);
      await e.docker.getContainer(c.name).putArchive(await tarOf(files), { path: '/' });
    });
    return remote.length;
  }

  /**
   * Removes everything of the run on every engine it spans; keeps going past a failure so one
   * stuck network or one unreachable host leaves nothing else behind, then names what is left.
   * Containers go first everywhere: an overlay is only removable once no node has an endpoint on it.
   */
  async down(runId: string | 'all', o: { progress?: Progress } = {}) {
    const progress = o.progress ?? new Progress(true);
    const filter = runId === 'all' ? `${LABEL_PROJECT}=${PROJECT}` : `${LABEL_RUN}=${runId}`;
    const { engines, unreachable, hosts } = await this.everyEngine(filter);
    const failures: string[] = unreachable.map((u) => `${u}; what the run has there is left`);
    const gone = { container: 0, network: 0, rule: 0 };
    const keepGoing = (kind: keyof typeof gone, what: string, work: () => Promise<unknown>) =>
      work().then(
        () => void gone[kind]++,
        (err: Error) => void failures.push(`${kind} ${what}: ${err.message}`),
      );
    const where = (e: Engine) => (engines.length > 1 ? ` on ${e.host ?? 'this machine'}` : '');
    const listed = <T>(e: Engine, what: string, p: Promise<T[]>) =>
      p.catch((err: Error) => {
        failures.push(`${label(e)}: could not list its ${what} (${err.message}); they are left`);
        return [] as T[];
      });
    // other hosts first: this machine's objects carry the hosts list that finds them again
    const ordered = [...engines.filter((e) => !e.local), ...engines.filter((e) => e.local)];
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
    // bridges on their engine; an overlay once, on a manager (a worker may not remove it)
    const overlays = new Map<string, string>();
    const overlaysTried = new Set<string>();
    const overlaysRemoved = new Set<string>();
    for (const e of ordered) {
      const networks = await listed(e, 'networks', e.docker.listNetworks({ filters: { label: [filter] } }));
      for (const n of networks) if (n.Scope === 'swarm') overlays.set(n.Id, n.Name);
      const manager = networks.some((n) => n.Scope === 'swarm') && (await isManager(e));
      const mine = networks.filter((n) => n.Scope !== 'swarm' || (manager && !overlaysTried.has(n.Id)));
      for (const n of mine) if (n.Scope === 'swarm') overlaysTried.add(n.Id);
      await pool(mine, PARALLEL, (n) =>
        keepGoing('network', n.Name + where(e), async () => {
          await removeNetwork(e.docker.getNetwork(n.Id), {
            onStale: (eps) => progress.line(`network ${n.Name}: dockerd still held endpoints of removed containers (${eps.join(', ')}); disconnected them`),
          });
          if (n.Scope === 'swarm') overlaysRemoved.add(n.Id);
        }),
      );
    }
    // an overlay that only workers list: a copy left on a worker after the manager removed it
    // (its containers were on a host that did not answer then); the worker drops it once its
    // agent hears, so it is waited for below like the ones removed now
    const untried = [...overlays].filter(([id]) => !overlaysTried.has(id));
    const manager = untried.length ? await managerOf(engines).catch(() => undefined) : undefined;
    for (const [id, name] of untried) {
      const gone =
        manager &&
        (await manager.docker
          .getNetwork(id)
          .inspect()
          .then(
            () => false,
            (err: { statusCode?: number }) => err.statusCode === 404,
          ));
      if (gone) overlaysRemoved.add(id);
      else failures.push(`network ${name}: an overlay, and no swarm manager among the hosts that answered removed it; on a manager: docker network rm ${name}`);
    }
    // a worker lists its copy of an overlay until its swarm agent hears that the manager removed
    // it (seconds on a loaded machine): down returns once no host lists one, so "removed" holds
    // for whoever looks next
    if (overlaysRemoved.size) {
      // every host at once, under one deadline: a host cut off from the manager costs the wait once
      await Promise.all(
        ordered.map(async (e) => {
          const removedOverlays = async () => (await e.docker.listNetworks({ filters: { label: [filter] } })).filter((n) => overlaysRemoved.has(n.Id)).map((n) => n.Name);
          const left = await untilGone(removedOverlays, OVERLAY_DROP_MS).catch((err: Error) => {
            failures.push(`${label(e)}: could not list its networks to see the removed overlays go (${err.message})`);
            return [] as string[];
          });
          for (const name of left)
            failures.push(
              `network ${name}${where(e)}: the manager removed this overlay, yet the host still lists it after ${OVERLAY_DROP_MS / 1000} s; its swarm agent may be cut off from the manager`,
            );
        }),
      );
    }
    for (const e of ordered) {
      // the rules of one host go together: on another host that is one helper container, not one each
      const fw = this.firewall(e, runId === 'all' ? 'cleanup' : runId);
      const rules = await fw.listUserChain().then(
        (lines) => rulesOfRun(lines, runId),
        (err: Error) => void failures.push(`DOCKER-USER rules${where(e)}: ${err.message}`),
      );
      if (!rules?.length) continue;
      const failed = await fw.runAll(rules).catch((err: Error) => [`${err.message}`]);
      gone.rule += rules.length - failed.length;
      for (const f of failed) failures.push(`rule${where(e)}: ${f}`);
    }
    progress.line(
      `removed ${gone.container} containers, ${gone.network} networks, ${gone.rule} DOCKER-USER rules${runId === 'all' ? '' : ` of run ${runId}`}${engines.length > 1 ? ` on ${engines.length} hosts` : ''}`,
    );
    if (failures.length) throw new DownIncompleteError(runId, failures, hosts);
    return { containers: gone.container, networks: gone.network, rules: gone.rule };
  }

  async status(runId?: string): Promise<RunStatus[]> {
    const filter = runId ? `${LABEL_RUN}=${runId}` : `${LABEL_PROJECT}=${PROJECT}`;
    const { engines, unreachable } = await this.everyEngine(filter);
    const runs = new Map<string, RunStatus>();
    const get = (id: string) => {
      let r = runs.get(id);
      if (!r) runs.set(id, (r = { runId: id, topology: '', transient: false, roles: {}, networks: 0, planned: {}, complete: true }));
      return r;
    };
    const networkIds = new Set<string>();
    const runHosts = new Map<string, DockerHost[]>();
    for (const e of engines) {
      const containers = await e.docker.listContainers({ all: true, filters: { label: [filter] } });
      const networks = await e.docker.listNetworks({ filters: { label: [filter] } });
      for (const c of containers) {
        if (c.Labels[LABEL_ROLE] === 'firewall' || !c.Labels[LABEL_RUN]) continue;
        const r = get(c.Labels[LABEL_RUN] ?? '?');
        if (c.Labels[LABEL_HOSTS]) runHosts.set(r.runId, hostsFromLabel(c.Labels[LABEL_HOSTS]));
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
        if (e.host !== null) {
          const h = ((r.hosts ??= {})[e.host] ??= { address: e.address, containers: 0, running: 0 });
          h.containers++;
          if (c.State === 'running') h.running++;
        }
      }
      for (const n of networks) {
        if (networkIds.has(n.Id)) continue;
        networkIds.add(n.Id);
        get(n.Labels?.[LABEL_RUN] ?? '?').networks++;
      }
    }
    // a run asked for by name whose hosts do not answer is shown with that, not as absent
    if (runId && unreachable.length) get(runId);
    for (const r of runs.values()) {
      for (const role of Object.keys(r.planned)) r.roles[role] ??= { count: 0, running: 0, exited: 0 };
      r.complete = Object.entries(r.planned).every(([role, n]) => (r.roles[role]?.count ?? 0) >= n);
      const spans = runHosts.get(r.runId);
      const mine = unreachable.filter((u) => !spans || spans.some((h) => u.startsWith(`host ${h.name} (${h.docker})`)));
      if (mine.length) r.unreachable = mine;
    }
    return [...runs.values()].sort((a, b) => a.runId.localeCompare(b.runId));
  }

  /** the engine that runs this container: the one a plan put it on, else the first of the run's engines that has it */
  private async locate(name: string): Promise<Engine> {
    const known = this.located.get(name);
    if (known) return known;
    const local = await this.local();
    if (!this.hosts?.length && (await hasContainer(local.docker, name))) return local;
    const run = /^tb-([a-z0-9]+)-/.exec(name)?.[1];
    const { engines, unreachable } = await this.everyEngine(run ? `${LABEL_RUN}=${run}` : `${LABEL_PROJECT}=${PROJECT}`);
    for (const e of engines) {
      if (await hasContainer(e.docker, name)) {
        this.located.set(name, e);
        return e;
      }
    }
    // not found where it could be asked: on a host that does not answer, say so rather than "no such container"
    if (unreachable.length) throw new UserError(`${name} is on none of the hosts that answered; these did not:\n  ${unreachable.join('\n  ')}`);
    return local;
  }

  /** hosts of the run the last `list` could not ask: its caller says so */
  unreachable: string[] = [];

  /** the run's containers on every host that answers: name, role, state (running, exited, ...), host */
  async list(runId: string): Promise<{ name: string; role: string; state: string; status: string; host?: string }[]> {
    const { engines, unreachable } = await this.everyEngine(`${LABEL_RUN}=${runId}`);
    this.unreachable = unreachable;
    const rows: { name: string; role: string; state: string; status: string; host?: string }[] = [];
    for (const e of engines) {
      const cs = await e.docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
      for (const c of cs) {
        if (c.Labels[LABEL_ROLE] === 'firewall') continue;
        const name = c.Names[0]?.replace(/^\//, '') ?? c.Id;
        this.located.set(name, e);
        rows.push({ name, role: c.Labels[LABEL_ROLE] ?? '?', state: c.State, status: c.Status, ...(e.host !== null ? { host: e.host } : {}) });
      }
    }
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** follow a container's log, line by line, until `signal` aborts or the container ends */
  async followLogs(name: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const { docker } = await this.locate(name);
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
    const { docker } = await this.locate(name);
    return demux((await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
  }

  /** power a container off at once (SIGKILL, as a power cut) or on again; its networks and addresses stay */
  async power(name: string, on: boolean): Promise<void> {
    const c = (await this.locate(name)).docker.getContainer(name);
    if (on) await c.start();
    else await c.stop({ t: 0 });
  }

  /** whether the container is running now (false once its program has ended) */
  async running(name: string): Promise<boolean> {
    const { docker } = await this.locate(name);
    return docker
      .getContainer(name)
      .inspect()
      .then((i) => i.State.Running === true)
      .catch(() => false);
  }

  async exec(name: string, cmd: string[], timeoutMs = 60_000) {
    const { docker } = await this.locate(name);
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
    const { docker } = await this.local();
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
      // by its own hosts (its labels), not by any --hosts this runtime was given for another run
      await (this.hosts?.length ? new DockerRuntime() : this).down(run, { progress }).catch((err: unknown) => progress?.line(formatError(err)));
    }
    return [...dead];
  }
}
