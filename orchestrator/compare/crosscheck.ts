// Side by side: the same experiment in several runs that differ in where they ran (Docker, the
// simulation at the same time scale, the simulation unscaled), not in the protocol. `testbed
// compare` refuses such runs as variants on purpose; this is the other question — does the
// simulated network give the emulated network's answers, and what does the time scale change
// (docs/simulation.md, "Checked against the emulation").
import fs from 'node:fs';
import path from 'node:path';
import { FIGURES, figuresOf } from '../experiment/time-scale.ts';
import { incompatibilities, type LoadedRun, loadRun } from './load.ts';

export interface CrossRun extends LoadedRun {
  label: string;
}

/** a finished run (compare/load.ts loadRun), labelled by where it ran and at what scale */
export function loadCrossRun(dir: string): CrossRun {
  const run = loadRun(dir);
  const { info } = run;
  return { ...run, label: `${info.runtime ?? 'docker'}${info.timeScale !== 1 ? ` ×${info.timeScale}` : ' unscaled'} (${info.runId})` };
}

/**
 * Why these runs are not one experiment in several places (empty: they are): they must replay the
 * same workload for the same duration on the same topology; where and at what scale may differ.
 */
export function crossIncompatibilities(runs: readonly CrossRun[]): string[] {
  return incompatibilities(runs, ['workload', 'duration', 'topology']);
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

/** one Markdown table: the figures of docs/time-scale.md, one column per run */
function figuresTable(runs: CrossRun[]): string {
  const f = runs.map((r) => figuresOf(r.summary));
  const head = `| figure | ${runs.map((r) => r.label).join(' | ')} |\n| --- |${runs.map(() => ' --- |').join('')}`;
  const plays = `| plays | ${runs.map((r) => String(r.summary.plays)).join(' | ')} |`;
  const rows = FIGURES.map(
    (x) => `| ${x.label} | ${f.map((v) => (x.unit === 'ms' ? (v[x.key] === null ? '–' : `${v[x.key]} ms`) : x.unit === 'stutters' ? (v[x.key]?.toFixed(3) ?? '–') : pct(v[x.key]))).join(' | ')} |`,
  );
  return [head, plays, ...rows].join('\n');
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

/** crosscheck.md for finished runs of one experiment */
export function crosscheckMarkdown(runs: CrossRun[]): string {
  const order = runs.map((r) => r.label).join(' / ');
  const table = (name: string, title: string) => `### ${title}\n\nEach cell: ${order}.\n\n${markdown(mergeTables(runs.map((r) => readCsv(path.join(r.dir, 'tables', `${name}.csv`)))))}`;
  const experiments = new Set(runs.map((r) => r.info.experiment));
  return `# Cross-check: ${[...experiments].join(', ')}

The same experiment, seed and workload in ${runs.length} runs that differ only in where they ran.
A difference between Docker and the simulation at the same time scale is the simulated network's
(docs/simulation.md says what it models and leaves out); a difference between the simulation at
that scale and unscaled is the time scale's (docs/time-scale.md). Latency is in real ms in Docker
and in virtual ms in the simulation.

${figuresTable(runs)}

${table('table2', 'Table II: NAT and UPnP as the servers saw them')}

${table('table3', 'Table III: overlay search success')}

${table('figure1', 'Fig. 1: neighbours by time since login')}

Runs: ${runs.map((r) => `${r.label}: \`${r.dir}\``).join('; ')}.
`;
}
