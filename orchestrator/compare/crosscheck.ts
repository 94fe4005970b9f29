// Side by side: the same experiment in several runs that differ in where they ran (Docker, the
// simulation at the same time scale, the simulation unscaled), not in the protocol. `testbed
// compare` refuses such runs as variants on purpose; this is the other question — does the
// simulated network give the emulated network's answers, and what does the time scale change
// (docs/simulation.md, "Checked against the emulation").
import fs from 'node:fs';
import path from 'node:path';
import { searchDetail, searchDetailRows } from '../analysis/search-detail.ts';
import { FIGURES, type FigureKey, figuresOf } from '../analysis/time-scale.ts';
import { type ExperimentRuntime, loadExperiment } from '../config/experiment.ts';
import { describeModel, type SimModel } from '../config/sim-model.ts';
import { runExperiment } from '../experiment/run.ts';
import type { Progress } from '../progress/display.ts';
import { measuredReports } from '../report/summarise.ts';
import { readRawReports } from '../report/write.ts';
import { incompatibilities, type LoadedRun, loadRun } from './load.ts';

export interface CrossRun extends LoadedRun {
  label: string;
  /** where and at what scale it ran: the runs of one group differ only in their seed */
  group: string;
}

/** a finished run (compare/load.ts loadRun), labelled by where it ran and at what scale */
export function loadCrossRun(dir: string): CrossRun {
  const run = loadRun(dir);
  const { info } = run;
  const model = describeModel(info.sim?.model);
  const group = `${info.runtime ?? 'docker'}${model ? ` (${model})` : ''}${info.timeScale !== 1 ? ` ×${info.timeScale}` : ' unscaled'}`;
  return { ...run, group, label: `${group} (${info.runId})` };
}

/** where one run of a crosscheck goes: a runtime at a time scale, tagged in the run id */
export interface Place {
  runtime: ExperimentRuntime;
  timeScale: number;
  tag: string;
  /** the simulation's models (default: the experiment's) */
  model?: SimModel;
}

/**
 * The experiment in `file` once per seed in every place, into `dir`, run ids `<id><tag>[<seed's
 * index>]`: what `testbed crosscheck` and the nightly benchmark run. Null when interrupted.
 */
export async function runCrosscheck(file: string, o: { places: readonly Place[]; seeds: readonly number[]; dir: string; id: string; progress: Progress }): Promise<CrossRun[] | null> {
  const runs: CrossRun[] = [];
  for (const [i, seed] of o.seeds.entries()) {
    for (const p of o.places) {
      const e = loadExperiment(file);
      e.runtime = p.runtime;
      e.timeScale = p.timeScale;
      e.seed = seed;
      if (p.model) e.sim = p.model;
      o.progress.line(
        `crosscheck: ${p.runtime}${p.model && describeModel(p.model) ? ` (${describeModel(p.model)})` : ''} at time scale ${p.timeScale}, seed ${seed}${o.seeds.length > 1 ? ` (${i + 1} of ${o.seeds.length})` : ''}`,
      );
      const runId = `${o.id}${p.tag}${o.seeds.length > 1 ? i : ''}`;
      const r = await runExperiment(e, { resultsRoot: o.dir, runId, progress: o.progress.prefixed(`[${p.runtime} ×${p.timeScale} seed ${seed}] `) });
      if (r.interrupted) return null;
      runs.push(loadCrossRun(r.dir));
    }
  }
  return runs;
}

const seedOf = (r: CrossRun) => r.info.seed;
const protocolOf = (r: CrossRun) => JSON.stringify({ protocol: r.info.variant?.protocol ?? null, faults: r.info.variant?.faults ?? [] });

/**
 * Why these runs are not one experiment in several places (empty: they are): they must be the same
 * experiment (name, protocol variant and faults) replaying the same workload for the same duration
 * on the same topology, and every place must have run the same seeds, each once; where and at what
 * scale may differ.
 */
export function crossIncompatibilities(runs: readonly CrossRun[]): string[] {
  const out = incompatibilities(runs, ['workload', 'duration', 'topology']);
  if (runs.length < 2) return out;
  const [first, ...rest] = runs;
  const odd = (f: (r: CrossRun) => unknown) => rest.filter((r) => f(r) !== f(first));
  const experiments = odd((r) => r.info.experiment);
  if (experiments.length) out.push(`experiment differs: ${first.info.runId} is ${first.info.experiment}, but ${experiments.map((r) => `${r.info.runId} is ${r.info.experiment}`).join(', ')}`);
  const variants = odd(protocolOf);
  if (variants.length)
    out.push(
      `protocol differs: ${first.info.runId} ran ${first.info.variant?.name ?? 'base'}, but ${variants.map((r) => `${r.info.runId} ran ${r.info.variant?.name ?? 'base'} (or the same name with other settings)`).join(', ')}`,
    );
  // every place ran the same seeds, each once
  const seedsOf = (rs: CrossRun[]) => [...new Set(rs.map(seedOf))].sort((a, b) => a - b).join(', ');
  const groups = [...groupCrossRuns(runs)];
  for (const [group, rs] of groups) {
    const twice = rs.map(seedOf).filter((x, i, all) => all.indexOf(x) !== i);
    if (twice.length) out.push(`${group} has seed ${[...new Set(twice)].join(', ')} more than once`);
  }
  const [[g0, r0], ...others] = groups;
  for (const [group, rs] of others) if (seedsOf(rs) !== seedsOf(r0)) out.push(`seeds differ: ${g0} ran seeds ${seedsOf(r0)}, but ${group} ran ${seedsOf(rs)}`);
  return out;
}

