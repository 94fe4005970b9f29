// The workload of one repetition of an experiment, the same for every runtime: synthetic or a
// trace replayed on the peers' machines, churn put into their scripts, and what run.json says of it.
import type { Experiment, Variant } from '../config/experiment.ts';
import type { Progress } from '../progress/display.ts';
import type { RunInfo } from '../report/run-info.ts';
import { scheduledPlays, writeScheduledPlays } from '../report/scheduled.ts';
import { addChurn } from '../workload/churn.ts';
import { importLastfm } from '../workload/importers/lastfm.ts';
import { importMssd } from '../workload/importers/mssd.ts';
import type { Machine, WorkloadResult } from '../workload/synthetic.ts';
import { readTrace, replayTrace, TraceError, type TraceWindow, traceStartMs } from '../workload/trace.ts';
import { syntheticWindow } from '../workload/window.ts';

async function workloadFor(e: Experiment, machines: Machine[], seed: number, warn: (line: string) => void): Promise<WorkloadResult> {
  if (e.workload.kind === 'synthetic') {
    // warm: after a pre-roll of network time (its sessions find neighbours), and the week before
    // that for the warm-up to replay
    const { startMs, params } = e.workload;
    return syntheticWindow(machines, startMs, e.durationMs, seed, params, e.warmup !== null);
  }
  const w = e.workload;
  // the readers keep only the window the run replays (the Last.fm importer makes no other event:
  // the whole data set is four years); where it starts depends on where the trace begins
  let startMs: number | null = null;
  let first = 0;
  const window: TraceWindow = (firstEventMs, epochMs) => {
    first = firstEventMs;
    try {
      startMs = traceStartMs(w.start, firstEventMs, epochMs);
    } catch (err) {
      throw new TraceError(`${w.file}: workload.trace.${(err as Error).message}`);
    }
    return { fromMs: startMs, toMs: startMs + e.durationMs };
  };
  const opts = { country: w.country, warn, window };
  const events = w.format === 'lastfm' ? await importLastfm(w.file, opts) : w.format === 'mssd' ? await importMssd(w.file, opts) : await readTrace(w.file, window);
  if (startMs === null) throw new TraceError(`${w.file}: the trace holds no event`);
  const r = replayTrace(events, machines, seed, e.durationMs, startMs);
  // a replay of nothing would bring a whole testbed up to measure nothing: say so before anything starts
  if (r.plays === 0) {
    const hint = w.start.at !== 'first-event' && first >= startMs + e.durationMs ? '; `start: first-event` under workload.trace replays it from its first event' : '';
    throw new TraceError(
      `${w.file}: no play of the trace falls inside the experiment's ${e.durationMs / 3_600_000} h from ${fmtWorkload(startMs)} (its first event is at ${fmtWorkload(first)})${hint}`,
    );
  }
  return r;
}

/**
 * the workload of one repetition on these machines, churn put into its scripts, run.json told of it,
 * and the plays each machine is handed written to repDir/raw/scheduled-plays.jsonl (report/scheduled.ts)
 */
export async function prepareWorkload(
  e: Experiment,
  machines: Machine[],
  seed: number,
  variant: Variant,
  info: RunInfo,
  progress: Progress,
  warn: (line: string) => void,
  repDir: string,
): Promise<WorkloadResult> {
  const w = await workloadFor(e, machines, seed, warn);
  const churned = addChurn(w.scripts, machines, variant.faults, seed);
  if (churned) progress.line(`churn: ${churned} peers will lose their network during the run`);
  const scheduled = scheduledPlays(w.scripts);
  writeScheduledPlays(repDir, scheduled);
  let playsScheduled = 0;
  for (const p of scheduled.values()) playsScheduled += p.length;
  info.peers = machines.length;
  info.workload = {
    kind: e.workload.kind,
    users: w.users,
    tracks: w.tracks,
    sessions: w.sessions,
    plays: w.plays,
    // what the scripts hold, pre-roll included: the plays the run must account for (report/summarise.ts)
    playsScheduled,
    // the run's 0 in the replayed week (workload ms after Monday 00:00 UTC); the analysis adds it
    // back for weekends and the hour of the week
    ...(w.startMs + (w.preRollMs ?? 0) ? { startMs: w.startMs + (w.preRollMs ?? 0) } : {}),
    // the raw reports' first preRollMs are the pre-roll's: the analysis leaves them out (report/summarise.ts measuredReports)
    ...(w.preRollMs ? { preRollMs: w.preRollMs } : {}),
    ...(Number.isFinite(w.zipfExponent) ? { zipfExponent: +w.zipfExponent.toFixed(3) } : {}),
  };
  return w;
}

/** "12 users, 10 sessions, 110 plays over day 0 01:00 (from day 0 18:00 of the week)": a run's start line */
export function describeWorkload(w: WorkloadResult, durationMs: number): string {
  const pre = w.preRollMs ?? 0;
  return `${w.users} users, ${w.sessions} sessions, ${w.plays} plays over ${fmtWorkload(durationMs)}${w.startMs + pre ? ` (from ${fmtWorkload(w.startMs + pre)} of the week)` : ''}${pre ? `, after ${pre / 60_000} min of unmeasured pre-roll` : ''}`;
}

export const fmtWorkload = (ms: number) => {
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return `day ${d} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
};
