// The programs' host-load records, collected from their logs into run.json (docs/time-scale.md,
// "An overloaded host"): each program prints a `load` line every 30 s and at its exit
// (node-image/adapters/host-load.ts), each over its life so far; its last one is kept, checked by
// core/report-check.ts, with its slip histogram pooled into the run's. The Docker and local
// runtimes call this when they collect a repetition; the simulated runtime has no host to load.
import type { HostLoad } from '../../node-image/core/host-load.ts';
import { SlipHistogram } from '../../node-image/core/host-load.ts';
import { hostLoadProblem } from '../../node-image/core/report-check.ts';
import type { HostLoadInfo } from '../analysis/host-load.ts';
import type { RunInfo } from '../report/run-info.ts';

const LOAD = '"event":"load"';

/** a line of a program's log that is a `load` record */
export const isLoadLine = (line: string): boolean => line.startsWith('{') && line.includes(LOAD);

/** the last `load` line in a program's log */
export function lastLoadLine(log: string): string | undefined {
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (isLoadLine(line)) return line;
  }
  return undefined;
}

/** a `load` line's record (the logger's t, program, name and event left out), or why it is refused */
function parseLoadLine(line: string): HostLoad | string {
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof x !== 'object' || x === null || (x as { event?: unknown }).event !== 'load') return 'not a load record';
  const { t: _t, program: _p, name: _n, event: _e, ...record } = x as Record<string, unknown>;
  return hostLoadProblem(record) ?? (record as unknown as HostLoad);
}

/**
 * A repetition's programs' last `load` lines into run.json's `hostLoad`; a program without one
 * (stopped before the workload began, or an image from before they were printed) is left out, and
 * one whose record core/report-check.ts refuses is named in the notes.
 */
export function addHostLoad(info: RunInfo, repetition: string, programs: { name: string; role: 'client' | 'dc'; line: string | undefined }[]): void {
  const prior = info.hostLoad;
  const out: HostLoadInfo = { programs: [...(prior?.programs ?? [])], slipHist: prior?.slipHist ?? [] };
  const pooled = new SlipHistogram();
  pooled.merge(out.slipHist, 0);
  for (const p of programs) {
    if (p.line === undefined) continue;
    const r = parseLoadLine(p.line);
    if (typeof r === 'string') {
      info.notes.push(`the load record of ${p.role === 'dc' ? 'data centre' : 'peer'} ${p.name} in ${repetition} was refused: ${r}`);
      continue;
    }
    out.programs.push({ name: p.name, role: p.role, repetition, ms: r.ms, timers: r.timers, slipMs: r.slipMs, loopDelayMs: r.loopDelayMs, loopSamples: r.loopSamples });
    pooled.merge(r.slipHist, r.slipMs.max);
  }
  out.slipHist = pooled.pairs();
  if (out.programs.length) info.hostLoad = out;
}
