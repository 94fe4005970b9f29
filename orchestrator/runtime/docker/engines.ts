// The Docker engines of a run (docs/multi-host.md): this machine's, or every host of a plan that
// names several, each asked once and kept; the hosts a run spans, found again from the label its
// objects carry; the swarm manager overlays are made on; and which engine runs a container. The
// resource modules beside this one (images, networks, firewall, containers) act on these engines.
import type Docker from 'dockerode';
import type { DockerHost } from '../../config/hosts.ts';
import { requireEngine, socketPath } from '../../docker/engine.ts';
import { engineFor, withTimeout } from '../../docker/swarm.ts';
import { UserError } from '../../errors.ts';
import { isLocalEngine } from '../../plan/hosts.ts';
import { LABEL_PROJECT, LABEL_RUN, PROJECT } from '../../plan/types.ts';

/** on every object of a run spread over several hosts: the hosts, so `down` and `status` find them all */
export const LABEL_HOSTS = 'testbed.hosts';

/** one Docker engine of a run: this machine's, or a host of a multi-host testbed */
export interface Engine {
  /** the host's name from the plan; null on a single-host testbed */
  host: string | null;
  address: string;
  docker: Docker;
  /** this machine's engine: bind mounts and iptables reach it directly */
  local: boolean;
}

export const label = (e: Engine) => (e.host === null ? 'this machine' : `host ${e.host} (${e.address})`);

/** the part of the hosts list the label carries: enough to reach every engine again */
export const hostsLabel = (hosts: readonly DockerHost[]) => JSON.stringify(hosts.map((h) => ({ name: h.name, docker: h.docker, peers: h.peers })));

export function hostsFromLabel(v: string | undefined): DockerHost[] {
  if (!v) return [];
  try {
    return (JSON.parse(v) as DockerHost[]).filter((h) => typeof h?.name === 'string' && typeof h?.docker === 'string');
  } catch {
    return [];
  }
}

/** the engine a plan puts a container or network on: its host's, or the one engine of a single-host plan */
export const engineNamed = (engines: readonly Engine[], host: string | undefined): Engine => (host === undefined ? undefined : engines.find((e) => e.host === host)) ?? engines[0];

const hasContainer = (docker: Docker, name: string) =>
  docker
    .getContainer(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );

export async function isManager(e: Engine): Promise<boolean> {
  const info = await e.docker.info().catch(() => ({}) as { Swarm?: { ControlAvailable?: boolean } });
  return info.Swarm?.ControlAvailable === true;
}

/** the first of these engines that is a swarm manager: overlays are made there */
export async function managerOf(engines: readonly Engine[]): Promise<Engine> {
  for (const e of engines) if (await isManager(e)) return e;
  throw new UserError(`none of the hosts (${engines.map((e) => e.host).join(', ')}) is a swarm manager, and the overlays across hosts are made on one: name a manager among the hosts`);
}

/**
 * The engines one runtime works with, each asked once and kept, and where each container runs.
 * `hosts` are the hosts to use when no plan says (`down` and `status` of a run spread over hosts
 * this machine's engine is not one of).
 */
export class Engines {
  private localEngine?: Engine;
  private readonly remote = new Map<string, Engine>();
  /** where each container of the last plan applied or found runs */
  readonly located = new Map<string, Engine>();

  constructor(readonly hosts?: readonly DockerHost[]) {}

  async local(): Promise<Engine> {
    this.localEngine ??= { host: null, address: `unix://${socketPath()}`, docker: await requireEngine(), local: true };
    return this.localEngine;
  }

  /** the engines of these hosts, each asked once; an engine that does not answer is named */
  async enginesOf(hosts: readonly DockerHost[] | undefined): Promise<Engine[]> {
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
  async everyEngine(filter: string): Promise<{ engines: Engine[]; unreachable: string[]; hosts: DockerHost[] }> {
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

  /** the engine that runs this container: the one a plan put it on, else the first of the run's engines that has it */
  async locate(name: string): Promise<Engine> {
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
}
