// The planner: a validated topology in, the whole testbed as data out (docs/architecture.md, principle 3).
// Pure and deterministic for a seed: the same topology and seed give the same plan.
//
// Shape of the emulated internet: one WAN network per country (more when a country has over
// WAN_ENDPOINTS endpoints), one network per data centre and one for services (DNS), all joined by
// a `core` router container. Each NAT'd peer sits in its own home network behind a router
// container on its country's WAN; a double NAT adds an outer router whose LAN is the inner
// router's WAN. Peers without NAT sit on the WAN itself.

import path from 'node:path';
import { clientArgv, dcArgv } from '../../node-image/contract.ts';
import type { Fault } from '../../node-image/core/faults.ts';
import type { Protocol } from '../../node-image/core/policies.ts';
import { dcSeed, peerSeed } from '../../node-image/core/random.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { formatScript } from '../../node-image/core/script-runner.ts';
import type { Access, DcName, RouterCategory, Topology } from '../config/topology.ts';
import { CATEGORIES, DCS } from '../config/topology.ts';
import { UserFacingError } from '../errors.ts';
import { seededRandom, shuffle } from '../util/random.ts';
import { dcSubnet, fakeExternal, homeSubnet, inSubnet as inCidr, ipToInt, outerSubnet, overlaps as overlapsCidr, type Subnet, servicesSubnet, wanSubnet } from './addresses.ts';
import { checkRunId } from './run-id.ts';
import { type Attachment, type ContainerPlan, LABEL_PLANNED, LABEL_PROJECT, LABEL_ROLE, LABEL_RUN, type NetworkPlan, type Plan, PROJECT, type Role } from './types.ts';

/** networks one plan may make: every one is a Linux bridge and a DOCKER-USER rule on this host */
export const MAX_NETWORKS = 4000;

class PlanError extends UserFacingError {}

/** Docker allows about 1000 endpoints per bridge network; stay well under it. */
const WAN_ENDPOINTS = 900;
export const DC_PORT = 4070;
export const PEER_PORT = 4100;
const APP = '/app/node-image';
/** where a repetition's control folder (its start file) is mounted */
const CONTROL = '/run/control';

export interface PlanOptions {
  runId: string;
  /** absolute path of results/<run-id> */
  resultsDir: string;
  image: string;
  timeScale?: number;
  /** the protocol variant the programs run, resolved (core/policies.ts); default: the paper's */
  protocol?: Protocol;
  /**
   * one repetition of an experiment (experiment/docker-run.ts): each program's seed derives from
   * `seed` as in every runtime (core/random.ts); the peers wait for the start file in the host
   * folder `control` (mounted at /run/control), and so do the data centres when they run `dcFaults`;
   * `scripts` are the peers' workload scripts by container name (plannedPeers), so that the plan
   * holds all a runtime writes (without them, each peer's script is a login alone)
   */
  repetition?: { seed: number; control: string; dcFaults?: Fault[]; scripts?: ReadonlyMap<string, ScriptEvent[]> };
  /** marks the run's objects for crash cleanup (experiments); plain `up` runs persist */
  transient?: { ownerPid: number };
  /** it will be placed on several Docker hosts: the one-engine network limit is checked per host (plan/hosts.ts) */
  overHosts?: boolean;
}

export interface PeerPlacement {
  name: string;
  country: string;
  access: Access;
  category: RouterCategory;
  expectedDc: DcName | 'either';
  home: number;
}

/** Largest-remainder apportionment: counts that add up to `n` and follow the shares. */
export function apportion<K extends string>(n: number, shares: Record<K, number>): Record<K, number> {
  const keys = Object.keys(shares) as K[];
  const total = keys.reduce((s, k) => s + shares[k], 0) || 1;
  const exact = keys.map((k) => ({ k, x: (n * shares[k]) / total }));
  const out = Object.fromEntries(exact.map(({ k, x }) => [k, Math.floor(x)])) as Record<K, number>;
  let left = n - keys.reduce((s, k) => s + out[k], 0);
  for (const { k } of [...exact].sort((a, b) => (b.x % 1) - (a.x % 1))) {
    if (left <= 0) break;
    out[k]++;
    left--;
  }
  return out;
}