/** the runs by place and scale, in the order first seen */
function groupCrossRuns(runs: readonly CrossRun[]): Map<string, CrossRun[]> {
  const m = new Map<string, CrossRun[]>();
  for (const r of runs) m.set(r.group, [...(m.get(r.group) ?? []), r]);
  return m;
}

/** a figure's mean over the runs that have it (null: none has) */
function meanOf(runs: readonly CrossRun[], key: FigureKey): number | null {
  const vs = runs.map((r) => figuresOf(r.summary)[key]).filter((v): v is number => v !== null && Number.isFinite(v));
  return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
}

interface Verdict {
  figure: FigureKey;
  label: string;
  tolerance: number;
  /** the two places' means over their seeds */
  a: number | null;
  b: number | null;
  /** b - a (null where either has no value: no verdict) */
  difference: number | null;
  within: boolean | null;
}

export interface PairVerdict {
  a: string;
  b: string;
  seeds: number;
  figures: Verdict[];
}

/**
 * The check: every pair of places that ran at the same time scale (Docker and the simulation; in
 * time, two models of the simulation) must give each figure of docs/time-scale.md within its
 * tolerance, mean against mean over the seeds. Places at different scales are not paired: what
 * the scale does is docs/time-scale.md's drift, measured on purpose, not a disagreement.
 */
export function crossVerdicts(runs: readonly CrossRun[]): PairVerdict[] {
  const groups = [...groupCrossRuns(runs)];
  const out: PairVerdict[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const [ga, ra] = groups[i];
      const [gb, rb] = groups[j];
      if (ra[0].setting.timeScale !== rb[0].setting.timeScale) continue;
      const figures = FIGURES.map((f) => {
        const a = meanOf(ra, f.key);
        const b = meanOf(rb, f.key);
        const difference = a === null || b === null ? null : b - a;
        // a hair of slack for figures rounded in summary.json (4 decimals)
        const within = difference === null ? null : Math.abs(difference) <= f.tolerance + 1e-9;
        return { figure: f.key, label: f.label, tolerance: f.tolerance, a, b, difference, within };
      });
      out.push({ a: ga, b: gb, seeds: Math.min(ra.length, rb.length), figures });
    }
  }
  return out;
}

