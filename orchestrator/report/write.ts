// The results folder (docs/architecture.md, principle 8): from results/<run>/raw/ and run.json, write
// summary.json (schema: summary.schema.ts), tables as CSV and Markdown, PNG plots, report.md and
// report.html (report.md with the plots drawn interactively from the same chart configurations).
// `testbed report` calls this on an existing folder; nothing is run again.

import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { Report } from '../../node-image/core/reports.ts';
import { dedupe } from '../analysis/playback.ts';
import { UserFacingError } from '../errors.ts';
import type { ExitNotPlayed } from './accounting.ts';
import { render } from './charts.ts';
import { reportHtml } from './html.ts';
import { type Parsed, readReportFile } from './raw.ts';
import { runCharts, runMarkdown, runTables } from './render.ts';
import type { RunInfo } from './run-info.ts';
import { parseScheduledPlays, SCHEDULED_FILE, type ScheduledPlays } from './scheduled.ts';
import { summarise } from './summarise.ts';
import { type Summary, summarySchema } from './summary.schema.ts';

export { summarySchema };

export class ResultsError extends UserFacingError {}

/** every reports.jsonl under raw/ (one per data centre, per repetition), de-duplicated */
export function readRawReports(dir: string): Report[] {
  return readRawReportsCounted(dir).reports;
}

/** the same, with the lines that were skipped as torn or malformed */
function readRawReportsCounted(dir: string): Parsed {
  const files = rawFiles(dir, 'reports.jsonl');
  if (!files.length) throw new ResultsError(`${dir} holds no raw/<data-centre>/reports.jsonl: is it a results/<run-id> folder of a run?`);
  const all: Parsed = { reports: [], badLines: 0 };
  for (const f of files) readReportFile(f, all);
  return { reports: dedupe(all.reports), badLines: all.badLines };
}

/** files named `name` under any raw/ folder of the run (repetitions have one each) */
function rawFiles(dir: string, name: string): string[] {
  if (!fs.existsSync(dir)) throw new ResultsError(`${dir} does not exist`);
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.split(path.sep).includes('raw') && path.basename(f) === name).map((f) => path.join(dir, f));
}

/** each client instance's exit record: the reports it generated, and the plays it did not start (records before 2026-12-08 lack them) */
function readExits(dir: string): { generated: Map<string, number>; exits: Map<string, ExitNotPlayed> } {
  const generated = new Map<string, number>();
  const exits = new Map<string, ExitNotPlayed>();
  for (const line of rawFiles(dir, 'clients.jsonl').flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean))) {
    const e = JSON.parse(line) as { clientId: string; generated: number; notPlayed?: ExitNotPlayed };
    generated.set(e.clientId, Math.max(generated.get(e.clientId) ?? 0, e.generated));
    if (e.notPlayed) exits.set(e.clientId, e.notPlayed);
  }
  return { generated, exits };
}

/** the plays the scripts held, over the repetitions; undefined for a run made before they were written */
function readScheduled(dir: string): ScheduledPlays | undefined {
  const files = rawFiles(dir, SCHEDULED_FILE);
  return files.length ? parseScheduledPlays(files.map((f) => fs.readFileSync(f, 'utf8'))) : undefined;
}

export async function writeReport(dir: string): Promise<Summary> {
  const infoFile = path.join(dir, 'run.json');
  if (!fs.existsSync(infoFile)) throw new ResultsError(`${dir} has no run.json: is it a results/<run-id> folder of a run?`);
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as RunInfo;
  const { reports, badLines } = readRawReportsCounted(dir);
  const { generated, exits } = readExits(dir);
  const a = summarise({ info, reports, generated, badLines, scheduled: readScheduled(dir), exits });
  const ajv = new Ajv({ allErrors: true, strict: false });
  if (!ajv.validate(summarySchema, a.summary)) throw new Error(`summary does not match its schema: ${ajv.errorsText()}`);
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(a.summary, null, 2) + '\n');
  const tdir = path.join(dir, 'tables');
  const pdir = path.join(dir, 'plots');
  fs.mkdirSync(tdir, { recursive: true });
  fs.mkdirSync(pdir, { recursive: true });
  const tables = runTables(a);
  for (const [name, t] of Object.entries(tables)) {
    fs.writeFileSync(path.join(tdir, `${name}.csv`), t.csv);
    fs.writeFileSync(path.join(tdir, `${name}.md`), t.md);
  }
  // each chart is built once: the PNG and report.html's canvas draw the same configuration
  const charts = runCharts(a);
  for (const [f, c] of Object.entries(charts)) fs.writeFileSync(path.join(pdir, f), await render(c));
  const topology = path.join(dir, 'topology.png');
  const markdown = runMarkdown(a, info, tables, { topologyPng: fs.existsSync(topology) });
  fs.writeFileSync(path.join(dir, 'report.md'), markdown);
  fs.writeFileSync(
    path.join(dir, 'report.html'),
    reportHtml(markdown, {
      title: `${info.experiment}: run ${info.runId}`,
      charts: Object.fromEntries(Object.entries(charts).map(([f, c]) => [`plots/${f}`, c])),
      images: fs.existsSync(topology) ? { 'topology.png': fs.readFileSync(topology) } : {},
    }),
  );
  return a.summary;
}
