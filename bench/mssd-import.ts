// The MSSD import at and beyond the data set's file sizes: a generated log shaped like
// training_set/log_*.csv (all 21 columns, sessions of 10 to 20 plays, a week of dates, skips as
// common as in the data set), imported for one day's window (what a run does) and whole. Each
// import runs in a process of its own, so that its peak RSS is its own and not the largest of
// everything before it. The real files cannot be downloaded here. Rows by argument (default:
// 10^6 and 10^7); the files are written under the system's temporary directory and deleted.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importMssd } from '../orchestrator/workload/importers/mssd.ts';

const HEADER =
  'session_id,session_position,session_length,track_id_clean,skip_1,skip_2,skip_3,not_skipped,context_switch,no_pause_before_play,short_pause_before_play,long_pause_before_play,hist_user_behavior_n_seekfwd,hist_user_behavior_n_seekback,hist_user_behavior_is_shuffle,hour_of_day,date,premium,context_type,hist_user_behavior_reason_start,hist_user_behavior_reason_end';
const CONTEXTS = ['editorial_playlist', 'user_collection', 'catalog', 'radio', 'charts', 'personalized_playlist'];
const REASONS = ['trackdone', 'fwdbtn', 'backbtn', 'clickrow', 'endplay'];
// Monday 2018-07-16, the second day of the generated week (workload time counts from Monday 2018-07-09)
const DAY = { fromMs: 7 * 86_400_000, toMs: 8 * 86_400_000 };

async function generate(file: string, total: number): Promise<void> {
  const out = fs.createWriteStream(file);
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  const lines: string[] = [HEADER + '\n'];
  let written = 0;
  for (let s = 0; written < total; s++) {
    const id = `0_${hex(Math.imul(s, 2654435761))}-${hex(s).slice(4)}-4de7-a324-a1de7ae1b6ff`;
    const length = Math.min(10 + Math.floor(rnd() * 11), total - written);
    const hour = Math.floor(rnd() * 24);
    const date = `2018-07-${15 + Math.floor(rnd() * 7)}`;
    const premium = rnd() < 0.8;
    const context = CONTEXTS[Math.floor(rnd() * CONTEXTS.length)];
    for (let p = 1; p <= length; p++) {
      // about half the plays skipped, as in the data set; popular tracks far more often than others
      const skip1 = rnd() < 0.4;
      const skip2 = skip1 || rnd() < 0.15;
      const skip3 = skip2 || rnd() < 0.1;
      const track = Math.floor(rnd() ** 3 * 3_700_000);
      lines.push(
        `${id},${p},${length},t_${hex(track)}-27d2-41d6-a5b6-bd14a6b5b4e8,${skip1},${skip2},${skip3},${!skip3},0,${p > 1},false,false,0,0,${rnd() < 0.3},${hour},${date},${premium},${context},${REASONS[Math.floor(rnd() * 5)]},${skip3 ? 'fwdbtn' : 'trackdone'}\n`,
      );
      if (lines.length >= 5000) {
        if (!out.write(lines.join(''))) await new Promise<void>((r) => out.once('drain', () => r()));
        lines.length = 0;
      }
    }
    written += length;
  }
  out.write(lines.join(''));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

interface Measured {
  seconds: number;
  events: number;
  plays: number;
  peakRssMB: number;
}

/** one import in this process: what the child runs */
async function measure(file: string, window: boolean): Promise<Measured> {
  const t = performance.now();
  const events = await importMssd(file, { country: 'SE', warn: (l) => process.stderr.write(`warning: ${l}\n`), ...(window ? { window: () => DAY } : {}) });
  const seconds = (performance.now() - t) / 1000;
  let plays = 0;
  for (const e of events) if (e.action === 'play') plays++;
  return { seconds: +seconds.toFixed(2), events: events.length, plays, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

function inChild(file: string, window: boolean): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--measure', file, window ? 'day' : 'whole'], { execArgv: process.execArgv });
    let result: Measured | null = null;
    child.on('message', (m) => (result = m as Measured));
    child.on('error', reject);
    child.on('exit', (code, signal) => (result ? resolve(result) : reject(new Error(`the import of ${file} exited with ${signal ?? code} and no result`))));
  });
}

export async function run(args: string[]) {
  const sizes = args.length ? args.map(Number) : [1e6, 1e7];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-mssd-'));
  const results = [];
  try {
    for (const rows of sizes) {
      const file = path.join(dir, 'log_0_20180715_000000000000.csv');
      process.stderr.write(`generating ${rows.toLocaleString('en')} rows\n`);
      const t = performance.now();
      await generate(file, rows);
      const generateSeconds = +((performance.now() - t) / 1000).toFixed(1);
      const bytes = fs.statSync(file).size;
      const day = await inChild(file, true);
      const whole = await inChild(file, false);
      fs.rmSync(file);
      results.push({ rows, bytes, generateSeconds, day, whole, secondsPerMillionRows: { day: +(day.seconds / (rows / 1e6)).toFixed(2), whole: +(whole.seconds / (rows / 1e6)).toFixed(2) } });
      process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
    }
    return { results };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure' && process.argv[1] === import.meta.filename) {
  const r = await measure(process.argv[3], process.argv[4] === 'day');
  process.send!(r);
  process.disconnect();
}
