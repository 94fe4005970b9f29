// Reading finished runs for `testbed compare`: a run folder (results/<run-id>/, one summary.json)
// becomes a RunSample; a set of them is checked to be comparable (the same workload, topology,
// duration and time scale), because a difference between runs of different workloads says
// nothing about the protocol.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { PlayReport } from '../../node-image/core/reports.ts';
import { offloadOverTime } from '../analysis/paper.ts';
import type { RunInfo } from '../report/run-info.ts';
import { measuredReports, runStartMs } from '../report/summarise.ts';
import { ResultsError, readRawReports } from '../report/write.ts';
import type { RunSample } from './model.ts';
import { unitsOf } from './units.ts';

export interface LoadedRun {
  dir: string;
  info: RunInfo;
  summary: Record<string, unknown>;
  /** what must be equal for two runs to be compared */
  setting: { runtime: string; workload: unknown; duration: unknown; timeScale: unknown; topology: string };
}

export function loadRun(dir: string): LoadedRun {
  const file = (f: string) => path.join(dir, f);
  for (const f of ['run.json', 'summary.json', 'experiment.yaml', 'topology.yaml']) {
    if (!fs.existsSync(file(f))) throw new ResultsError(`${dir} has no ${f}: give results/<run-id> folders of finished runs (or a comparison folder)`);
  }
  const info = JSON.parse(fs.readFileSync(file('run.json'), 'utf8')) as RunInfo;
  const summary = JSON.parse(fs.readFileSync(file('summary.json'), 'utf8')) as Record<string, unknown>;
  const exp = parse(fs.readFileSync(file('experiment.yaml'), 'utf8')) as Record<string, unknown>;
  return {
    dir,
    info,
    summary,
    setting: {
      runtime: info.runtime ?? 'docker',
      workload: exp.workload,
      duration: exp.duration,
      timeScale: info.timeScale ?? exp.timeScale,
      topology: fs.readFileSync(file('topology.yaml'), 'utf8'),
    },
  };
}

/** The sample `buildComparison` takes, with the latencies and hourly offload its plots need. */
export function sampleOf(run: LoadedRun, variant: string, repetition: number): RunSample {
  const reports = measuredReports(run.info, readRawReports(run.dir));
  const latencies = reports.filter((r): r is PlayReport => r.type === 'play' && r.latencyMs >= 0).map((p) => p.latencyMs);
  return { variant, repetition, runId: run.info.runId, dir: run.dir, summary: run.summary, latencies, offload: offloadOverTime(reports, undefined, runStartMs(run.info)), units: unitsOf(reports) };
}

type SettingKey = keyof LoadedRun['setting'];
const ALL_KEYS: readonly SettingKey[] = ['runtime', 'workload', 'duration', 'timeScale', 'topology'];

/** Why these runs cannot be compared (empty: they can): they must agree on each of `keys` (default: every part of the setting). */
export function incompatibilities(runs: readonly LoadedRun[], keys: readonly SettingKey[] = ALL_KEYS): string[] {
  if (runs.length < 2) return [];
  const [first, ...rest] = runs;
  const out: string[] = [];
  // a simulated and an emulated run differ in what they model (docs/simulation.md): the
  // side-by-side of the two runtimes is its own table, not a comparison of variants
  for (const key of keys) {
    const a = JSON.stringify(first.setting[key]);
    const odd = rest.filter((r) => JSON.stringify(r.setting[key]) !== a);
    if (odd.length)
      out.push(
        `${key} differs: ${first.info.runId} has ${key === 'topology' ? `topology ${first.info.topology}` : a}, but ${odd.map((r) => `${r.info.runId} has ${key === 'topology' ? `topology ${r.info.topology} (or another text of it)` : JSON.stringify(r.setting[key])}`).join(', ')}`,
      );
  }
  return out;
}

/**
 * Group run folders into variants: by the variant name each run recorded, repetitions in the order
 * given. Folders of one comparison (with variant/rep-N inside) are expanded. If every run has the
 * same variant name, each run is its own variant, named by its run id.
 */
export function groupRuns(dirs: readonly string[]): { variant: string; runs: LoadedRun[] }[] {
  const expanded = dirs.flatMap((d) => (fs.existsSync(path.join(d, 'comparison.json')) ? runsOfComparison(d) : [d]));
  const runs = expanded.map(loadRun);
  const groups = new Map<string, LoadedRun[]>();
  for (const r of runs) {
    const name = r.info.variant?.name ?? 'base';
    groups.set(name, [...(groups.get(name) ?? []), r]);
  }
  if (groups.size === 1 && runs.length > 1) return runs.map((r) => ({ variant: r.info.runId, runs: [r] }));
  return [...groups].map(([variant, rs]) => ({ variant, runs: rs }));
}

function runsOfComparison(dir: string): string[] {
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'comparison.json'), 'utf8')) as { variants: { runs: { dir: string }[] }[] };
  return c.variants.flatMap((v) => v.runs.map((r) => (path.isAbsolute(r.dir) ? r.dir : path.join(dir, r.dir))));
}
