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
import { type ContentSource, sampledContent } from '../../../node-image/core/content.ts';
import { DataCentre } from '../../../node-image/core/dc.ts';
import { armDcFaults, type Fault } from '../../../node-image/core/faults.ts';
import type { Protocol } from '../../../node-image/core/policies.ts';
import { dcSeed, dnsRandom, peerSeed, pickWeighted, seededRandom } from '../../../node-image/core/random.ts';
import type { NotPlayed, Report } from '../../../node-image/core/reports.ts';
import type { ScriptEvent } from '../../../node-image/core/script.ts';
import { runScript } from '../../../node-image/core/script-runner.ts';
import { PEER_RUN_CHUNKS, RUN_CHUNKS, type SimModel } from '../../config/sim-model.ts';
import type { DcName, Topology } from '../../config/topology.ts';
import { DCS } from '../../config/topology.ts';
import type { PeerPlacement } from '../../plan/plan.ts';
import { DC_PORT, PEER_PORT } from '../../plan/plan.ts';
import { announcementsOf, type WarmState } from '../../workload/warmup.ts';
import { SimClock } from './clock.ts';
import { Homes } from './homes.ts';
import { armLinkFaults } from './link-faults.ts';
import { CutLiveness } from './liveness.ts';
import { newHost, type SimHost, SimNetwork } from './network.ts';
import { FileLinesSink } from './report-sink.ts';
import { GraphWalk } from './search-walk.ts';
import { RangeStore } from './store.ts';

/** a data centre's link: far faster than any access link, 1 ms to the core */
const DC_LINK = { kbit: 10_000_000, delayMs: 1, jitterMs: 0, lossPct: 0 };
/**
 * One track in this many (by id) carries real bytes that its plays verify (core/content.ts): one
 * in 32 up to 1,000 peers, one in 32 per thousand peers above, so that about as many plays are
 * verified whatever the population. Which tracks carry bytes changes no event and no figure (the
 * same frames of the same sizes go the same way; measured: the 1,000-peer warm hour gives the same
 * events with one in 1,024), but a verified play holds its whole track in memory and generates and
 * hashes it twice: at 100,000 peers those buffers drove the collector over a 7 GB heap.
 */
function verifyEvery(peers: number): number {
  return 32 * Math.max(1, Math.ceil(peers / 1000));
}
/** after its last event a client has this long to have its reports acknowledged, as in the programs */
const DRAIN_MS = 30_000;
const dcAddress = (i: number) => `198.19.${240 + i}.2`;

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

interface SimProgress {
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
  /** with the search as a graph walk: the searches walked, the queries the flood would have sent for them, the hits scheduled */
  walked?: { searches: number; queries: number; hits: number };
  /** clients whose script had not finished (with its drain) when the run ended */
  unfinished: string[];
  interrupted: boolean;
}

