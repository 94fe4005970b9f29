// Last.fm 1K listening histories (userid-timestamp-artid-artname-traid-traname.tsv): one play per
// line, tab-separated: user id, ISO timestamp, artist id, artist name, track id, track name. The
// file lists each user's plays newest first; we sort. Sessions are cut at gaps of more than
// `gapMs`; a play followed by the next one sooner than the track could have ended was skipped.
//
// The whole data set is 19 million lines over four years, and a run replays a day or a week of it.
// So plays are held in columns (typed arrays: 20 bytes a play, about 380 MB for the whole file,
// against several GB as one object per play), and events are made only for the window the run
// replays (`window`), once the file's first week is known.
import { trackDurationSec } from '../../../node-image/core/content.ts';
import { bulkMask, Column, eachLine, mondayOf, TraceError, type TraceEvent, type TraceWindow, trackId } from '../trace.ts';

export interface ImportOptions {
  gapMs?: number;
  country?: string;
  warn?: (line: string) => void;
  /** only the events inside the window are made (workload time, 0 = Monday 00:00 UTC of the first play's week); default: every event */
  window?: TraceWindow;
}

export async function importLastfm(file: string, o: ImportOptions = {}): Promise<TraceEvent[]> {
  const gap = o.gapMs ?? 30 * 60_000;
  const at = new Column(new Float64Array(1 << 16), (n) => new Float64Array(n));
  const track = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const userOf = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const lineOf = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const userIndex = new Map<string, number>();
  const users: string[] = [];
  await eachLine(file, (line, n) => {
    const f = line.split('\t');
    if (f.length < 6) throw new TraceError(`${file}:${n}: expected 6 tab-separated fields (user id, timestamp, artist id, artist name, track id, track name), found ${f.length}`);
    const t = Date.parse(f[1]);
    if (!Number.isFinite(t)) throw new TraceError(`${file}:${n}: field 2 (timestamp) is not an ISO time: ${JSON.stringify(f[1])}`);
    if (!f[0]) throw new TraceError(`${file}:${n}: field 1 (user id) is empty`);
    if (!f[4] && !f[5]) throw new TraceError(`${file}:${n}: fields 5 and 6 (track id, track name) are both empty: the play names no track`);
    let u = userIndex.get(f[0]);
    if (u === undefined) {
      u = users.push(f[0]) - 1;
      userIndex.set(f[0], u);
    }
    at.push(t);
    // the track id is often missing in the data set: fall back to artist + name
    track.push(trackId(f[4] || `${f[3]}\u0000${f[5]}`));
    userOf.push(u);
    lineOf.push(n);
  });
  const count = at.length;
  const keep = bulkMask(at.data, count, (i) => `${file}:${lineOf.data[i]}`, o.warn ?? (() => {}));
  // each user's plays in time order: a counting sort by user (linear), then each user's run by
  // time; the data set's runs are already in order, newest first, and are only reversed
  const start = new Uint32Array(users.length + 1);
  for (let i = 0; i < count; i++) if (keep[i]) start[userOf.data[i] + 1]++;
  for (let u = 0; u < users.length; u++) start[u + 1] += start[u];
  const order = new Uint32Array(start[users.length]);
  const fill = start.slice(0, users.length);
  for (let i = 0; i < count; i++) if (keep[i]) order[fill[userOf.data[i]]++] = i;
  const time = at.data;
  let first = Infinity;
  for (let u = 0; u < users.length; u++) {
    const run = order.subarray(start[u], start[u + 1]);
    sortByTime(run, time);
    if (run.length) first = Math.min(first, time[run[0]]);
  }
  if (!Number.isFinite(first)) return [];
  const t0 = mondayOf(first);
  const { fromMs, toMs } = o.window?.(first - t0 - 1000, t0) ?? { fromMs: -Infinity, toMs: Infinity };
  const out: TraceEvent[] = [];
  const put = (e: TraceEvent) => {
    if (e.t >= fromMs && e.t < toMs) out.push(e);
  };
  const country = o.country ? { country: o.country } : {};
  for (let u = 0; u < users.length; u++) {
    const user = users[u];
    for (let k = start[u]; k < start[u + 1]; k++) {
      const i = order[k];
      const p = time[i];
      const t = p - t0;
      // every event of a play lies within [t - 1000, ends + 1000]; plays far outside the window make none
      if (t + 2 * 3_600_000 < fromMs || t - 1000 >= toMs) continue;
      const prev = k > start[u] ? time[order[k - 1]] : null;
      const next = k + 1 < start[u + 1] ? time[order[k + 1]] : null;
      if (prev === null || p - prev > gap) put({ t: t - 1000, user, action: 'login', ...country });
      put({ t, user, action: 'play', track: track.data[i], access: 'playlist' });
      const ends = p + trackDurationSec(track.data[i]) * 1000;
      if (next !== null && next - p <= gap && next < ends) put({ t: next - t0 - 1, user, action: 'skip' });
      if (next === null || next - p > gap) put({ t: Math.max(t, ends - t0) + 1000, user, action: 'logout' });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/** sort play indices by time, in place; a run already in order either way costs one pass */
function sortByTime(run: Uint32Array, time: Float64Array): void {
  let up = true;
  let down = true;
  for (let k = 1; k < run.length && (up || down); k++) {
    const d = time[run[k]] - time[run[k - 1]];
    if (d < 0) up = false;
    if (d > 0) down = false;
  }
  if (up) return;
  if (down) {
    run.reverse();
    return;
  }
  run.sort((a, b) => time[a] - time[b] || a - b);
}