/** The topology with `n` peers, apportioned over its countries by their shares; access mixes and routers stay shares. */
export function withPeers(t: Topology, n: number): Topology {
  const counts = apportion(n, Object.fromEntries(Object.entries(t.countries).map(([c, s]) => [c, s.peers])));
  return { ...t, countries: Object.fromEntries(Object.entries(t.countries).map(([c, s]) => [c, { ...s, peers: counts[c] }])) };
}

function expectedDc(t: Topology, country: string): DcName | 'either' {
  const dcs = t.dnsRules[country] ?? t.dnsRules.default;
  return dcs.length === 1 ? dcs[0] : 'either';
}

/**
 * Router category per peer by Table II shares (apportioned, then shuffled by the seed). Mobile
 * broadband has no NAT, so mobile peers are drawn from the no-NAT peers; the other no-NAT peers
 * have a wired public address, and NAT'd peers a wired access type by the wired shares.
 */
export function placePeers(t: Topology): PeerPlacement[] {
  const rnd = seededRandom(t.seed);
  const out: PeerPlacement[] = [];
  let home = 0;
  for (const [country, spec] of Object.entries(t.countries)) {
    const cats = apportion(spec.peers, spec.routers);
    const categories = shuffle(
      CATEGORIES.flatMap((c) => Array<RouterCategory>(cats[c]).fill(c)),
      rnd,
    );
    const mobile = Math.min(cats.noNat, Math.round(spec.peers * spec.access.mobile));
    const wired = { dsl: spec.access.dsl, cable: spec.access.cable, fibre: spec.access.fibre };
    const wiredCount = spec.peers - mobile;
    const wiredTypes = shuffle(
      (['dsl', 'cable', 'fibre'] as const).flatMap((a) => Array<Access>(apportion(wiredCount, wired)[a]).fill(a)),
      rnd,
    );
    let mobileLeft = mobile;
    let sharing = 0;
    categories.forEach((category, i) => {
      const access: Access = category === 'noNat' && mobileLeft > 0 ? (mobileLeft--, 'mobile') : wiredTypes.pop()!;
      // peers behind NATs share a home when peersPerHome > 1; a public peer has none
      if (category !== 'noNat') {
        if (sharing === 0) home++;
        sharing = (sharing + 1) % t.peersPerHome;
      }
      out.push({ name: `${country.toLowerCase()}-${String(i + 1).padStart(3, '0')}`, country, access, category, expectedDc: expectedDc(t, country), home: category === 'noNat' ? -1 : home });
    });
  }
  return out;
}

const peerContainer = (run: string, p: Pick<PeerPlacement, 'name'>) => `tb-${run}-p-${p.name}`;

/**
 * The peers planTopology will make for `runId`, by container name and in its order: the machines
 * a repetition's workload is made for before it is planned (the names seed it), so that the
 * scripts go into the plan with everything else.
 */
export function plannedPeers(t: Topology, runId: string): { name: string; country: string }[] {
  return placePeers(t).map((p) => ({ name: peerContainer(runId, p), country: p.country }));
}

