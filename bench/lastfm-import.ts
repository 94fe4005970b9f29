// The Last.fm-1K import at the data set's full size: a generated file shaped like
// userid-timestamp-artid-artname-traid-traname.tsv (992 users, 19,150,868 lines, each user's plays
// newest first, February 2005 to June 2009, 12 % of track ids empty as in the data set), imported
// whole and for one week's window as a run does. The real file cannot be downloaded here; its
// line count, user count and span are those its README gives. Lines by argument (default: all).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importLastfm } from '../orchestrator/workload/importers/lastfm.ts';

const USERS = 992;
const LINES = 19_150_868;

async function generate(file: string, total: number): Promise<void> {
  const out = fs.createWriteStream(file);
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const from = Date.UTC(2005, 1, 14);
  const to = Date.UTC(2009, 5, 19);
  let written = 0;
  for (let u = 1; u <= USERS; u++) {
    const n = u === USERS ? total - written : Math.floor(total / USERS);
    let t = to - Math.floor(rnd() * 30 * 86_400_000);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      // mostly a track every 1-5 minutes, now and then a pause of up to two days
      t -= rnd() < 0.05 ? Math.floor(rnd() * 2 * 86_400_000) : 60_000 + Math.floor(rnd() * 240_000);
      if (t < from) t = from + Math.floor(rnd() * 1000);
      const artist = Math.floor(rnd() * 100_000);
      const track = Math.floor(rnd() * 1_000_000);
      const id = rnd() < 0.12 ? '' : `${track.toString(16).padStart(8, '0')}-1111-2222-3333-444455556666`;
      lines.push(`user_${String(u).padStart(6, '0')}\t${new Date(t - (t % 1000)).toISOString().replace('.000Z', 'Z')}\t${artist.toString(16)}-aaaa-bbbb\tArtist ${artist}\t${id}\tTrack ${track}\n`);
      if (lines.length === 5000) {
        if (!out.write(lines.join(''))) await new Promise<void>((r) => out.once('drain', () => r()));
        lines.length = 0;
      }
    }
    if (lines.length) out.write(lines.join(''));
    written += n;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function timed(file: string, window?: { fromMs: number; toMs: number }) {
  const t = Date.now();
  const events = await importLastfm(file, { country: 'SE', warn: (l) => process.stderr.write(`warning: ${l}\n`), ...(window ? { window: () => window } : {}) });
  let plays = 0;
  for (const e of events) if (e.action === 'play') plays++;
  return { seconds: (Date.now() - t) / 1000, events: events.length, plays, heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6) };
}

export async function run(args: string[]) {
  const lines = args[0] ? Number(args[0]) : LINES;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-lastfm-'));
  const file = path.join(dir, 'userid-timestamp-artid-artname-traid-traname.tsv');
  try {
    let t = Date.now();
    process.stderr.write(`generating ${lines.toLocaleString('en')} lines\n`);
    await generate(file, lines);
    const generateSeconds = (Date.now() - t) / 1000;
    const bytes = fs.statSync(file).size;
    // a week in the history's third year, as a run with `start: 2007-04-23` replays it
    const week = await timed(file, { fromMs: 800 * 86_400_000, toMs: 807 * 86_400_000 });
    const peakAfterWeek = Math.round(process.resourceUsage().maxRSS / 1024);
    t = Date.now();
    const whole = await timed(file);
    return {
      lines,
      bytes,
      generateSeconds,
      week: { ...week, peakRssMB: peakAfterWeek },
      whole: { ...whole, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) },
      secondsPerMillionLines: +(whole.seconds / (lines / 1e6)).toFixed(2),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
