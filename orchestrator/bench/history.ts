// The benchmark history: one JSON line per suite run, appended, never rewritten except to mark a
// baseline. It lives outside the work tree by default so a fresh clone or a checkout of an old
// commit keeps it (the numbers of old commits are what a new one is compared with).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunRecord } from './measures.ts';

export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (env.TESTBED_BENCH_HISTORY) return path.resolve(env.TESTBED_BENCH_HISTORY);
  return path.join(home, '.local', 'share', 'p2p-music-testbed', 'bench-history.jsonl');
}

interface BadLine {
  /** 1-based */
  line: number;
  reason: string;
}

export interface History {
  records: RunRecord[];
  /** lines that are not a run record: skipped (a run killed mid-write leaves half a line) */
  bad: BadLine[];
}

function recordProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'not an object';
  const r = x as Partial<RunRecord>;
  if (typeof r.commit !== 'string') return 'no commit';
  if (typeof r.date !== 'string') return 'no date';
  if (typeof r.machine !== 'object' || r.machine === null || typeof r.machine.kind !== 'string') return 'no machine kind';
  if (!Array.isArray(r.measures)) return 'no measures';
  for (const m of r.measures) {
    if (typeof m?.name !== 'string' || !Array.isArray(m.samples) || !m.samples.every((s) => typeof s === 'number')) return 'a measure without name or numeric samples';
    if (m.better !== 'lower' && m.better !== 'higher') return `measure ${m.name}: better is neither lower nor higher`;
  }
  return null;
}

export function parseHistory(text: string): History {
  const records: RunRecord[] = [];
  const bad: BadLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let x: unknown;
    try {
      x = JSON.parse(raw);
    } catch {
      bad.push({ line: i + 1, reason: 'not JSON' });
      return;
    }
    const problem = recordProblem(x);
    if (problem) bad.push({ line: i + 1, reason: problem });
    else records.push(x as RunRecord);
  });
  return { records, bad };
}

/** an absent file is an empty history: the first run on a machine */
export function readHistory(file: string): History {
  if (!fs.existsSync(file)) return { records: [], bad: [] };
  return parseHistory(fs.readFileSync(file, 'utf8'));
}

export function appendRecord(file: string, record: RunRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // a line left without its newline by an interrupted write would swallow this record too
  const prefix = fs.existsSync(file) && fs.statSync(file).size > 0 && !fs.readFileSync(file, 'utf8').endsWith('\n') ? '\n' : '';
  fs.appendFileSync(file, prefix + JSON.stringify(record) + '\n');
}

/** the text with its newest valid record marked `baseline: true`; null when there is none */
export function markNewestBaseline(text: string): { text: string; record: RunRecord } | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const { records } = parseHistory(lines[i]);
    if (!records.length) continue;
    const record = { ...records[0], baseline: true };
    lines[i] = JSON.stringify(record);
    return { text: lines.join('\n'), record };
  }
  return null;
}

/** marks the newest record as the baseline in place (through a temporary file, so a crash loses nothing) */
export function acceptNewest(file: string): RunRecord | null {
  if (!fs.existsSync(file)) return null;
  const marked = markNewestBaseline(fs.readFileSync(file, 'utf8'));
  if (!marked) return null;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, marked.text);
  fs.renameSync(tmp, file);
  return marked.record;
}