export function planTopology(t: Topology, o: PlanOptions): Plan {
  const run = o.runId;
  checkRunId(run);
  const scale = o.timeScale ?? 1;
  const { protocol, repetition } = o;
  const control = repetition ? { host: repetition.control, container: CONTROL, readOnly: true } : undefined;
  const startFile = `${CONTROL}/start`;
  // data-centre faults and the data centres' host-load measurement run on the peers' workload
  // clock: the data centres read the same start file
  const faults = repetition?.dcFaults;
  const labels = { [LABEL_PROJECT]: PROJECT, [LABEL_RUN]: run, ...(o.transient ? { 'testbed.transient': 'true', 'testbed.owner-pid': String(o.transient.ownerPid) } : {}) };
  const networks: NetworkPlan[] = [];
  const containers: ContainerPlan[] = [];
  const files: Plan['files'] = [];
  const notes: string[] = [];
  let bridgeIndex = 0;

  const addNetwork = (suffix: string, s: Subnet, kind: NetworkPlan['kind']): NetworkPlan => {
    const n: NetworkPlan = { name: `tb-${run}-${suffix}`, bridge: `tb${run}${(bridgeIndex++).toString(36)}`, subnet: s.cidr, gateway: s.gateway, internal: true, kind };
    networks.push(n);
    return n;
  };
  const attach = (list: [NetworkPlan, string][]): Attachment[] => list.map(([n, ip], i) => ({ network: n.name, ip, iface: `eth${i}` }));
  const container = (c: Omit<ContainerPlan, 'labels' | 'capAdd' | 'sysctls' | 'mounts' | 'env'> & Partial<Pick<ContainerPlan, 'capAdd' | 'sysctls' | 'mounts' | 'env'>>): ContainerPlan => {
    const addrs = Object.fromEntries(c.attachments.map((a) => [a.iface, a.ip]));
    const full: ContainerPlan = {
      capAdd: ['NET_ADMIN'],
      sysctls: {},
      mounts: [],
      ...c,
      env: { ...(c.env ?? {}), TB_NET: JSON.stringify(c.net), TB_ADDRS: JSON.stringify(addrs) },
      labels: { ...labels, [LABEL_ROLE]: c.role },
    };
    containers.push(full);
    return full;
  };
  const idle = (role: Role, name: string) => ['sh', '-c', `echo READY ${role} ${name}; exec sleep 2147483647`];

  // --- the core and the services -------------------------------------------------------------
  const placement = placePeers(t);
  // one network per home (two for a double NAT): a plan past what one engine can hold is refused
  // before any is made, with what would fit
  const homeNets = new Set(placement.filter((p) => p.home >= 0).map((p) => p.home)).size + placement.filter((p) => p.category === 'private').length;
  if (homeNets > MAX_NETWORKS && !o.overHosts) {
    throw new PlanError(
      `topology ${t.name} needs about ${homeNets} home networks; one Docker engine here takes at most ${MAX_NETWORKS} (every network is a Linux bridge and host firewall rule): use fewer peers, or more peers per home (peersPerHome)`,
    );
  }
  // WAN networks first (the core attaches to all of them): enough per country for its
  // endpoints, the core included in each
  const wanNets: { net: NetworkPlan; s: Subnet; used: number; country: string }[] = [];
  for (const country of Object.keys(t.countries)) {
    const ps = placement.filter((p) => p.country === country);
    const endpoints = ps.filter((p) => p.category === 'noNat').length + new Set(ps.filter((p) => p.category !== 'noNat').map((p) => p.home)).size;
    const count = Math.max(1, Math.ceil(endpoints / (WAN_ENDPOINTS - 1)));
    for (let k = 0; k < count; k++) {
      const s = wanSubnet(wanNets.length);
      wanNets.push({ net: addNetwork(`wan-${country.toLowerCase()}${k}`, s, 'wan'), s, used: 1, country });
    }
  }
  /** the country's WAN network with room for one more endpoint */
  const wanFor = (country: string) => wanNets.find((x) => x.country === country && x.used < WAN_ENDPOINTS)!;
  const dcNets = DCS.map((dc, i) => ({ dc, s: dcSubnet(i), net: addNetwork(`dc-${dc}`, dcSubnet(i), 'dc') }));
  const svc = { s: servicesSubnet(), net: addNetwork('svc', servicesSubnet(), 'core') };
  const coreIp = (s: Subnet) => s.host(0);

  container({
    name: `tb-${run}-core`,
    role: 'core',
    image: o.image,
    cmd: idle('core', 'core'),
    group: 0,
    readyLine: 'READY core core',
    attachments: attach([...wanNets.map((w) => [w.net, coreIp(w.s)] as [NetworkPlan, string]), ...dcNets.map((d) => [d.net, coreIp(d.s)] as [NetworkPlan, string]), [svc.net, coreIp(svc.s)]]),
    // Nothing the core does not know is reachable: no default route towards Docker's bridge. It
    // drops such packets without a word (a blackhole, not an `unreachable` route): a dial to
    // another home's LAN address, a double NAT's private address or a wrong UPnP answer then
    // times out, as on the Internet and in the simulated network. An `unreachable` route answered
    // ICMP at once, up to the kernel's per-source limit (5 at once, then 1 a second), so the
    // containers' failed dials were fast on a quiet testbed and slow on a busy one
    // (docs/simulation.md, "Failed dials").
    net: { routes: [{ dst: 'default', via: 'blackhole' }], forward: true },
    sysctls: { 'net.ipv4.ip_forward': '1' },
    meta: {},
  });

  const dcAddress: Record<string, string> = {};
  for (const [i, d] of dcNets.entries()) {
    const ip = d.s.host(1);
    dcAddress[d.dc] = ip;
    container({
      name: `tb-${run}-dc-${d.dc}`,
      role: 'dc',
      image: o.image,
      group: 1,
      readyLine: `READY dc ${d.dc}`,
      cmd: [
        'node',
        `${APP}/dc/main.js`,
        ...dcArgv({
          name: d.dc,
          listen: { host: '0.0.0.0', port: DC_PORT },
          sink: '/data/reports.jsonl',
          timeScale: scale,
          protocol,
          ...(repetition ? { seed: dcSeed(repetition.seed, i) } : {}),
          ...(faults ? { faults } : {}),
          ...(repetition ? { startFile } : {}),
        }),
      ],
      attachments: attach([[d.net, ip]]),
      net: { routes: [{ dst: 'default', via: coreIp(d.s) }] },
      mounts: [{ host: path.join(o.resultsDir, 'raw', d.dc), container: '/data' }, ...(control ? [control] : [])],
      meta: { dc: d.dc },
    });
  }
  const dnsIp = svc.s.host(1);
  const dnsConfig = {
    domain: 'spotify.test',
    dcs: Object.fromEntries(DCS.map((d) => [d, { address: dcAddress[d], port: DC_PORT }])),
    countries: wanNets.map((w) => ({ cidr: w.s.cidr, country: w.country })),
    rules: t.dnsRules,
  };
  container({
    name: `tb-${run}-dns`,
    role: 'dns',
    image: o.image,
    group: 1,
    readyLine: 'READY dns dns',
    cmd: ['node', `${APP}/dns/main.js`, '--name', 'dns', '--port', '53', '--config', JSON.stringify(dnsConfig)],
    attachments: attach([[svc.net, dnsIp]]),
    net: { routes: [{ dst: 'default', via: coreIp(svc.s) }] },
    meta: {},
  });

  // --- homes, routers and peers ----------------------------------------------------------------
  const homes = new Map<number, { lan: Subnet; net: NetworkPlan; routerLan: string; peers: number }>();
  let outerIndex = 0;
  let mismatchIndex = 0;
  const routerCmd = (name: string, mode: string, lanIp: string, wanIp: string, fake?: string) =>
    mode === 'no-upnp'
      ? idle('router', name)
      : ['node', `${APP}/router/main.js`, '--name', name, '--mode', mode, '--lan-address', lanIp, '--wan-address', wanIp, ...(fake ? ['--fake-external', fake] : [])];

  for (const p of placement) {
    const w = wanFor(p.country);
    const peerName = peerContainer(run, p);
    const link = t.links[p.access];
    let attachment: [NetworkPlan, string];
    let via: string;
    if (p.category === 'noNat') {
      attachment = [w.net, w.s.host(w.used++)];
      via = coreIp(w.s);
    } else {
      let h = homes.get(p.home);
      if (!h) {
        const lan = homeSubnet(p.home);
        const net = addNetwork(`h${p.home}`, lan, 'home');
        const routerName = `tb-${run}-r-${p.name}`;
        const routerLan = lan.host(0);
        const mode = p.category === 'upnp' || p.category === 'private' ? 'upnp' : p.category === 'mismatch' ? 'mismatch' : 'no-upnp';
        const meta = { country: p.country, category: p.category };
        if (p.category === 'private') {
          // double NAT: an outer router (no UPnP) on the WAN, the inner UPnP router behind it
          const outer = outerSubnet(outerIndex++);
          const onet = addNetwork(`o${p.home}`, outer, 'home');
          const outerWan = w.s.host(w.used++);
          container({
            name: `tb-${run}-ro-${p.name}`,
            role: 'router',
            image: o.image,
            group: 2,
            readyLine: `READY router tb-${run}-ro-${p.name}`,
            cmd: routerCmd(`tb-${run}-ro-${p.name}`, 'no-upnp', outer.host(0), outerWan),
            attachments: attach([
              [w.net, outerWan],
              [onet, outer.host(0)],
            ]),
            net: { routes: [{ dst: 'default', via: coreIp(w.s) }], nat: { wanIface: 'eth0', lanIface: 'eth1' } },
            sysctls: { 'net.ipv4.ip_forward': '1' },
            meta: { ...meta, outer: true },
          });
          container({
            name: routerName,
            role: 'router',
            image: o.image,
            group: 3,
            readyLine: `READY router ${routerName}`,
            cmd: routerCmd(routerName, mode, routerLan, outer.host(1)),
            attachments: attach([
              [onet, outer.host(1)],
              [net, routerLan],
            ]),
            net: { routes: [{ dst: 'default', via: outer.host(0) }], nat: { wanIface: 'eth0', lanIface: 'eth1' } },
            sysctls: { 'net.ipv4.ip_forward': '1' },
            meta,
          });
        } else {
          const wanIp = w.s.host(w.used++);
          const fake = mode === 'mismatch' ? fakeExternal(mismatchIndex++) : undefined;
          container({
            name: routerName,
            role: 'router',
            image: o.image,
            group: 2,
            readyLine: `READY router ${routerName}`,
            cmd: routerCmd(routerName, mode, routerLan, wanIp, fake),
            attachments: attach([
              [w.net, wanIp],
              [net, routerLan],
            ]),
            net: { routes: [{ dst: 'default', via: coreIp(w.s) }], nat: { wanIface: 'eth0', lanIface: 'eth1' } },
            sysctls: { 'net.ipv4.ip_forward': '1' },
            meta: { ...meta, ...(fake ? { fakeExternal: fake } : {}) },
          });
        }
        h = { lan, net, routerLan, peers: 0 };
        homes.set(p.home, h);
      }
      attachment = [h.net, h.lan.host(1 + h.peers++)];
      via = h.routerLan;
    }
    const script = path.join(o.resultsDir, 'scripts', `${peerName}.jsonl`);
    const scripts = repetition?.scripts;
    files.push({
      host: script,
      content: scripts ? formatScript(scripts.get(peerName) ?? []) : JSON.stringify({ t: 0, action: 'login', user: `user-${p.name}`, country: p.country, quality: 'q5' }) + '\n',
    });
    container({
      name: peerName,
      role: 'peer',
      image: o.image,
      group: 4,
      readyLine: `READY client ${peerName}`,
      cmd: [
        'node',
        `${APP}/client/main.js`,
        ...clientArgv({
          name: peerName,
          dns: { host: dnsIp, port: 53 },
          script: '/run/script.jsonl',
          timeScale: scale,
          listenPort: PEER_PORT,
          cacheDir: '/cache',
          upnp: true,
          protocol,
          // the peer's draws and DNS picks as the simulation and the local runtime make them
          ...(repetition ? { startFile, seed: peerSeed(repetition.seed, p.name) } : {}),
        }),
      ],
      attachments: attach([attachment]),
      net: {
        routes: [{ dst: 'default', via }],
        shaping: {
          iface: 'eth0',
          up: { rateKbit: link.upKbit, delayMs: link.delayMs / 2, jitterMs: link.jitterMs, lossPct: link.lossPct },
          down: { rateKbit: link.downKbit, delayMs: link.delayMs / 2, jitterMs: link.jitterMs, lossPct: link.lossPct },
        },
      },
      mounts: [{ host: script, container: '/run/script.jsonl', readOnly: true }, ...(control ? [control] : [])],
      meta: {
        peer: p.name,
        country: p.country,
        access: p.access,
        category: p.category,
        expectedDc: p.expectedDc,
        upKbit: link.upKbit,
        downKbit: link.downKbit,
        delayMs: link.delayMs,
        jitterMs: link.jitterMs,
      },
    });
  }

  const hostRules = networks.map((n) => ({
    table: 'filter' as const,
    chain: 'DOCKER-USER' as const,
    args: ['-i', n.bridge, '-o', n.bridge, '-j', 'ACCEPT', '-m', 'comment', '--comment', `tb:${run}`],
  }));
  const planned: Record<string, number> = {};
  for (const c of containers) planned[c.role] = (planned[c.role] ?? 0) + 1;
  for (const c of containers) c.labels[LABEL_PLANNED] = JSON.stringify(planned);
  return { runId: run, topology: t.name, labels, networks, containers, hostRules, files, notes };
}

