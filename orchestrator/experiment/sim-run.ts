// One repetition of an experiment on the simulated runtime (orchestrator/runtime/sim; session.ts):
// the same placement of peers the planner makes, the same workload and faults, and raw/ written as
// the data centres' sinks write it, so the report and `testbed compare` treat it as any run.

import os from 'node:os';
import v8 from 'node:v8';
import type { Protocol } from '../../node-image/core/policies.ts';
import { DCS, type Topology } from '../config/topology.ts';
import { type PeerPlacement, placePeers } from '../plan/plan.ts';
import { runSim, type SimResult } from '../runtime/sim/world.ts';
import type { SyntheticParams, WorkloadResult } from '../workload/synthetic.ts';
import { type WarmDay, type WarmOptions, type WarmState, warmState } from '../workload/warmup.ts';
import type { Repetition, SessionRuntime } from './session.ts';
import { describeWorkload, fmtWorkload, prepareWorkload } from './workload.ts';

export class SimSession implements SessionRuntime {
  readonly name = 'sim';
  readonly warmsCaches = true;
  async prepare(): Promise<{ image: string }> {
    return { image: 'none (simulated runtime)' };
  }
  async run(r: Repetition): Promise<void> {
    const s = await runSimRepetition(r);
    r.info.sim = { model: r.e.sim, events: s.events, wallSeconds: Math.round(s.wallMs / 1000), eventsPerSecond: s.eventsPerSecond, heapUsedMB: s.heapUsedMB, messages: s.messages };
    r.info.clientsWithoutExit = [...(r.info.clientsWithoutExit ?? []), ...s.unfinished];
  }
}

const mb = (x: number) => (x / 1e6).toFixed(0);

/**
 * The warm state of the placed peers: each machine with its access link's downstream rate and the
 * data centres its country's DNS names, the protocol's cache size, tracker memory and prefetch
 */
export function warmStateFor(
  topology: Topology,
  placement: readonly PeerPlacement[],
  protocol: Protocol,
  params: SyntheticParams,
  o: Pick<WarmOptions, 'days' | 'seed' | 'timeScale' | 'before'>,
  onDay?: (day: number) => void,
): WarmState {
  const machines = placement.map((p) => ({ name: p.name, country: p.country, downKbit: topology.links[p.access].downKbit, dcs: topology.dnsRules[p.country] ?? topology.dnsRules.default }));
  const { cacheBytes, trackerKeep, prefetchSec } = protocol.params;
  return warmState(machines, DCS, params, { ...o, cacheBytes, trackerKeep, prefetchSec, prefetch: protocol.features.prefetch }, onDay);
}

/** the caches and trackers of a running service at the window's start (orchestrator/workload/warmup.ts), told in run.json */
function warmUp(r: Repetition, placement: PeerPlacement[], protocol: Protocol, params: SyntheticParams, w: WorkloadResult): WarmState {
  const { e, progress, info } = r;
  const what = e.warmup!.days === 'auto' ? 'as many days as the steady-state rule asks' : `${e.warmup!.days} days`;
  progress.line(`warm-up: ${what} of the workload before the window, through ${placement.length} caches and the trackers`);
  const state = warmStateFor(r.topology, placement, protocol, params, { days: e.warmup!.days, seed: r.seed, timeScale: e.timeScale, before: w.before }, (d) => {
    // the warm-up holds the event loop: without this the live page would take a long one for a dead run
    r.live(0, true);
    progress.update(`warm-up: day ${d} before the window | heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB`);
  });
  const share = (d: WarmDay) => (d.plays ? +((100 * d.cacheHits) / d.plays).toFixed(1) : 0);
  info.warmup = { days: state.days, rule: state.rule, plays: state.plays, wallSeconds: Math.round(state.wallMs / 1000), dailyCacheShare: state.daily.map(share) };
  const last = state.daily.at(-1);
  progress.line(`warm-up: ${state.rule}; ${state.plays} plays in ${Math.round(state.wallMs / 1000)} s; the cache could serve ${last ? share(last) : 0} % of the last day's plays`);
  return state;
}

/**
 * JS heap per simulated peer over a day, with room to spare: 3,000 peers ended their day with
 * 391 MB, 133 KB a peer (docs/simulation.md, Cost); it follows the peers online, about 5 % of
 * the population in the synthetic workload. Past Node's default heap limit (about 4 GB here) a run would die
 * hours in with "heap out of memory"; it is said at the start instead, with the fix.
 */
