// The simulated runtime: the unchanged protocol core (clients, data centres, tracker, policies)
// on one virtual clock and the simulated network (network.ts), with the same inputs as the Docker
// runtime (a placement of peers from the topology, their workload scripts, the variant, the
// faults) and the same outputs (raw/<dc>/reports.jsonl from each data centre's sink, and
// raw/clients.jsonl with each client's exit record), so that the analysis, report and
// `testbed compare` read a simulated run as they read an emulated one.
import fs from 'node:fs';
import path from 'node:path';
import { Channel, channelOptions, everyReal } from '../../../node-image/core/channel.ts';
import { Client } from '../../../node-image/core/client.ts';
import { sampledContent } from '../../../node-image/core/content.ts';
import { DataCentre, type ReportSink } from '../../../node-image/core/dc.ts';
import { armDcFaults, type Fault, isPeerFault } from '../../../node-image/core/faults.ts';
import type { Protocol } from '../../../node-image/core/policies.ts';
import { dcSeed, dnsRandom, peerSeed, pickWeighted, seededRandom } from '../../../node-image/core/random.ts';
import type { Report, UpnpOutcome } from '../../../node-image/core/reports.ts';
import type { ScriptEvent } from '../../../node-image/core/script.ts';
import { runScript } from '../../../node-image/core/script-runner.ts';
import { RUN_CHUNKS, type SimModel } from '../../config/sim-model.ts';
import type { DcName, Topology } from '../../config/topology.ts';
import { DCS } from '../../config/topology.ts';
import { fakeExternal, homeSubnet, intToIp, ipToInt, outerSubnet } from '../../plan/addresses.ts';
import type { PeerPlacement } from '../../plan/plan.ts';
import { DC_PORT, PEER_PORT } from '../../plan/plan.ts';
import { pickPeers } from '../../workload/churn.ts';
import type { WarmState } from '../../workload/warmup.ts';
import { SimClock } from './clock.ts';
import { CutLiveness } from './liveness.ts';
import { newHost, type SimHost, SimNetwork } from './network.ts';
import { RangeStore } from './store.ts';

/** a data centre's link: far faster than any access link, 1 ms to the core */
const DC_LINK = { kbit: 10_000_000, delayMs: 1, jitterMs: 0, lossPct: 0 };
/** one track in this many (by id) carries real bytes that its plays verify (core/content.ts) */
export const VERIFY_EVERY = 32;
/** after its last event a client has this long to have its reports acknowledged, as in the programs */
const DRAIN_MS = 30_000;
const dcAddress = (i: number) => `198.19.${240 + i}.2`;
const publicAddress = (i: number) => intToIp(ipToInt('198.18.0.0') + 2 + i);

export interface SimInput {
  topology: Topology;
  placement: PeerPlacement[];
  /** workload script per peer name */
  scripts: Map<string, ScriptEvent[]>;
  protocol: Protocol;
  faults: readonly Fault[];
  seed: number;
  durationMs: number;
  /** workload ms per network ms, as a container's clock under `timeScale` (default 1: none) */
  timeScale?: number;
  /** where raw/ goes */
  dir: string;
  /** the caches and trackers to start from (orchestrator/workload/warmup.ts); empty without. The run consumes it: its maps are empty afterwards */
  warm?: WarmState;
  /** the simulation's coarser models where chosen (default: the message-level one throughout) */
  model?: SimModel;
  signal?: AbortSignal;
  /** called about once a wall second */
  progress?: (p: SimProgress) => void;
}

export interface SimProgress {
  virtualMs: number;
  events: number;
  eventsPerSec: number;
  online: number;
  plays: number;
  /** timers in the event queue (cancelled ones until their time): what each event's queue operations cost grows with */
  queued: number;
  bytes: { server: number; p2p: number; cache: number };
}

export interface SimResult {
  events: number;
  wallMs: number;
  eventsPerSecond: number;
  virtualMs: number;
  peers: number;
  reports: number;
  heapUsedMB: number;
  /** messages sent over the simulated network, by type, most first */
  messages: Record<string, number>;
  /** clients whose script had not finished (with its drain) when the run ended */
  unfinished: string[];
  interrupted: boolean;
}