/** Checks a plan must pass before anything is created: each a sentence naming what is wrong. */
export function checkPlan(plan: Plan): string[] {
  const problems: string[] = [];
  const nets = new Map(plan.networks.map((n) => [n.name, n]));
  const seen = new Map<string, string>();
  const perNet = new Map<string, number>();
  const gateways = new Set(plan.networks.map((n) => n.gateway));
  for (const n of plan.networks) if (n.bridge.length > 15) problems.push(`bridge name ${n.bridge} is longer than 15 characters`);
  // overlaps by a sweep over the networks sorted by first address, not by every pair: a plan of
  // 10,000 peers has 7,700 networks, and the pairs took half a minute
  const range = (cidr: string) => {
    const [base, bits] = cidr.split('/');
    const first = ipToInt(base);
    return { first, last: first + 2 ** (32 - Number(bits)) - 1 };
  };
  const sorted = plan.networks.map((n) => ({ n, ...range(n.subnet) })).sort((a, b) => a.first - b.first);
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length && sorted[j].first <= sorted[i].last; j++) {
      const [a, b] = [sorted[i].n, sorted[j].n];
      if (overlapsCidr(a.subnet, b.subnet)) problems.push(`networks ${a.name} and ${b.name} overlap (${a.subnet}, ${b.subnet})`);
    }
  for (const c of plan.containers) {
    for (const a of c.attachments) {
      const n = nets.get(a.network);
      if (!n) {
        problems.push(`${c.name} attaches to unknown network ${a.network}`);
        continue;
      }
      if (!inCidr(a.ip, n.subnet)) problems.push(`${c.name}: ${a.ip} is outside ${n.name} (${n.subnet})`);
      if (a.ip === n.gateway) problems.push(`${c.name}: ${a.ip} is the bridge's own address`);
      const other = seen.get(a.ip);
      if (other) problems.push(`${a.ip} is given to both ${other} and ${c.name}`);
      seen.set(a.ip, c.name);
      perNet.set(n.name, (perNet.get(n.name) ?? 0) + 1);
    }
    for (const r of c.net.routes) {
      if (r.via === 'blackhole') continue;
      const onLink = c.attachments.some((a) => inCidr(r.via, nets.get(a.network)?.subnet ?? '0.0.0.0/32'));
      if (!onLink) problems.push(`${c.name}: next hop ${r.via} is on none of its networks`);
      if (gateways.has(r.via)) problems.push(`${c.name}: routes via Docker's bridge address ${r.via}`);
    }
  }
  for (const [n, count] of perNet) if (count >= 1000) problems.push(`${n} has ${count} endpoints; Docker allows about 1000 per bridge`);
  return problems;
}
