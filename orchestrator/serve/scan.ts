// What `testbed serve` lists: every results folder under the results directory, read from the
// files it holds and nothing else. A run folder has run.json, summary.json (orchestrator/report/) or
// live.json (progress/live.ts: a run in progress, before its run.json);
// a comparison comparison.json or comparison.md (orchestrator/compare/write.ts); a cross-check
// crosscheck.md (cli/commands/crosscheck.ts); a scaling experiment scaling.json
// (experiment/scaling.ts). Runs inside comparisons and scaling folders are listed too. A file that
// cannot be read or parsed gives its folder a row that says so instead of failing the page.
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { readInside } from './safe.ts';

type Kind = 'run' | 'comparison' | 'crosscheck' | 'scaling';

export interface Entry {
  /** the folder, relative to the results directory, with '/' between segments */
  path: string;
  kind: Kind;
  runId?: string;
  experiment?: string;
  runtime?: string;
  variant?: string;
  /** ISO time the run started, the comparison was made, or the folder's file was written */
  date?: string;
  /** true valid, false not valid, undefined unknown */
  valid?: boolean;
  /** why it is not valid, warnings, or what is missing */
  notes: string[];
  shares?: { server: number; p2p: number; cache: number };
  /** a run in progress: its live.json says running and there is no summary.json yet */
  live?: boolean;
  /** files of the folder that could not be read or parsed, with why */
  errors: string[];
}

/** runs below comparisons and scaling folders sit one level down; deeper is not a results layout */
const MAX_DEPTH = 3;

type Json = Record<string, unknown>;

