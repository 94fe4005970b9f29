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
import { MESSAGE_MODEL, MODEL_FLAGS, SIM_MODELS, type SimModel } from '../orchestrator/config/sim-model.ts';
import { loadTopology, type Topology } from '../orchestrator/config/topology.ts';
import { warmStateFor } from '../orchestrator/experiment/sim-run.ts';
import { placePeers, withPeers } from '../orchestrator/plan/plan.ts';
import { measuredReports } from '../orchestrator/report/summarise.ts';
import { readRawReports } from '../orchestrator/report/write.ts';
import { runSim } from '../orchestrator/runtime/sim/world.ts';
import { defaultSynthetic, type SyntheticParams } from '../orchestrator/workload/synthetic.ts';
import { syntheticWindow } from '../orchestrator/workload/window.ts';

const root = path.resolve(import.meta.dirname, '..');

/** paper-7's countries, access mixes and routers, with `n` peers apportioned by its shares */
export function scaledPaper7(n: number): Topology {
  return withPeers(loadTopology(path.join(root, 'topologies', 'paper-7.yaml')), n);
}

/** scaledPaper7(n)'s peers and `hours` of the synthetic workload over them (seed 1 unless given), from `startHours` after Monday 00:00 */
export function scaledWorkload(n: number, hours: number, workload: Partial<SyntheticParams> = {}, startHours = 0, warm = false, seed = 1) {
  const topology = scaledPaper7(n);
  const placement = placePeers(topology);
  const machines = placement.map((p) => ({ name: p.name, country: p.country }));
  const params = { ...defaultSynthetic, ...workload };
  // as an experiment makes its window of the week (with the pre-roll when warm)
  return { topology, placement, params, w: syntheticWindow(machines, startHours * 3_600_000, hours * 3_600_000, seed, params, warm) };
}

/** what a run of the benchmark may change besides the population and the hours */
export interface SimOptions extends Partial<SimModel> {
  /** hours after Monday 00:00 the window starts (default 0) */
  startHours?: number;
  /** days of warm-up (orchestrator/workload/warmup.ts), 'auto', or none */
  warmup?: number | 'auto';
  /** the workload's, the warm-up's and the run's seed (default 1) */
  seed?: number;
}

/** the message-level model but for the parts the options choose */
function modelOf(o: SimOptions): SimModel {
  const m = { ...MESSAGE_MODEL };
  for (const part of Object.keys(MESSAGE_MODEL) as (keyof SimModel)[]) if (o[part] !== undefined) Object.assign(m, { [part]: o[part] });
  return m;
}

/** `[--keepalives eager|lazy] [--server-data chunks|runs] ...` */
const MODEL_USAGE = (Object.keys(MODEL_FLAGS) as (keyof SimModel)[]).map((k) => `[${MODEL_FLAGS[k]} ${SIM_MODELS[k].join('|')}]`).join(' ');

