// Which benchmarks feed the regression gate, how often each is repeated, and how its result
// becomes measures. A benchmark missing here still runs and writes bench/out/<name>.json, but
// leaves nothing in the history: to gate one (the Docker scale sweep, a simulation at scale), add
// an entry mapping its result fields to points with a unit and a direction.
import type { Point } from './measures.ts';

export interface BenchMeasures {
  /** times the benchmark is run for one history record: its samples */
  repeat: number;
  points(result: unknown): Point[];
}

interface ProtocolResult {
  codec: { kind: string; encodeMBps: number; decodeMBps: number; msgsPerSec: number }[];
  memory: { idleClientRssMB: number; clientWith50PeersRssMB: number };
}

/** a codec regression smaller than this is within what unchanged code showed */
const CODEC_THRESHOLD = 0.4;

/** bench/protocol.ts: codec throughput per message kind, and the client's resident memory */
export function protocolPoints(result: unknown): Point[] {
  const r = result as ProtocolResult;
  const slug = (s: string) => s.replace(/\s+/g, '-').toLowerCase();
  return [
    ...r.codec.flatMap((c): Point[] => [
      // timings of a few hundred ms that moved by up to 39 % between unchanged runs on a shared
      // machine (docs/benchmarks.md): at the default 10 % one run in two flagged one of these nine
      { name: `protocol/codec/${slug(c.kind)}/encode`, unit: 'MB/s', better: 'higher', value: c.encodeMBps, threshold: CODEC_THRESHOLD },
      { name: `protocol/codec/${slug(c.kind)}/decode`, unit: 'MB/s', better: 'higher', value: c.decodeMBps, threshold: CODEC_THRESHOLD },
      { name: `protocol/codec/${slug(c.kind)}/messages`, unit: 'msg/s', better: 'higher', value: c.msgsPerSec, threshold: CODEC_THRESHOLD },
    ]),
    { name: 'protocol/client-rss/idle', unit: 'MB', better: 'lower', value: r.memory.idleClientRssMB },
    { name: 'protocol/client-rss/50-peers', unit: 'MB', better: 'lower', value: r.memory.clientWith50PeersRssMB },
  ];
}

interface SimResult {
  wallSeconds: number;
  eventsPerSecond: number;
  memoryPerPeerKB: number;
  shares: { server: number; p2p: number; cache: number };
  latencyMs: { p50: number | null; p90: number | null };
  stutterRate: number;
  trackerSuccess: number;
  overlaySuccess: number;
  reportsLost: number;
}

/** bench/sim-scale.ts's suite run: the simulated runtime's cost, and the protocol's answer on a fixed input */
export function simPoints(result: unknown): Point[] {
  const r = result as SimResult;
  const points: Point[] = [
    { name: 'sim/wall', unit: 's', better: 'lower', value: r.wallSeconds },
    { name: 'sim/events-per-second', unit: 'events/s', better: 'higher', value: r.eventsPerSecond },
    { name: 'sim/memory-per-peer', unit: 'KB', better: 'lower', value: r.memoryPerPeerKB },
    { name: 'sim/share/server', unit: 'fraction', better: 'lower', value: r.shares.server, exact: true },
    { name: 'sim/share/p2p', unit: 'fraction', better: 'higher', value: r.shares.p2p, exact: true },
    { name: 'sim/stutters-per-play', unit: 'stutters', better: 'lower', value: r.stutterRate, exact: true },
    { name: 'sim/tracker-success', unit: 'fraction', better: 'higher', value: r.trackerSuccess, exact: true },
    { name: 'sim/overlay-success', unit: 'fraction', better: 'higher', value: r.overlaySuccess, exact: true },
    { name: 'sim/reports-lost', unit: 'reports', better: 'lower', value: r.reportsLost, exact: true },
  ];
  if (r.latencyMs.p50 !== null) points.push({ name: 'sim/latency/p50', unit: 'ms', better: 'lower', value: r.latencyMs.p50, exact: true });
  if (r.latencyMs.p90 !== null) points.push({ name: 'sim/latency/p90', unit: 'ms', better: 'lower', value: r.latencyMs.p90, exact: true });
  return points;
}

interface Sim10kResult extends SimResult {
  events: number;
  eventsPerPlay: number;
  peakRssMB: number;
}

/**
 * bench/sim-scale.ts's 10,000-peer hour: its answer and the events it takes are exact (the same
 * input gives the same run); its wall time and memory are timings, one a night
 */
