// Placement over several Docker hosts (docs/multi-host.md): which engine runs each container of a
// plan, and which networks must span engines. Pure, like the planner: the plan it annotates is
// still plain data that `up --dry-run` prints and tests read.
//
// The unit of placement is a home: a router, the peers behind it and their LAN (with a double
// NAT's outer router and its network). A home's networks never leave its host, so the NAT, UPnP
// and shaping inside a home work exactly as on one machine; only the networks between homes and
// the core (the country WANs, the data centres', the services') have to span hosts, as Swarm
// overlay networks. A NAT-less peer is a home of its own.
import fs from 'node:fs';
import type { DockerHost } from '../config/hosts.ts';
import { checkHosts } from '../config/hosts.ts';
import { UserFacingError } from '../errors.ts';
import { inSubnet, intToIp, ipToInt } from './addresses.ts';
import { apportion, MAX_NETWORKS } from './plan.ts';
import type { ContainerPlan, NetworkPlan, Plan } from './types.ts';

export class PlacementError extends UserFacingError {}

/** a home: the containers that must share a host, and the peers among them */
interface Unit {
  containers: ContainerPlan[];
  peers: number;
}

/**
 * The plan with each container's host and each network's scope: `local` (one host: a bridge, as
 * today) or `swarm` (an attachable, internal overlay over the hosts named). With one host every
 * network is local and the plan is today's.
 *
 * Each host gets a quota of the peers in proportion to what it may take, and the homes fill the
 * hosts in the plan's order (a country's homes one after another) up to their quotas. So the load
 * is spread by capacity while a country's homes stay on as few hosts as the quotas allow: a WAN
 * overlay spans those and the services host (where the core router joins every WAN), not the
 * whole cluster, which keeps each host's VXLAN and ARP tables to the WANs it has homes on
 * (docs/multi-host.md). The services host takes the core, both data centres and DNS on top of its
 * quota of peers.
 */
export function placeOnHosts(plan: Plan, hosts: readonly DockerHost[]): Plan {
  if (hosts.length === 0) throw new PlacementError('no hosts given: name at least one Docker engine');
  const problems = checkHosts(hosts);
  if (problems.length) throw new PlacementError(problems.map((p) => p.message).join('\n'));
  const units = homesOf(plan);
  const need = units.reduce((n, u) => n + u.peers, 0);
  const room = hosts.reduce((n, h) => n + h.peers, 0);
  if (need > room) {
    throw new PlacementError(`topology ${plan.topology} has ${need} peers; the hosts may take ${room} (${hosts.map((h) => `${h.name} ${h.peers}`).join(', ')}): raise their "peers", or add a host`);
  }
  const services = hosts.find((h) => h.services) ?? hosts[0];
  const quota = apportion(need, Object.fromEntries(hosts.map((h) => [h.name, h.peers])));
  const load = new Map(hosts.map((h) => [h.name, 0]));
  const hostOf = new Map<string, string>();
  for (const c of plan.containers) if (c.role === 'core' || c.role === 'dc' || c.role === 'dns') hostOf.set(c.name, services.name);
  let at = 0;
  for (const u of units) {
    // the current host while it is under its quota; a home never splits, so a host may end up to
    // one home over its quota (never over what it may take)
    while (at < hosts.length && (load.get(hosts[at].name)! >= quota[hosts[at].name] || load.get(hosts[at].name)! + u.peers > hosts[at].peers)) at++;
    let h = hosts[at];
    if (!h) {
      // past the last quota (homes larger than what was left): any host with room, least full first
      const fits = hosts.filter((x) => load.get(x.name)! + u.peers <= x.peers).sort((x, y) => load.get(x.name)! / x.peers - load.get(y.name)! / y.peers);
      if (!fits.length)
        throw new PlacementError(
          `could not pack the homes: one of ${u.peers} peers (${u.containers[0].name}) fits on no host, because the homes before it left less than that on each. Homes do not split; give the hosts a few peers more room than the topology has (${need} peers, room for ${room})`,
        );
      h = fits[0];
    }
    load.set(h.name, load.get(h.name)! + u.peers);
    for (const c of u.containers) hostOf.set(c.name, h.name);
  }
  const containers = plan.containers.map((c) => ({ ...c, host: hostOf.get(c.name)! }));
  const spans = new Map<string, Set<string>>();
  for (const c of containers) for (const a of c.attachments) (spans.get(a.network) ?? spans.set(a.network, new Set()).get(a.network)!).add(c.host);
  const networks = plan.networks.map((n): NetworkPlan => {
    const on = hosts.map((h) => h.name).filter((h) => spans.get(n.name)?.has(h));
    if (on.length < 2) return { ...n, scope: 'local', hosts: on.length ? on : [services.name] };
    if (on.length > 31)
      throw new PlacementError(
        `network ${n.name} would span ${on.length} hosts; an overlay leaves room for Swarm's own addresses of 31 (see swarmRange): give the hosts more peers each, so a country sits on fewer`,
      );
    return { ...n, scope: 'swarm', hosts: on, swarmRange: swarmRange(n, containers) };
  });
  // one engine's limit on networks (plan.ts), per host: the bridges it keeps
  for (const h of hosts) {
    const bridges = networks.filter((n) => n.scope === 'local' && n.hosts![0] === h.name).length;
    if (bridges > MAX_NETWORKS)
      throw new PlacementError(`host ${h.name} would hold ${bridges} bridge networks; one Docker engine here takes at most ${MAX_NETWORKS}: lower its "peers", or add a host`);
  }
  // a bridge's DOCKER-USER rule belongs to the host that has the bridge; an overlay needs none
  const scopeOf = new Map(networks.map((n) => [n.bridge, n]));
  const hostRules = plan.hostRules.filter((r) => scopeOf.get(r.args[1])?.scope !== 'swarm').map((r) => ({ ...r, host: scopeOf.get(r.args[1])?.hosts?.[0] ?? services.name }));
  return { ...plan, hosts: hosts.map((h) => ({ ...h, services: h === services })), containers, networks, hostRules };
}

