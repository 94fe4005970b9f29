// Spotify Music Streaming Sessions Dataset (training_set/log_*.csv): one track play per row with
// session_id, session_position, session_length, track_id_clean, skip_1, skip_2, skip_3,
// not_skipped, ..., hour_of_day, date, premium, context_type, ... The data set has no user ids:
// each session is its own user. Times come from date + hour_of_day (no minutes: plays of a
// session follow each other from a random minute of that hour, seeded by the session id). Skip
// flags give where a play ended: skip_1 very early, skip_2 early, skip_3 most of the way.
//
// The data set's files hold millions of rows each (150 k sessions are 2.7 M rows). One object per
// row took 4.4 GB at that size and ran out of memory at 3.7 M rows, so rows are held in columns
// as the Last.fm importer holds its plays (29 bytes a row, session ids once per session), and
// events are made only for the window the run replays.
import { trackDurationSec } from '../../../node-image/core/content.ts';
import { bulkMask, Column, eachLine, mondayOf, TraceError, type TraceEvent, type TraceWindow, trackId } from '../trace.ts';

const REQUIRED = ['session_id', 'session_position', 'track_id_clean', 'skip_1', 'skip_2', 'skip_3', 'hour_of_day', 'date', 'premium', 'context_type'] as const;
const truthy = (v: string) => v === 'true' || v === 'True' || v === '1';
const BOOLEAN = new Set(['true', 'false', 'True', 'False', '1', '0']);
// a row's flags in one byte
const SKIP_1 = 1;
const SKIP_2 = 2;
const SKIP_3 = 4;
const PREMIUM = 8;
const RANDOM = 16;
const FLAGS = [
  ['skip_1', SKIP_1],
  ['skip_2', SKIP_2],
  ['skip_3', SKIP_3],
  ['premium', PREMIUM],
] as const;

/**
 * A copy of a field that does not hold on to its line: V8 cuts fields as views of the line they
 * came from, and a session id kept for the whole import would keep its ~200-byte line with it.
 */
const own = (s: string) => (' ' + s).slice(1);

