// A run's networks: internal bridges, each on its host's engine, and overlays across hosts, made
// on a swarm manager; and their removal at `down`, overlays included, which a worker may list for
// a while after the manager removed them. What Docker reports about networks in its own terms
// (stale endpoints, overlapping pools) is handled in ../networks.ts.
import { LABEL_ROLE, type Plan } from '../../plan/types.ts';
import type { Progress } from '../../progress/display.ts';
import { explainOverlap, removeNetwork, untilGone } from '../networks.ts';
import { PARALLEL, pool } from '../schedule.ts';
import { type Engine, engineNamed, isManager, label, managerOf } from './engines.ts';
import type { Teardown } from './teardown.ts';

/** how long down waits for a worker to drop its copy of an overlay the manager removed */
const OVERLAY_DROP_MS = 60_000;

/** the plan's networks, labelled with the plan's labels and `extra`; an overlap names the network in the way */
export async function createNetworks(plan: Plan, engines: readonly Engine[], extra: Record<string, string>, progress: Progress, signal?: AbortSignal): Promise<void> {
  const manager = plan.networks.some((n) => n.scope === 'swarm') ? await managerOf(engines) : undefined;
  let made = 0;
  await pool(
    plan.networks,
    PARALLEL,
    async (n) => {
      const overlay = n.scope === 'swarm';
      const e = overlay ? manager! : engineNamed(engines, n.hosts?.[0]);
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
}

/**
 * The networks matching `filter` on every engine of the teardown, once their containers are gone:
 * bridges on their engine, an overlay once, on a manager; returns once no host lists a removed
 * overlay any more, or names the hosts that still do.
 */
export async function removeNetworks(t: Teardown, filter: string): Promise<void> {
  const { ordered, keepGoing, where, listed, failures, progress } = t;
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
  const manager = untried.length ? await managerOf(t.engines).catch(() => undefined) : undefined;
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
          failures.push(`network ${name}${where(e)}: the manager removed this overlay, yet the host still lists it after ${OVERLAY_DROP_MS / 1000} s; its swarm agent may be cut off from the manager`);
      }),
    );
  }
}