export async function simDay(n: number, hours: number, params: Record<string, unknown> = {}, workload: Partial<SyntheticParams> = {}, o: SimOptions = {}) {
  const t0 = Date.now();
  const seed = o.seed ?? 1;
  const { topology, placement, params: synthetic, w } = scaledWorkload(n, hours, workload, o.startHours, o.warmup !== undefined, seed);
  const pre = w.preRollMs ?? 0;
  const workloadMs = Date.now() - t0;
  const protocol = resolveProtocol({ params });
  // the message-level model but for the parts the options choose
  const model = modelOf(o);
  const t1 = Date.now();
  const warm =
    o.warmup === undefined
      ? undefined
      : warmStateFor(topology, placement, protocol, synthetic, { days: o.warmup, seed, timeScale: 1, before: w.before }, (d) =>
          process.stderr.write(`  ${n} peers: warm-up day ${d}, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB\n`),
        );
  const warmupMs = Date.now() - t1;
  // as a simulated experiment does: the week before the window served the warm-up only
  w.before = undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sim-bench-'));
  // Ctrl-C (or a kill) on a run of hours must not leave its raw reports in /tmp
  const onSignal = (signal: NodeJS.Signals) => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
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
      protocol,
      faults: [],
      seed,
      durationMs: hours * 3_600_000 + pre,
      dir,
      ...(warm ? { warm } : {}),
      model,
      progress: (p) => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        peakLive = Math.max(peakLive, live());
        peakOnline = Math.max(peakOnline, p.online);
        process.stderr.write(
          `  ${n} peers: ${(p.virtualMs / 3_600_000).toFixed(2)} h, ${Math.round(p.eventsPerSec)} events/s, online ${p.online}, plays ${p.plays}, queued ${p.queued}, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB\n`,
        );
      },
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const stored = readRawReports(dir);
    const reports = measuredReports({ workload: { preRollMs: pre } }, stored);
    const plays = reports.filter((x): x is PlayReport => x.type === 'play');
    const q = playbackQuality(plays);
    const found = discovery(reports);
    return {
      peers: n,
      hours,
      startHours: o.startHours ?? 0,
      seed,
      warmupDays: warm?.days ?? 0,
      ...model,
      // every play simulated (the pre-roll's too: what the cost is per), and those measured
      plays: w.plays,
      preRollHours: pre / 3_600_000,
      measuredPlays: plays.length,
      workloadSeconds: +(workloadMs / 1000).toFixed(1),
      warmupSeconds: +(warmupMs / 1000).toFixed(1),
      wallSeconds: +(r.wallMs / 1000).toFixed(1),
      events: r.events,
      eventsPerSecond: r.eventsPerSecond,
      eventsPerPlay: Math.round(r.events / Math.max(1, w.plays)),
      usPerEvent: +((1000 * r.wallMs) / Math.max(1, r.events)).toFixed(2),
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
      reportsLost: reportsLost(stored),
      // what the events are spent on: messages per play by type (each is one event where it arrives)
      messagesPerPlay: Object.fromEntries(Object.entries(r.messages).map(([k, v]) => [k, +(v / Math.max(1, w.plays)).toFixed(1)])),
      // with the search as a graph walk: the queries and hits the flood would have sent as messages, per play
      ...(r.walked ? { walkedPerPlay: { queries: +(r.walked.queries / Math.max(1, w.plays)).toFixed(1), hits: +(r.walked.hits / Math.max(1, w.plays)).toFixed(1) } } : {}),
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
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

/**
 * The nightly suite's run at 10,000 peers: Monday's evening hour (18:00, when a tenth of the
 * population is online), warm (28 days of history) and after the 2 h pre-roll, with scaling.yaml's
 * models (lazy keep-alives, the server's data in runs) and workload. A few minutes here
 * (docs/benchmarks.md). Its answer is deterministic, so a change of it, or of the events it takes,
 * is a change of behaviour.
 */
export const SUITE_10K = { peers: 10_000, hours: 1, options: { startHours: 18, warmup: 28, keepalives: 'lazy', serverData: 'runs', peerData: 'runs', search: 'walk' } satisfies SimOptions };

export async function runSuite10k() {
  return simDay(SUITE_10K.peers, SUITE_10K.hours, SUITE.params, AT_SCALE, SUITE_10K.options);
}

/** the workload of experiments/scaling.yaml: the service's catalogue ([1]) whatever the population */
export const AT_SCALE: Partial<SyntheticParams> = { catalogue: 8_000_000 };

export async function runSuite() {
  return simDay(SUITE.peers, SUITE.hours, SUITE.params);
}

export async function run(args: string[]) {
  const flags = new Map<string, string>();
  const counts: number[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) flags.set(args[i], args[++i] ?? '');
    else if (/^\d+$/.test(args[i])) counts.push(Number(args[i]));
    else throw new Error(`sim-scale: ${args[i]} is neither a peer count nor a flag; usage: sim-scale [N ...] [--hours H] [--start H] [--warmup D|auto] ${MODEL_USAGE}`);
  }
  const known = ['--hours', '--start', '--warmup', ...Object.values(MODEL_FLAGS)];
  for (const f of flags.keys()) if (!known.includes(f)) throw new Error(`sim-scale: unknown flag ${f}; valid: ${known.join(', ')}`);
  const hours = Number(flags.get('--hours') ?? 24);
  if (!(hours > 0)) throw new Error(`sim-scale: --hours needs a number of simulated hours, got ${flags.get('--hours')}`);
  const startHours = Number(flags.get('--start') ?? 0);
  if (!(startHours >= 0 && startHours < 168)) throw new Error(`sim-scale: --start needs hours after Monday 00:00, less than 168, got ${flags.get('--start')}`);
  const wu = flags.get('--warmup');
  const warmup = wu === undefined ? undefined : wu === 'auto' ? ('auto' as const) : Number(wu);
  if (typeof warmup === 'number' && !(Number.isInteger(warmup) && warmup >= 0)) throw new Error(`sim-scale: --warmup needs whole days or auto, got ${wu}`);
  const model: Partial<SimModel> = {};
  for (const part of Object.keys(MODEL_FLAGS) as (keyof SimModel)[]) {
    const v = flags.get(MODEL_FLAGS[part]);
    if (v === undefined) continue;
    if (!(SIM_MODELS[part] as readonly string[]).includes(v)) throw new Error(`sim-scale: ${MODEL_FLAGS[part]} is ${SIM_MODELS[part].join(' or ')}, got ${v}`);
    Object.assign(model, { [part]: v });
  }
  const results = [];
  for (const n of counts.length ? counts : [1000, 10_000]) results.push(await simDay(n, hours, SUITE.params, AT_SCALE, { startHours, warmup, ...model }));
  return { machine: { cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) }, results };
}