/** A sink that appends to raw/<dc>/reports.jsonl in batches; durable as far as the run is concerned. */
class FileLinesSink implements ReportSink {
  private lines: string[] = [];
  count = 0;
  constructor(
    private readonly file: string,
    private readonly onReport: (r: Report) => void,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  }
  append(records: Report[]): Promise<void> {
    for (const r of records) {
      this.lines.push(JSON.stringify(r));
      this.onReport(r);
    }
    this.count += records.length;
    if (this.lines.length >= 5000) this.flush();
    return Promise.resolve();
  }
  storedKeys(): Iterable<string> {
    return [];
  }
  flush(): void {
    if (!this.lines.length) return;
    fs.appendFileSync(this.file, this.lines.join('\n') + '\n');
    this.lines = [];
  }
}

const hexId = (random: () => number) =>
  Math.floor(random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');

export async function runSim(input: SimInput): Promise<SimResult> {
  const { topology: t, seed } = input;
  const protocol = withDataModel(input.protocol, input.model);
  const { params } = protocol;
  const t0 = Date.now();
  const clock = new SimClock(0, input.timeScale ?? 1);
  const net = new SimNetwork(clock, seededRandom(seed ^ 0x5e7));
  const content = sampledContent(VERIFY_EVERY);
  const liveness = input.model?.keepalives === 'lazy' ? new CutLiveness(net, clock) : undefined;
  const live = { plays: 0, bytes: { server: 0, p2p: 0, cache: 0 } };
  const onReport = (r: Report) => {
    if (r.type !== 'play') return;
    live.plays++;
    for (const k of ['server', 'p2p', 'cache'] as const) live.bytes[k] += r.bytes[k];
  };

  // --- data centres: the access point, tracker and sink of each ---------------------------
  const dcs = new Map<DcName, DataCentre>();
  const sinks: FileLinesSink[] = [];
  DCS.forEach((name, i) => {
    const addr = dcAddress(i);
    const host = newHost(name, DC_LINK, DC_LINK, addr, addr, -1);
    const sink = new FileLinesSink(path.join(input.dir, 'raw', name, 'reports.jsonl'), onReport);
    sinks.push(sink);
    const dc = new DataCentre(name, params, clock, sink, () => {}, seededRandom(dcSeed(seed, i)), protocol.tracker, content);
    net.listen(addr, DC_PORT, { host, accept: (pipe) => dc.accept(new Channel(pipe, clock, channelOptions(params, 'client', liveness))) });
    armDcFaults(dc, input.faults, clock);
    dcs.set(name, dc);
  });

  // --- homes and peers ---------------------------------------------------------------------
  let nextPublic = 0;
  let mismatch = 0;
  let outer = 0;
  const routers = new Map<number, { public: string; wan: string; mapped: number }>();
  const hosts = new Map<string, SimHost>();
  const clients = new Map<string, Client>();
  const exits: string[] = [];
  const finished = new Set<string>();
  let withWork = 0;
  for (const p of input.placement) {
    const link = t.links[p.access];
    const up = { kbit: link.upKbit, delayMs: link.delayMs / 2, jitterMs: link.jitterMs, lossPct: link.lossPct };
    const down = { ...up, kbit: link.downKbit };
    let local: string;
    let seen: string;
    let advertise: { host: string; port: number };
    let upnp: UpnpOutcome;
    let mapping: { address: string; port: number } | null = null;
    const noGateway: UpnpOutcome = { ok: false, error: 'no UPnP gateway answered' };
    if (p.category === 'noNat') {
      local = seen = publicAddress(nextPublic++);
      advertise = { host: local, port: PEER_PORT };
      upnp = noGateway;
    } else {
      let r = routers.get(p.home);
      if (!r) {
        const pub = publicAddress(nextPublic++);
        // the address a UPnP answer gives: right, another public one, or a private one (double NAT)
        const wan = p.category === 'mismatch' ? fakeExternal(mismatch++) : p.category === 'private' ? outerSubnet(outer++).host(1) : pub;
        r = { public: pub, wan, mapped: 0 };
        routers.set(p.home, r);
        net.router(pub);
      }
      local = homeSubnet(p.home).host(1 + r.mapped);
      seen = r.public;
      if (p.category === 'noUpnp' || !protocol.features.upnp) {
        upnp = protocol.features.upnp ? noGateway : { ok: false, error: 'upnp off in this protocol variant' };
        advertise = { host: local, port: PEER_PORT };
      } else {
        const port = 4000 + r.mapped;
        upnp = { ok: true, protocol: 'upnp', externalAddress: r.wan, externalPort: port, internalPort: PEER_PORT };
        advertise = { host: r.wan, port };
        mapping = { address: r.public, port };
      }
      r.mapped++;
    }
    const host = newHost(p.name, up, down, local, seen, p.category === 'noNat' ? -1 : p.home);
    hosts.set(p.name, host);
    const mySeed = peerSeed(seed, p.name);
    const random = seededRandom(mySeed);
    // the SRV answer's targets, equally weighted, picked as a container's client picks them (core/random.ts)
    const srv = (t.dnsRules[p.country] ?? t.dnsRules.default).map((name) => ({ name, weight: 1 }));
    const dns = dnsRandom(mySeed);
    const client = new Client({
      clock,
      params,
      dialer: net.dialer(host),
      store: new RangeStore(content, takeWarmCache(input.warm, p.name)),
      content,
      random,
      log: () => {},
      policies: protocol,
      liveness,
      // DNS SRV by country: the data centres the rule names, one at random when it names several
      locateServer: async () => {
        const dc = pickWeighted(srv, dns()).name as DcName;
        return { host: dcAddress(DCS.indexOf(dc)), port: DC_PORT };
      },
      identity: { clientId: `${p.name}-${hexId(random)}`, advertiseHost: advertise.host, advertisePort: advertise.port, localAddress: local, upnp },
    });
    clients.set(p.name, client);
    const accept = { host, accept: (pipe: Parameters<Client['acceptPeer']>[0]) => client.acceptPeer(pipe) };
    if (p.category === 'noNat') net.listen(local, PEER_PORT, accept);
    else net.listen(local, PEER_PORT, accept, true);
    if (mapping) net.listen(mapping.address, mapping.port, accept);
    const events = input.scripts.get(p.name) ?? [];
    if (events.length) withWork++;
    runScript(client, events, () => {
      if (client.loggedIn) client.logout();
      // the program's exit: wait (in virtual time) for the last acknowledgements, then stop
      // as a container's program does, in real (network) time, whatever the time scale
      const until = clock.realNow() + DRAIN_MS;
      const check = everyReal(clock, 1000, () => {
        if (client.unackedReports > 0 && clock.realNow() < until) return;
        check.cancel();
        client.stop();
        net.leave(host);
        finished.add(p.name);
        exits.push(JSON.stringify({ event: 'exit', reason: 'script done', clientId: client.id, generated: client.generated, unacked: client.unackedReports, drained: client.unackedReports === 0 }));
      });
    });
  }
  armLinkFaults(input, hosts, net, clock);
  // the trackers' memory from the warm-up, in the order it was heard, under the clients' ids
  for (const [name, reports] of input.warm?.trackers ?? []) {
    const dc = dcs.get(name as DcName);
    if (!dc) continue;
    for (const a of reports) {
      const c = clients.get(a.machine);
      if (c) dc.tracker.announce(c.id, a.track, a.quality);
    }
  }
  input.warm?.trackers.clear();

  // --- run ----------------------------------------------------------------------------------
  // a loop, not Math.max(...): 100,000 scripts are more arguments than a call may take
  let lastEvent = 0;
  for (const s of input.scripts.values()) lastEvent = Math.max(lastEvent, s.at(-1)?.t ?? 0);
  const end = Math.max(input.durationMs, lastEvent) + (DRAIN_MS + 5_000) * clock.scale;
  let lastTick = Date.now();
  let lastEvents = 0;
  await clock.runUntil(end, {
    stop: () => {
      if (finished.size >= clients.size) return true;
      const now = Date.now();
      if (now - lastTick >= 1000) {
        const online = [...dcs.values()].reduce((n, d) => n + d.online, 0);
        input.progress?.({
          virtualMs: clock.now(),
          events: clock.events,
          eventsPerSec: ((clock.events - lastEvents) * 1000) / (now - lastTick),
          online,
          plays: live.plays,
          queued: clock.pending,
          bytes: { ...live.bytes },
        });
        lastTick = now;
        lastEvents = clock.events;
      }
      return input.signal?.aborted === true;
    },
  });
  const unfinished = [...clients.keys()].filter((n) => !finished.has(n));
  for (const n of unfinished) clients.get(n)!.stop();
  for (const s of sinks) s.flush();
  fs.writeFileSync(path.join(input.dir, 'raw', 'clients.jsonl'), exits.join('\n') + (exits.length ? '\n' : ''));
  const wallMs = Date.now() - t0;
  return {
    events: clock.events,
    wallMs,
    eventsPerSecond: Math.round(clock.events / Math.max(0.001, wallMs / 1000)),
    virtualMs: clock.now(),
    peers: clients.size,
    reports: sinks.reduce((n, s) => n + s.count, 0),
    heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    messages: Object.fromEntries([...net.messages].sort((a, b) => b[1] - a[1])),
    unfinished: withWork ? unfinished : [],
    interrupted: input.signal?.aborted === true,
  };
}

/**
 * The protocol as the chosen server-data model runs it: `runs` lets a request to the server ask for
 * RUN_CHUNKS consecutive chunks, and the data centre answer it in one message (docs/simulation.md,
 * Models). Both ends run the core's code for this; only the two parameters differ.
 */
function withDataModel(protocol: Protocol, model: SimModel | undefined): Protocol {
  if (model?.serverData !== 'runs') return protocol;
  const p = protocol.params;
  const frame = Math.max(p.serverFrameBytes, RUN_CHUNKS * p.chunkBytes);
  return { ...protocol, params: { ...p, serverRunChunks: RUN_CHUNKS, serverFrameBytes: frame, maxFrameBytes: Math.max(p.maxFrameBytes, 2 * frame) } };
}

/**
 * A machine's warm cache entries, taken out of the warm state: the run consumes it, so that its
 * memory (millions of entries at 10,000 peers) goes to the peers' caches instead of being held twice.
 */
function takeWarmCache(warm: WarmState | undefined, machine: string) {
  const entries = warm?.caches.get(machine);
  warm?.caches.delete(machine);
  return entries;
}

/**
 * Link faults on the simulated network, with the peers drawn as the Docker runtime draws them
 * (same seed, same order): a cut link holds every segment until it is back, a slowed link runs at
 * its factor, and a restarted router drops every connection through it and forgets its mappings.
 */
function armLinkFaults(input: SimInput, hosts: Map<string, SimHost>, net: SimNetwork, clock: SimClock): void {
  const random = seededRandom(input.seed ^ 0x11e7);
  const active = input.placement.filter((p) => (input.scripts.get(p.name)?.length ?? 0) > 0);
  for (const f of input.faults) {
    if (!isPeerFault(f) || f.kind === 'churn') continue;
    const until = Math.min(f.atMs + f.forMs, input.durationMs);
    const chosen = f.kind === 'router-restart' ? active.filter((p) => p.category !== 'noNat') : active;
    for (const p of pickPeers(chosen, f, random)) {
      const h = hosts.get(p.name)!;
      // the network's own times are real (network) ms
      if (f.kind === 'link-cut') clock.after(f.atMs, () => net.cut(h, clock.toReal(until)));
      else if (f.kind === 'link-rate') {
        clock.after(f.atMs, () => void (h.rateFactor = f.factor));
        clock.after(until, () => void (h.rateFactor = 1));
      } else {
        // the router is off for the window (nothing passes), then comes back with no NAT state:
        // every connection through it is reset, and its UPnP mappings are gone
        clock.after(f.atMs, () => net.cut(h, clock.toReal(until)));
        clock.after(until, () => {
          for (const pipe of [...h.pipes]) pipe.reset('connection reset: the home router restarted');
          for (let port = 4000; port < 4000 + input.topology.peersPerHome; port++) net.unlisten(h.publicAddress, port);
        });
      }
    }
  }
}
