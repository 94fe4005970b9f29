// The simulated runtime's cost: a simulated day of the synthetic workload over the paper's seven
// countries (topologies/paper-7.yaml's mix, scaled to N peers), on the paper's protocol. Records
// wall time, events per second and memory per simulated peer for each N.
// `npm run bench -- sim-scale [N ...] [--hours H]` (default 1000 and 10000 peers, 24 h), with
// experiments/scaling.yaml's workload: [1]'s catalogue of 8 million tracks whatever N.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveProtocol } from '../node-image/core/policies.ts';
import type { PlayReport } from '../node-image/core/reports.ts';
import { discovery } from '../orchestrator/analysis/paper.ts';
import { byteShares, playbackQuality, reportsLost } from '../orchestrator/analysis/playback.ts';
import { loadTopology, type Topology } from '../orchestrator/config/topology.ts';
import { placePeers, withPeers } from '../orchestrator/plan/plan.ts';
import { readRawReports } from '../orchestrator/report/write.ts';
import { runSim } from '../orchestrator/runtime/sim/world.ts';
import { defaultSynthetic, type SyntheticParams, syntheticWorkload } from '../orchestrator/workload/synthetic.ts';

const root = path.resolve(import.meta.dirname, '..');

/** paper-7's countries, access mixes and routers, with `n` peers apportioned by its shares */
export function scaledPaper7(n: number): Topology {
  return withPeers(loadTopology(path.join(root, 'topologies', 'paper-7.yaml')), n);
}

/** scaledPaper7(n)'s peers and `hours` of the synthetic workload over them (seed 1) */
export function scaledWorkload(n: number, hours: number, workload: Partial<SyntheticParams> = {}) {
  const topology = scaledPaper7(n);
  const placement = placePeers(topology);
  const w = syntheticWorkload(
    placement.map((p) => ({ name: p.name, country: p.country })),
    hours * 3_600_000,
    1,
    { ...defaultSynthetic, ...workload },
  );
  return { topology, placement, w };
}

export async function simDay(n: number, hours: number, params: Record<string, unknown> = {}, workload: Partial<SyntheticParams> = {}) {
  const t0 = Date.now();
  const { topology, placement, w } = scaledWorkload(n, hours, workload);
  const workloadMs = Date.now() - t0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sim-bench-'));
  // memory the run adds: the JS heap and Buffers, sampled at each progress tick (RSS would not
  // do for repetitions in one process: it does not shrink back after the first)
  const live = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const live0 = live();
  let peakLive = live0;
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  let peakOnline = 0;
  try {
    const r = await runSim({
      topology,
      placement,
      scripts: w.scripts,
      protocol: resolveProtocol({ params }),
      faults: [],
      seed: 1,
      durationMs: hours * 3_600_000,
      dir,
      progress: (p) => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        peakLive = Math.max(peakLive, live());
        peakOnline = Math.max(peakOnline, p.online);
        process.stderr.write(`  ${n} peers: ${(p.virtualMs / 3_600_000).toFixed(2)} h, ${Math.round(p.eventsPerSec)} events/s, online ${p.online}, plays ${p.plays}, queued ${p.queued}\n`);
      },
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const reports = readRawReports(dir);
    const plays = reports.filter((x): x is PlayReport => x.type === 'play');
    const q = playbackQuality(plays);
    const found = discovery(reports);
    return {
      peers: n,
      hours,
      plays: w.plays,
      workloadSeconds: +(workloadMs / 1000).toFixed(1),
      wallSeconds: +(r.wallMs / 1000).toFixed(1),
      events: r.events,
      eventsPerSecond: r.eventsPerSecond,
      peakOnline,
      reports: r.reports,
      peakRssMB: Math.round(peakRss / 2 ** 20),
      memoryPerPeerKB: Math.round((peakLive - live0) / 1024 / n),
      // the protocol's answer on this fixed input (deterministic: a change here is a change of behaviour)
      shares: byteShares(plays).shares,
      latencyMs: q.latencyMs,
      stutterRate: q.stutterRate,
      trackerSuccess: found.tracker,
      overlaySuccess: found.overlay,
      reportsLost: reportsLost(reports),
      // what the events are spent on: messages per play by type (each is one event where it arrives)
      messagesPerPlay: Object.fromEntries(Object.entries(r.messages).map(([k, v]) => [k, +(v / Math.max(1, w.plays)).toFixed(1)])),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The nightly suite's simulation: 300 peers over the first 12 hours of the week, with the
 * keep-alive a real-time client would use (docs/simulation.md): about 20 s here. Its speed and
 * memory are the runtime's cost; its shares and latencies are the protocol's answer on a fixed
 * input, which only a change of behaviour moves.
 */
export const SUITE = { peers: 300, hours: 12, params: { keepaliveMs: 30_000, deadAfterMs: 90_000 } };

/** the workload of experiments/scaling.yaml: the service's catalogue ([1]) whatever the population */
export const AT_SCALE: Partial<SyntheticParams> = { catalogue: 8_000_000 };

export async function runSuite() {
  return simDay(SUITE.peers, SUITE.hours, SUITE.params);
}

export async function run(args: string[]) {
  const hi = args.indexOf('--hours');
  const hours = hi >= 0 ? Number(args[hi + 1]) : 24;
  if (!(hours > 0)) throw new Error(`sim-scale: --hours needs a number of simulated hours, got ${args[hi + 1]}`);
  const counts = args.filter((a, i) => /^\d+$/.test(a) && (hi < 0 || i !== hi + 1)).map(Number);
  const results = [];
  for (const n of counts.length ? counts : [1000, 10_000]) results.push(await simDay(n, hours, SUITE.params, AT_SCALE));
  return { machine: { cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) }, results };
}