export const HEAP_PER_PEER = 200 * 1024;
/**
 * A warm start fills every cache (about 200 tracks a machine with 1 GiB): 10,000 warm peers
 * peaked at 2.6 GB RSS over Monday's evening hour and passed 3 GB in the afternoon of their day,
 * where Node's default heap limit here (4 GB) made the collector stall the run (2026-12-07).
 */
const WARM_HEAP_PER_PEER = 350 * 1024;
export function heapAdvice(peers: number, limit = v8.getHeapStatistics().heap_size_limit, warm = false): string | null {
  const need = peers * (warm ? WARM_HEAP_PER_PEER : HEAP_PER_PEER);
  if (need <= 0.8 * limit) return null;
  const mbNeeded = Math.ceil((need * 1.25) / 2 ** 20 / 1024) * 1024;
  return `${peers} simulated peers need about ${(need / 2 ** 30).toFixed(1)} GB of JS heap, and this process may use ${(limit / 2 ** 30).toFixed(1)} GB: run it as NODE_OPTIONS=--max-old-space-size=${mbNeeded} npx testbed run ... (the machine has ${(os.totalmem() / 2 ** 30).toFixed(0)} GB), or with fewer peers`;
}

async function runSimRepetition(r: Repetition): Promise<SimResult> {
  const { e, variant, info, progress, protocol } = r;
  const placement = placePeers(r.topology);
  const heap = heapAdvice(placement.length, undefined, e.warmup !== null);
  if (heap) r.warn(heap);
  const machines = placement.map((p) => ({ name: p.name, country: p.country }));
  const w = await prepareWorkload(e, machines, r.seed, variant, info, progress, r.warn, r.repDir);
  const pre = w.preRollMs ?? 0;
  const warm = e.warmup && e.workload.kind === 'synthetic' ? warmUp(r, placement, protocol, e.workload.params, w) : undefined;
  // the week before the window served the warm-up only (its days are made again when read, from
  // the population the reader keeps)
  w.before = undefined;
  progress.line(
    `run ${r.repId} (simulated): ${placement.length} peers, ${describeWorkload(w, e.durationMs)} of virtual time, ${e.timeScale === 1 ? 'tracks at their real size' : `at time scale ${e.timeScale} as a container would run it (tracks ${e.timeScale}× shorter)`}`,
  );
  r.writeInfo();
  const result = await runSim({
    topology: r.topology,
    placement,
    scripts: w.scripts,
    protocol,
    warm,
    model: e.sim,
    // the run's clock starts at the pre-roll's start: the faults' times count from the window's
    faults: variant.faults.map((f) => ({ ...f, atMs: f.atMs + pre })),
    seed: r.seed,
    durationMs: e.durationMs + pre,
    timeScale: e.timeScale,
    dir: r.repDir,
    signal: r.signal,
    progress: (p) => {
      // the sinks' files as the simulation flushes them (in batches), for the live page
      r.live(Math.max(0, Math.min(p.virtualMs - pre, e.durationMs)), p.virtualMs < pre);
      const total = p.bytes.server + p.bytes.p2p + p.bytes.cache || 1;
      const pct = (x: number) => ((100 * x) / total).toFixed(0);
      progress.update(
        `${p.virtualMs < pre ? `pre-roll ${fmtWorkload(p.virtualMs)} of ${fmtWorkload(pre)}` : `${fmtWorkload(Math.min(p.virtualMs - pre, e.durationMs))} of ${fmtWorkload(e.durationMs)}`} | ${Math.round(p.eventsPerSec)} events/s | peers online ${p.online} | plays ${p.plays} | server ${pct(p.bytes.server)}% (${mb(p.bytes.server)} MB) p2p ${pct(p.bytes.p2p)}% cache ${pct(p.bytes.cache)}% | memory ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
      );
    },
  });
  progress.line(
    `simulated ${fmtWorkload(result.virtualMs)} in ${Math.round(result.wallMs / 1000)} s: ${result.events} events (${result.eventsPerSecond}/s), ${result.reports} reports, heap ${result.heapUsedMB} MB`,
  );
  if (result.unfinished.length)
    progress.line(
      `warning: ${result.unfinished.length} clients had not finished their script when the run ended: ${result.unfinished.slice(0, 10).join(', ')}${result.unfinished.length > 10 ? ' ...' : ''}`,
    );
  return result;
}