const hexId = (random: () => number) =>
  Math.floor(random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');

export async function runSim(input: SimInput): Promise<SimResult> {
  const protocol = provisioned(withDataModel(input.protocol, input.model), input.placement.length);
  const t0 = Date.now();
  const clock = new SimClock(0, input.timeScale ?? 1);
  const net = new SimNetwork(clock, seededRandom(input.seed ^ 0x5e7));
  const w: SimWorld = {
    input,
    protocol,
    clock,
    net,
    content: sampledContent(verifyEvery(input.placement.length)),
    liveness: input.model?.keepalives === 'lazy' ? new CutLiveness(net, clock) : undefined,
    walk: input.model?.search === 'walk' ? new GraphWalk(net, clock) : undefined,
    live: { plays: 0, bytes: { server: 0, p2p: 0, cache: 0 } },
  };
  const { dcs, sinks } = startDataCentres(w);
  const peers = startPeers(w);
  armLinkFaults(input, peers.hosts, net, clock);
  loadWarmTrackers(input, dcs, peers.ids);
  await runLoop(w, dcs, peers);
  const unfinished = [...peers.clients.keys()].filter((n) => !peers.finished.has(n));
  for (const n of unfinished) peers.clients.get(n)!.stop();
  for (const s of sinks) s.flush();
  fs.writeFileSync(path.join(input.dir, 'raw', 'clients.jsonl'), peers.exits.join('\n') + (peers.exits.length ? '\n' : ''));
  const wallMs = Date.now() - t0;
  return {
    events: clock.events,
    wallMs,
    eventsPerSecond: Math.round(clock.events / Math.max(0.001, wallMs / 1000)),
    virtualMs: clock.now(),
    peers: input.placement.length,
    reports: sinks.reduce((n, s) => n + s.count, 0),
    heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    messages: Object.fromEntries([...net.messages].sort((a, b) => b[1] - a[1])),
    ...(w.walk ? { walked: { ...w.walk.count } } : {}),
    unfinished: peers.withWork ? unfinished : [],
    interrupted: input.signal?.aborted === true,
  };
}

/** what every part of a run shares: its input, the protocol as the model runs it, the clock and the network */
interface SimWorld {
  input: SimInput;
  protocol: Protocol;
  clock: SimClock;
  net: SimNetwork;
  content: ContentSource;
  /** the lazy keep-alives' liveness (undefined: the protocol's pings) */
  liveness: CutLiveness | undefined;
  /** the search as a graph walk (undefined: the protocol's flood) */
  walk: GraphWalk | undefined;
  /** the plays reported so far and their bytes, for the progress display */
  live: { plays: number; bytes: { server: number; p2p: number; cache: number } };
}

/** the peers of a run and how far their scripts have got */
interface Peers {
  hosts: Map<string, SimHost>;
  /** the clients of the machines with something to do in the window */
  clients: Map<string, Client>;
  /** every machine's client id, with or without a client (the warm trackers name them all) */
  ids: Map<string, string>;
  /** peers whose script and drain are over */
  finished: Set<string>;
  /** each finished client's exit record (raw/clients.jsonl) */
  exits: string[];
  /** peers with a script to run */
  withWork: number;
}

/** each data centre's access point, tracker and report sink, on its own fast link */
function startDataCentres(w: SimWorld): { dcs: Map<DcName, DataCentre>; sinks: FileLinesSink[] } {
  const { input, protocol, clock, net, liveness, live } = w;
  const { params } = protocol;
  const onReport = (r: Report) => {
    if (r.type !== 'play') return;
    live.plays++;
    for (const k of ['server', 'p2p', 'cache'] as const) live.bytes[k] += r.bytes[k];
  };
  const dcs = new Map<DcName, DataCentre>();
  const sinks: FileLinesSink[] = [];
  DCS.forEach((name, i) => {
    const addr = dcAddress(i);
    const host = newHost(name, DC_LINK, DC_LINK, addr, addr, -1);
    const sink = new FileLinesSink(path.join(input.dir, 'raw', name, 'reports.jsonl'), onReport);
    sinks.push(sink);
    const dc = new DataCentre(name, params, clock, sink, () => {}, seededRandom(dcSeed(input.seed, i)), protocol.tracker, w.content);
    net.listen(addr, DC_PORT, { host, accept: (pipe) => dc.accept(new Channel(pipe, clock, channelOptions(params, 'client', liveness))) });
    armDcFaults(dc, input.faults, clock);
    dcs.set(name, dc);
  });
  return { dcs, sinks };
}

/** every placed peer: its home, access link, client and script, in placement order (the seeds and addresses depend on it) */
function startPeers(w: SimWorld): Peers {
  const { input, protocol, clock, net } = w;
  const t = input.topology;
  const homes = new Homes(net, protocol.features.upnp);
  const peers: Peers = { hosts: new Map(), clients: new Map(), ids: new Map(), finished: new Set(), exits: [], withWork: 0 };
  for (const p of input.placement) {
    const link = t.links[p.access];
    const up = { kbit: link.upKbit, delayMs: link.delayMs / 2, jitterMs: link.jitterMs, lossPct: link.lossPct };
    const down = { ...up, kbit: link.downKbit };
    const a = homes.place(p);
    const host = newHost(p.name, up, down, a.local, a.seen, p.category === 'noNat' ? -1 : p.home);
    peers.hosts.set(p.name, host);
    const mySeed = peerSeed(input.seed, p.name);
    const random = seededRandom(mySeed);
    // the SRV answer's targets, equally weighted, picked as a container's client picks them (core/random.ts)
    const srv = (t.dnsRules[p.country] ?? t.dnsRules.default).map((name) => ({ name, weight: 1 }));
    const dns = dnsRandom(mySeed);
    const clientId = `${p.name}-${hexId(random)}`;
    peers.ids.set(p.name, clientId);
    const events = input.scripts.get(p.name) ?? [];
    if (!events.length) {
      // Nothing to do in the window (two machines in three over an evening's three hours, a
      // quarter over a day): no client. It would never log in, so nobody could learn its address,
      // and it would exit at once, as this record says; its warm cache, the largest thing a
      // machine holds, is never read. What is left of it is its host (for link faults) and its
      // id in the trackers' memory, where its old reports still take their place.
      takeWarmCache(input.warm, p.name);
      peers.finished.add(p.name);
      peers.exits.push(exitRecord(clientId, 0, 0, { noUser: 0, offline: 0 }));
      continue;
    }
    w.walk?.place(clientId, host);
    const client = new Client({
      clock,
      params: protocol.params,
      dialer: net.dialer(host),
      store: new RangeStore(w.content),
      warmCache: takeWarmCache(input.warm, p.name),
      content: w.content,
      random,
      log: () => {},
      policies: protocol,
      liveness: w.liveness,
      searchWalk: w.walk,
      // DNS SRV by country: the data centres the rule names, one at random when it names several
      locateServer: async () => {
        const dc = pickWeighted(srv, dns()).name as DcName;
        return { host: dcAddress(DCS.indexOf(dc)), port: DC_PORT };
      },
      identity: { clientId, advertiseHost: a.advertise.host, advertisePort: a.advertise.port, localAddress: a.local, upnp: a.upnp },
    });
    peers.clients.set(p.name, client);
    const accept = { host, accept: (pipe: Parameters<Client['acceptPeer']>[0]) => client.acceptPeer(pipe) };
    if (p.category === 'noNat') net.listen(a.local, PEER_PORT, accept);
    else net.listen(a.local, PEER_PORT, accept, true);
    if (a.mapping) net.listen(a.mapping.address, a.mapping.port, accept);
    peers.withWork++;
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
        peers.finished.add(p.name);
        peers.exits.push(exitRecord(client.id, client.generated, client.unackedReports, client.notPlayed));
      });
    });
  }
  return peers;
}