async function readJson(rootReal: string, file: string, e: Entry): Promise<Json | undefined> {
  const name = path.basename(file);
  const bytes = await readInside(rootReal, file);
  if (!bytes) {
    e.errors.push(`${name}: cannot be read (or lies outside the results folder)`);
    return undefined;
  }
  try {
    const x = JSON.parse(bytes.toString('utf8'));
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new Error('not a JSON object');
    return x as Json;
  } catch (err) {
    e.errors.push(`${name}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

const str = (x: unknown) => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : undefined);
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

async function mtime(file: string): Promise<string | undefined> {
  try {
    return (await fs.stat(file)).mtime.toISOString();
  } catch {
    return undefined;
  }
}

/** a live.json not written for this long belongs to a run that died without saying so (its writer beats every 30 s) */
const STALE_MS = 5 * 60_000;

async function runEntry(rootReal: string, dir: string, rel: string, files: Set<string>): Promise<Entry> {
  const e: Entry = { path: rel, kind: 'run', notes: [], errors: [] };
  const info = files.has('run.json') ? await readJson(rootReal, path.join(dir, 'run.json'), e) : undefined;
  const summary = files.has('summary.json') ? await readJson(rootReal, path.join(dir, 'summary.json'), e) : undefined;
  const live = files.has('live.json') && !files.has('summary.json') ? await readJson(rootReal, path.join(dir, 'live.json'), e) : undefined;
  e.runId = str(info?.runId) ?? str(summary?.runId) ?? str(live?.runId);
  e.experiment = str(info?.experiment) ?? str(summary?.experiment) ?? str(live?.experiment);
  e.runtime = str(info?.runtime) ?? (info ? 'docker' : str(live?.runtime));
  e.variant = str((info?.variant as Json | undefined)?.name);
  e.date = str(info?.startedAt) ?? str(live?.startedAt);
  if (live?.state === 'running') {
    e.live = true;
    const reached = num(live.workloadMs);
    const of = num(live.durationMs);
    e.notes.push(`running${reached !== undefined && of ? `: ${Math.floor((100 * reached) / of)} % of the workload, ${num(live.plays) ?? 0} plays so far` : ''}`);
    const age = Date.now() - Date.parse(str(live.updatedAt) ?? '');
    if (age > STALE_MS) e.notes.push(`no news for ${Math.round(age / 60_000)} min: the run may have died`);
    return e;
  }
  // a run that failed before its analysis says why on its live page's last warning
  if (live?.state === 'failed' && Array.isArray(live.warnings)) e.notes.push(`failed: ${str((live.warnings.at(-1) as Json | undefined)?.text) ?? 'see its live page'}`);
  if (info?.interrupted === true) e.notes.push('interrupted');
  if (summary) {
    if (typeof summary.valid === 'boolean') e.valid = summary.valid;
    if (Array.isArray(summary.problems)) e.notes.push(...summary.problems.map(String));
    if (Array.isArray(summary.warnings)) e.notes.push(...summary.warnings.map(String));
    const s = summary.shares as Json | undefined;
    const server = num(s?.server);
    const p2p = num(s?.p2p);
    const cache = num(s?.cache);
    if (server !== undefined && p2p !== undefined && cache !== undefined) e.shares = { server, p2p, cache };
  } else if (!files.has('summary.json')) {
    e.notes.push(info && !info.finishedAt ? 'no summary.json: running, or stopped before it finished' : 'no summary.json yet');
  }
  return e;
}

async function comparisonEntry(rootReal: string, dir: string, rel: string, files: Set<string>): Promise<Entry> {
  const e: Entry = { path: rel, kind: 'comparison', notes: [], errors: [] };
  if (files.has('comparison.json')) {
    const c = await readJson(rootReal, path.join(dir, 'comparison.json'), e);
    e.experiment = str(c?.experiment);
    e.date = str(c?.createdAt);
    if (Array.isArray(c?.variants)) e.variant = c.variants.map((v) => str((v as Json)?.name) ?? '?').join(', ');
    if (Array.isArray(c?.warnings)) e.notes.push(...c.warnings.map(String));
  }
  e.date ??= await mtime(path.join(dir, files.has('comparison.md') ? 'comparison.md' : 'comparison.json'));
  return e;
}

async function crosscheckEntry(rootReal: string, dir: string, rel: string): Promise<Entry> {
  const e: Entry = { path: rel, kind: 'crosscheck', notes: [], errors: [] };
  const file = path.join(dir, 'crosscheck.md');
  const md = (await readInside(rootReal, file))?.toString('utf8');
  if (md === undefined) {
    e.errors.push('crosscheck.md: cannot be read (or lies outside the results folder)');
    return e;
  }
  e.experiment = /^# Cross-check: (.+)$/m.exec(md)?.[1];
  e.date = await mtime(file);
  const outside = [...md.matchAll(/^### .*\*\*(\d+) outside\*\*/gm)].reduce((n, m) => n + Number(m[1]), 0);
  if (outside) {
    e.valid = false;
    e.notes.push(`${outside} figure${outside > 1 ? 's' : ''} outside their tolerance`);
  } else if (/^### .*every figure within its tolerance/m.test(md)) e.valid = true;
  return e;
}

async function scalingEntry(rootReal: string, dir: string, rel: string): Promise<Entry> {
  const e: Entry = { path: rel, kind: 'scaling', notes: [], errors: [] };
  const s = await readJson(rootReal, path.join(dir, 'scaling.json'), e);
  const header = s?.header as Json | undefined;
  e.experiment = str(header?.name);
  e.runtime = str(header?.runtime);
  if (Array.isArray(header?.populations)) e.variant = `populations ${header.populations.join(', ')}`;
  if (Array.isArray(s?.rows) && s.rows.some((r) => (r as Json)?.valid === false)) {
    e.valid = false;
    e.notes.push('a population run is not valid');
  } else if (Array.isArray(s?.rows)) e.valid = true;
  e.date = await mtime(path.join(dir, 'scaling.json'));
  return e;
}

/** every results folder under `rootReal` (the results directory's realpath), sorted by path */
export async function scanResults(rootReal: string): Promise<Entry[]> {
  const out: Entry[] = [];
  async function walk(dir: string, rel: string, depth: number): Promise<void> {
    let items: Dirent[];
    try {
      items = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const files = new Set(items.filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name));
    if (rel) {
      if (files.has('run.json') || files.has('summary.json') || files.has('live.json')) {
        out.push(await runEntry(rootReal, dir, rel, files));
        return; // a run's own folders (raw/, plots/...) are not results of their own
      }
      if (files.has('comparison.json') || files.has('comparison.md')) out.push(await comparisonEntry(rootReal, dir, rel, files));
      else if (files.has('crosscheck.md')) out.push(await crosscheckEntry(rootReal, dir, rel));
      else if (files.has('scaling.json')) out.push(await scalingEntry(rootReal, dir, rel));
    }
    if (depth >= MAX_DEPTH) return;
    // real folders only: a symlinked folder is neither followed (it may lead out, or round) nor listed
    for (const d of items.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      await walk(path.join(dir, d.name), rel ? `${rel}/${d.name}` : d.name, depth + 1);
    }
  }
  await walk(rootReal, '', 0);
  return out;
}