export async function importMssd(file: string, o: { country?: string; warn?: (line: string) => void; window?: TraceWindow } = {}): Promise<TraceEvent[]> {
  const sessionOf = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const position = new Column(new Float64Array(1 << 16), (n) => new Float64Array(n));
  const time = new Column(new Float64Array(1 << 16), (n) => new Float64Array(n));
  const track = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const flags = new Column(new Uint8Array(1 << 16), (n) => new Uint8Array(n));
  const lineOf = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const sessionIndex = new Map<string, number>();
  const ids: string[] = [];
  // where each required column is in a row; a column the header names twice is its later one
  let at: Record<(typeof REQUIRED)[number], number> | null = null;
  let width = 0;
  // ends[k]: where field k of the row being read ends
  let ends = new Int32Array(0);
  // a file holds a few dates, row after row the same
  let lastDate = '';
  let lastDay = Number.NaN;
  await eachLine(file, (line, n) => {
    if (!at) {
      const header = line.split(',').map((x) => x.trim());
      const missing = REQUIRED.filter((r) => !header.includes(r));
      if (missing.length) throw new TraceError(`${file}:1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header must name at least ${REQUIRED.join(', ')}`);
      at = Object.fromEntries(REQUIRED.map((r) => [r, header.lastIndexOf(r)])) as Record<(typeof REQUIRED)[number], number>;
      width = header.length;
      ends = new Int32Array(width);
      return;
    }
    // the row is cut only where a required field is needed, not into an array of every field
    let fields = 1;
    for (let c = line.indexOf(','); c !== -1; c = line.indexOf(',', c + 1)) if (fields++ <= width) ends[fields - 2] = c;
    if (fields !== width) throw new TraceError(`${file}:${n}: ${fields} fields where the header has ${width}`);
    ends[width - 1] = line.length;
    const field = (k: number) => line.slice(k === 0 ? 0 : ends[k - 1] + 1, ends[k]);
    const pos = field(at.session_position);
    const p = Number(pos);
    if (!Number.isInteger(p) || p < 1) throw new TraceError(`${file}:${n}: session_position must be a whole number >= 1, got ${JSON.stringify(pos)}`);
    // Number('') is 0: an empty hour would silently be midnight
    const hour = field(at.hour_of_day);
    const h = hour.trim() === '' ? Number.NaN : Number(hour);
    if (!Number.isInteger(h) || h < 0 || h > 23) throw new TraceError(`${file}:${n}: hour_of_day must be 0-23, got ${JSON.stringify(hour)}`);
    const date = field(at.date);
    if (date !== lastDate) {
      lastDate = date;
      lastDay = Date.parse(date);
    }
    if (!Number.isFinite(lastDay)) throw new TraceError(`${file}:${n}: date is not a date like 2018-07-15: ${JSON.stringify(date)}`);
    const id = field(at.session_id);
    if (!id) throw new TraceError(`${file}:${n}: session_id is empty`);
    const trackName = field(at.track_id_clean);
    if (!trackName) throw new TraceError(`${file}:${n}: track_id_clean is empty`);
    let bits = 0;
    for (const [k, bit] of FLAGS) {
      const v = field(at[k]);
      if (!BOOLEAN.has(v)) throw new TraceError(`${file}:${n}: ${k} must be true or false, got ${JSON.stringify(v)}`);
      if (truthy(v)) bits |= bit;
    }
    const context = field(at.context_type);
    if (context === 'catalog' || context === 'charts') bits |= RANDOM;
    let s = sessionIndex.get(id);
    if (s === undefined) {
      const kept = own(id);
      s = ids.push(kept) - 1;
      sessionIndex.set(kept, s);
    }
    sessionOf.push(s);
    position.push(p);
    time.push(lastDay + h * 3_600_000);
    track.push(trackId(trackName));
    flags.push(bits);
    lineOf.push(n);
  });
  sessionIndex.clear();
  const count = time.length;
  const keep = bulkMask(time.data, count, (i) => `${file}:${lineOf.data[i]}`, o.warn ?? (() => {}));
  // sessions in the order of their first row kept, each one's rows in file order: a counting sort
  // (linear); `rank` is a session's place in that order, `byRank` the session at a place
  const rank = new Int32Array(ids.length).fill(-1);
  const byRank = new Uint32Array(ids.length);
  let sessions = 0;
  for (let i = 0; i < count; i++) if (keep[i] && rank[sessionOf.data[i]] < 0) byRank[(rank[sessionOf.data[i]] = sessions++)] = sessionOf.data[i];
  if (!sessions) return [];
  const start = new Uint32Array(sessions + 1);
  for (let i = 0; i < count; i++) if (keep[i]) start[rank[sessionOf.data[i]] + 1]++;
  for (let r = 0; r < sessions; r++) start[r + 1] += start[r];
  const order = new Uint32Array(start[sessions]);
  const fill = start.slice(0, sessions);
  for (let i = 0; i < count; i++) if (keep[i]) order[fill[rank[sessionOf.data[i]]]++] = i;
  const at0 = time.data;
  const pos = position.data;
  // the trace's week is that of the earliest session's first row in the file (before its rows are
  // put in session_position order), as it always was
  let first = Infinity;
  for (let r = 0; r < sessions; r++) first = Math.min(first, at0[order[start[r]]]);
  const t0 = mondayOf(first);
  const login = new Float64Array(sessions);
  let firstEvent = Infinity;
  for (let r = 0; r < sessions; r++) {
    const run = order.subarray(start[r], start[r + 1]);
    // ties keep the file's order; the data set's sessions are already in order
    let sorted = true;
    for (let k = 1; k < run.length && sorted; k++) sorted = pos[run[k - 1]] <= pos[run[k]];
    if (!sorted) run.sort((a, b) => pos[a] - pos[b] || a - b);
    login[r] = at0[run[0]] - t0 + (trackId(ids[byRank[r]]) % 3_000_000);
    firstEvent = Math.min(firstEvent, login[r]);
  }
  const { fromMs, toMs } = o.window?.(firstEvent, t0) ?? { fromMs: -Infinity, toMs: Infinity };
  const out: TraceEvent[] = [];
  const put = (e: TraceEvent) => {
    if (e.t >= fromMs && e.t < toMs) out.push(e);
  };
  for (let r = 0; r < sessions; r++) {
    // a session's events all come after its login
    if (login[r] >= toMs) continue;
    const user = `s-${ids[byRank[r]]}`;
    let t = login[r];
    const quality = flags.data[order[start[r]]] & PREMIUM ? 'q9' : 'q5';
    put({ t, user, action: 'login', quality, ...(o.country ? { country: o.country } : {}) });
    t += 1000;
    for (let k = start[r]; k < start[r + 1]; k++) {
      const i = order[k];
      const bits = flags.data[i];
      const dur = trackDurationSec(track.data[i]) * 1000;
      put({ t, user, action: 'play', track: track.data[i], quality, access: bits & RANDOM ? 'random' : 'playlist' });
      const share = bits & SKIP_1 ? 0.05 : bits & SKIP_2 ? 0.2 : bits & SKIP_3 ? 0.7 : 1;
      t += Math.round(dur * share);
      if (share < 1) put({ t, user, action: 'skip' });
      t += 1000;
    }
    put({ t, user, action: 'logout' });
  }
  return out.sort((a, b) => a.t - b.t);
}