/** a client program's exit record (raw/clients.jsonl), as a container's client writes it */
function exitRecord(clientId: string, generated: number, unacked: number, notPlayed: NotPlayed): string {
  return JSON.stringify({ event: 'exit', reason: 'script done', clientId, generated, unacked, drained: unacked === 0, notPlayed });
}

/** the trackers' memory from the warm-up, track by track in the order it was heard, under the clients' ids */
function loadWarmTrackers(input: SimInput, dcs: Map<DcName, DataCentre>, ids: Map<string, string>): void {
  for (const [name, tracker] of input.warm?.trackers ?? []) {
    const dc = dcs.get(name as DcName);
    if (!dc) continue;
    for (const a of announcementsOf(tracker)) {
      const id = ids.get(a.machine);
      if (id !== undefined) dc.tracker.announce(id, a.track, a.quality);
    }
  }
  input.warm?.trackers.clear();
}

/** the clock run to the end of the last script and its drain, every peer finished, or an abort; progress about once a wall second */
async function runLoop(w: SimWorld, dcs: Map<DcName, DataCentre>, peers: Peers): Promise<void> {
  const { input, clock } = w;
  // a loop, not Math.max(...): 100,000 scripts are more arguments than a call may take
  let lastEvent = 0;
  for (const s of input.scripts.values()) lastEvent = Math.max(lastEvent, s.at(-1)?.t ?? 0);
  const end = Math.max(input.durationMs, lastEvent) + (DRAIN_MS + 5_000) * clock.scale;
  let lastTick = Date.now();
  let lastEvents = 0;
  await clock.runUntil(end, {
    stop: () => {
      if (peers.finished.size >= input.placement.length) return true;
      const now = Date.now();
      if (now - lastTick >= 1000) {
        const online = [...dcs.values()].reduce((n, d) => n + d.online, 0);
        input.progress?.({
          virtualMs: clock.now(),
          events: clock.events,
          eventsPerSec: ((clock.events - lastEvents) * 1000) / (now - lastTick),
          online,
          plays: w.live.plays,
          queued: clock.pending,
          bytes: { ...w.live.bytes },
        });
        lastTick = now;
        lastEvents = clock.events;
      }
      return input.signal?.aborted === true;
    },
  });
}

/**
 * The protocol as the chosen data models run it: server `runs` lets a request to the server ask
 * for RUN_CHUNKS consecutive chunks and the data centre answer it in one message; peer `runs` lets a
 * request to a peer ask for PEER_RUN_CHUNKS, answered in one `chunk` (docs/simulation.md, Models).
 * Both ends run the core's code for this; only the parameters differ.
 */
function withDataModel(protocol: Protocol, model: SimModel | undefined): Protocol {
  let p = protocol.params;
  if (model?.serverData === 'runs') {
    const frame = Math.max(p.serverFrameBytes, RUN_CHUNKS * p.chunkBytes);
    p = { ...p, serverRunChunks: RUN_CHUNKS, serverFrameBytes: frame, maxFrameBytes: Math.max(p.maxFrameBytes, 2 * frame) };
  }
  // within the pipeline a user set: a run is chunks in flight to one peer
  if (model?.peerData === 'runs') p = { ...p, peerRunChunks: Math.min(PEER_RUN_CHUNKS, p.peerPipeline) };
  return p === protocol.params ? protocol : { ...protocol, params: p };
}

/**
 * The data centres' memory budget (dcBufferBytes, core/dc.ts) with room for every peer's whole
 * window from the server at once. The budget guards the programs against clients that hold
 * memory without reading or finishing frames; its default is sized for the Docker testbed's
 * hundreds of clients. The simulation has no such client, and at 100,000 peers thousands stream
 * from one site at once: a budget of a few hundred MB would close well-behaved connections there,
 * a server sized for a testbed, not the service the run stands for. Below a few hundred peers the
 * default stands.
 */
function provisioned(protocol: Protocol, peers: number): Protocol {
  const p = protocol.params;
  const window = p.serverWindowChunks * p.chunkBytes + Math.max(p.serverFrameBytes, p.serverRunChunks * p.chunkBytes);
  const budget = Math.max(p.dcBufferBytes, peers * window);
  return budget === p.dcBufferBytes ? protocol : { ...protocol, params: { ...p, dcBufferBytes: budget } };
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