function sim10kPoints(result: unknown): Point[] {
  const r = result as Sim10kResult;
  return [
    { name: 'sim-10k/wall', unit: 's', better: 'lower', value: r.wallSeconds },
    { name: 'sim-10k/peak-rss', unit: 'MB', better: 'lower', value: r.peakRssMB },
    { name: 'sim-10k/events', unit: 'events', better: 'lower', value: r.events, exact: true },
    { name: 'sim-10k/share/server', unit: 'fraction', better: 'lower', value: r.shares.server, exact: true },
    { name: 'sim-10k/share/p2p', unit: 'fraction', better: 'higher', value: r.shares.p2p, exact: true },
    { name: 'sim-10k/tracker-success', unit: 'fraction', better: 'higher', value: r.trackerSuccess, exact: true },
    { name: 'sim-10k/overlay-success', unit: 'fraction', better: 'higher', value: r.overlaySuccess, exact: true },
    { name: 'sim-10k/reports-lost', unit: 'reports', better: 'lower', value: r.reportsLost, exact: true },
  ];
}

interface DockerResult {
  upPerContainerSec: number;
  downPerContainerSec: number;
  upOverLoop: number;
  peerContainerMemMB: number;
  peerProcessRssMB: number;
  routerContainerMemMB: number;
  routerProcessRssMB: number;
  build: { warmSec: number; coldAppSec: number };
}

/** bench/docker-scale.ts's suite run: what the Docker testbed costs per container, and its image builds */
export function dockerPoints(result: unknown): Point[] {
  const r = result as DockerResult;
  return [
    { name: 'docker/up-per-container', unit: 's', better: 'lower', value: r.upPerContainerSec },
    { name: 'docker/down-per-container', unit: 's', better: 'lower', value: r.downPerContainerSec },
    // `up` over a plain `docker run` loop of the same containers in the same run: the testbed's
    // own overhead, with the engine's speed (and the machine's load) divided out
    { name: 'docker/up-over-loop', unit: 'ratio', better: 'lower', value: r.upOverLoop },
    { name: 'docker/memory/peer-rss', unit: 'MB', better: 'lower', value: r.peerProcessRssMB },
    { name: 'docker/memory/peer-cgroup', unit: 'MB', better: 'lower', value: r.peerContainerMemMB },
    { name: 'docker/memory/router-rss', unit: 'MB', better: 'lower', value: r.routerProcessRssMB },
    { name: 'docker/memory/router-cgroup', unit: 'MB', better: 'lower', value: r.routerContainerMemMB },
    // tens of milliseconds (hashing node-image, two image look-ups), where the scheduler alone
    // moves it by half; what it guards against is a warm build that builds (seconds: +1000 % and
    // more), so it fails only past doubling
    { name: 'docker/build/warm', unit: 's', better: 'lower', value: r.build.warmSec, threshold: 1 },
    { name: 'docker/build/cold-app', unit: 's', better: 'lower', value: r.build.coldAppSec },
  ];
}

export const registry: Record<string, BenchMeasures> = {
  // protocol.ts measures each number once; one timing of a few hundred milliseconds moves by
  // 10-30 % with the machine's other load, so five runs give the rank test a distribution to
  // compare (and five against a window of fifty can reach p < 0.05; one against one never can)
  protocol: { repeat: 5, points: protocolPoints },
  // the simulation is deterministic, so its protocol figures repeat exactly (exact: compared with
  // the previous record, '=' or 'changed'); its speed and memory vary with the machine's load like
  // any timing, and three runs give the rank test samples
  sim: { repeat: 3, points: simPoints },
  // once a night (7 minutes): its exact figures need no repeat; its wall time is one sample, which
  // the rank test can only call '?' until a threshold rule for single samples exists
  'sim-10k': { repeat: 1, points: sim10kPoints },
  // the Docker timings move most of all: on this 2-core machine with other work running, `up` of
  // the same 28 containers took 36 to 59 s within one five-run record and the plain loop 34 to 56 s
  // (docs/benchmarks.md). Five runs make a median that one slow run cannot carry, and five against
  // five is the fewest that can reach p < 0.05 on the second night (three against three cannot:
  // p >= 0.1). More would cost the suite two minutes a run (an `up`, a `down`, the loop and a cold build).
  docker: { repeat: 5, points: dockerPoints },
};