/** the figures outside their tolerance, in words (empty: the runs agree) */
export function disagreements(verdicts: readonly PairVerdict[]): string[] {
  return verdicts.flatMap((p) =>
    p.figures
      .filter((f) => f.within === false)
      .map((f) => `${f.label}: ${p.a} ${show(f.figure, f.a)}, ${p.b} ${show(f.figure, f.b)} (${signed(f.figure, f.difference!)}, tolerance ±${tol(f.figure, f.tolerance)})`),
  );
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const unitOf = (key: FigureKey) => FIGURES.find((f) => f.key === key)!.unit;

/** a figure's value as the tables show it */
function show(key: FigureKey, v: number | null): string {
  if (v === null) return '–';
  const unit = unitOf(key);
  return unit === 'ms' ? `${Math.round(v)} ms` : unit === 'stutters' ? v.toFixed(3) : pct(v);
}
function signed(key: FigureKey, d: number): string {
  const unit = unitOf(key);
  const sign = d >= 0 ? '+' : '−';
  return unit === 'ms' ? `${sign}${Math.abs(Math.round(d))} ms` : unit === 'stutters' ? `${sign}${Math.abs(d).toFixed(3)}` : `${sign}${(100 * Math.abs(d)).toFixed(1)} points`;
}
function tol(key: FigureKey, t: number): string {
  const unit = unitOf(key);
  return unit === 'ms' ? `${t} ms` : unit === 'stutters' ? String(t) : `${100 * t} points`;
}

/** one Markdown table: the figures of docs/time-scale.md, one column per place (the mean over its seeds) */
function figuresTable(runs: CrossRun[]): string {
  const groups = [...groupCrossRuns(runs)];
  const several = groups.some(([, rs]) => rs.length > 1);
  const cell = (rs: CrossRun[], key: FigureKey) => {
    const m = show(key, meanOf(rs, key));
    return several ? `${m} (${rs.map((r) => show(key, figuresOf(r.summary)[key])).join(', ')})` : m;
  };
  const head = `| figure | ${groups.map(([g, rs]) => `${g} (${rs.map((r) => r.info.runId).join(', ')})`).join(' | ')} |\n| --- |${groups.map(() => ' --- |').join('')}`;
  const plays = `| plays | ${groups.map(([, rs]) => rs.map((r) => String(r.summary.plays)).join(', ')).join(' | ')} |`;
  const rows = FIGURES.map((x) => `| ${x.label} | ${groups.map(([, rs]) => cell(rs, x.key)).join(' | ')} |`);
  return [head, plays, ...rows].join('\n');
}

/** per pair of places at one scale: each figure's difference against its tolerance */
function verdictTables(verdicts: PairVerdict[]): string {
  if (!verdicts.length) return 'No two places ran at the same time scale, so there is nothing to check: the columns differ only by the time scale (docs/time-scale.md).';
  return verdicts
    .map((p) => {
      const rows = p.figures.map(
        (f) =>
          `| ${f.label} | ±${tol(f.figure, f.tolerance)} | ${show(f.figure, f.a)} | ${show(f.figure, f.b)} | ${f.difference === null ? '–' : signed(f.figure, f.difference)} | ${f.within === null ? 'no value' : f.within ? 'within' : '**outside**'} |`,
      );
      const bad = p.figures.filter((f) => f.within === false).length;
      return `### ${p.b} against ${p.a}${p.seeds > 1 ? ` (means over ${p.seeds} seeds)` : ''}: ${bad ? `**${bad} outside**` : 'every figure within its tolerance'}

| figure | tolerance | ${p.a} | ${p.b} | difference | verdict |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}`;
    })
    .join('\n\n');
}

function readCsv(file: string): string[][] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

/**
 * A results table of every run merged on its key columns (the leading columns that are not
 * numbers in any run): each value cell holds the runs' values in order, "a / b / c".
 */
export function mergeTables(tables: string[][][]): string[][] {
  const withData = tables.filter((t) => t.length);
  if (!withData.length) return [];
  const header = withData[0][0];
  const isNumber = (v: string | undefined) => v !== undefined && v !== '' && Number.isFinite(Number(v));
  let keys = 0;
  while (keys < header.length && withData.every((t) => t.slice(1).every((row) => !isNumber(row[keys])))) keys++;
  // a table whose first column is numeric (Fig. 1's minutes since login) is keyed by that column
  keys = Math.max(1, keys);
  const rowKeys: string[] = [];
  const byKey = tables.map((t) => {
    const m = new Map<string, string[]>();
    for (const row of t.slice(1)) {
      const k = row.slice(0, keys).join('\u0000');
      if (!rowKeys.includes(k)) rowKeys.push(k);
      m.set(k, row);
    }
    return m;
  });
  const rows = rowKeys.map((k) => [...k.split('\u0000'), ...header.slice(keys).map((_, j) => byKey.map((m) => m.get(k)?.[keys + j] ?? '–').join(' / '))]);
  return [header, ...rows];
}

const markdown = (t: string[][]) => (t.length ? [`| ${t[0].join(' | ')} |`, `|${t[0].map(() => ' --- |').join('')}`, ...t.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n') : '(no data)');

/** overlay search taken apart (analysis/search-detail.ts), one column per place, its seeds' reports together */
function searchTable(runs: CrossRun[]): string {
  const groups = [...groupCrossRuns(runs)];
  const rows = searchDetailRows(groups.map(([, rs]) => searchDetail(rs.flatMap((r) => measuredReports(r.info, readRawReports(r.dir))))));
  return `### Overlay search in detail

Why searches found nothing: no neighbour to ask, nothing within two hops, or answers that came after
the searcher stopped waiting or after it had forgotten the query; and the dials that make the
neighbours. Times are real ms in Docker and virtual ms in the simulation.

${markdown([['', ...groups.map(([g]) => g)], ...rows])}`;
}

/** crosscheck.md for finished runs of one experiment (`crossIncompatibilities` empty) */
export function crosscheckMarkdown(runs: CrossRun[]): string {
  const order = runs.map((r) => r.label).join(' / ');
  const table = (name: string, title: string) => `### ${title}\n\nEach cell: ${order}.\n\n${markdown(mergeTables(runs.map((r) => readCsv(path.join(r.dir, 'tables', `${name}.csv`)))))}`;
  const experiments = new Set(runs.map((r) => r.info.experiment));
  return `# Cross-check: ${[...experiments].join(', ')}

The same experiment and workload in ${runs.length} runs that differ only in where they ran (and,
within a place, in their seed).
A difference between Docker and the simulation at the same time scale is the simulated network's
(docs/simulation.md says what it models and leaves out); a difference between the simulation at
that scale and unscaled is the time scale's (docs/time-scale.md). Latency is in real ms in Docker
and in virtual ms in the simulation.

${figuresTable(runs)}

## The check

${verdictTables(crossVerdicts(runs))}

## Where they differ in detail

${searchTable(runs)}

${table('table2', 'Table II: NAT and UPnP as the servers saw them')}

${table('table3', 'Table III: overlay search success')}

${table('figure1', 'Fig. 1: neighbours by time since login')}

Runs: ${runs.map((r) => `${r.label}: \`${r.dir}\``).join('; ')}.
`;
}