/**
 * Every node of the swarm with a container on an overlay takes an address of it for its load
 * balancer, the first free one unless the network names a range for such addresses: the routers'
 * planned addresses would then be taken ("Address already in use", seen on the first try). The
 * range is the overlay's last /27 (31 nodes: its last address is the broadcast), which the planner never fills: a WAN is cut at 900
 * endpoints of its 1,021 addresses.
 */
function swarmRange(n: NetworkPlan, containers: readonly ContainerPlan[]): string {
  const [base, bits] = n.subnet.split('/');
  const size = 2 ** (32 - Number(bits));
  if (size < 128) throw new PlacementError(`network ${n.name} (${n.subnet}) would span hosts, but an overlay needs room beside the plan's addresses for Swarm's own (a /25 at least)`);
  const range = `${intToIp(ipToInt(base) + size - 32)}/27`;
  const inside = containers.flatMap((c) => c.attachments.filter((a) => a.network === n.name && inSubnet(a.ip, range)).map(() => c.name));
  if (inside.length) throw new PlacementError(`network ${n.name}: ${inside[0]} has an address in ${range}, which an overlay leaves to Swarm`);
  return range;
}

/** the plan's homes, in plan order: containers joined by a home network, and each NAT-less peer alone */
function homesOf(plan: Plan): Unit[] {
  const homeNets = new Set(plan.networks.filter((n) => n.kind === 'home').map((n) => n.name));
  // union of containers that share a home network (router + peers; outer router + inner router)
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const byNet = new Map<string, string>();
  for (const c of plan.containers) {
    if (c.role !== 'peer' && c.role !== 'router') continue;
    parent.set(c.name, c.name);
    for (const a of c.attachments) {
      if (!homeNets.has(a.network)) continue;
      const other = byNet.get(a.network);
      if (other) parent.set(find(c.name), find(other));
      else byNet.set(a.network, c.name);
    }
  }
  const units = new Map<string, Unit>();
  for (const c of plan.containers) {
    if (!parent.has(c.name)) continue;
    const root = find(c.name);
    const u = units.get(root) ?? units.set(root, { containers: [], peers: 0 }).get(root)!;
    u.containers.push(c);
    if (c.role === 'peer') u.peers++;
  }
  return [...units.values()];
}

/** whether a host's address is this machine's engine: the same socket by any path (/run and /var/run) */
export function isLocalEngine(h: Pick<DockerHost, 'docker'>, socket: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return p;
    }
  };
  return h.docker.startsWith('unix://') && real(h.docker.slice('unix://'.length)) === real(socket);
}
