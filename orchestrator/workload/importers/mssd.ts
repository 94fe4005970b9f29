// Spotify Music Streaming Sessions Dataset (training_set/log_*.csv): one track play per row with
// session_id, session_position, session_length, track_id_clean, skip_1, skip_2, skip_3,
// not_skipped, ..., hour_of_day, date, premium, context_type, ... The data set has no user ids:
// each session is its own user. Times come from date + hour_of_day (no minutes: plays of a
// session follow each other from a random minute of that hour, seeded by the session id). Skip
// flags give where a play ended: skip_1 very early, skip_2 early, skip_3 most of the way.
import fs from 'node:fs';
import readline from 'node:readline';
import { trackDurationSec } from '../../../node-image/core/content.ts';
import { dropOutliers, inWindow, mondayOf, TraceError, type TraceEvent, type TraceWindow, trackId } from '../trace.ts';

const REQUIRED = ['session_id', 'session_position', 'track_id_clean', 'skip_1', 'skip_2', 'skip_3', 'hour_of_day', 'date', 'premium', 'context_type'];
const truthy = (v: string) => v === 'true' || v === 'True' || v === '1';
const BOOLEAN = new Set(['true', 'false', 'True', 'False', '1', '0']);

export async function importMssd(file: string, o: { country?: string; warn?: (line: string) => void; window?: TraceWindow } = {}): Promise<TraceEvent[]> {
  const rl = readline.createInterface({ input: fs.createReadStream(file) });
  let header: string[] | null = null;
  let n = 0;
  let rows: Record<string, string>[] = [];
  for await (const raw of rl) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim()) continue;
    const f = line.split(',');
    if (!header) {
      header = f.map((x) => x.trim());
      const missing = REQUIRED.filter((r) => !header!.includes(r));
      if (missing.length) throw new TraceError(`${file}:1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header must name at least ${REQUIRED.join(', ')}`);
      continue;
    }
    if (f.length !== header.length) throw new TraceError(`${file}:${n}: ${f.length} fields where the header has ${header.length}`);
    const row = Object.fromEntries(header.map((h, i) => [h, f[i]]));
    if (!Number.isInteger(Number(row.session_position)) || Number(row.session_position) < 1)
      throw new TraceError(`${file}:${n}: session_position must be a whole number >= 1, got ${JSON.stringify(row.session_position)}`);
    // Number('') is 0: an empty hour would silently be midnight
    const h = row.hour_of_day.trim() === '' ? Number.NaN : Number(row.hour_of_day);
    if (!Number.isInteger(h) || h < 0 || h > 23) throw new TraceError(`${file}:${n}: hour_of_day must be 0-23, got ${JSON.stringify(row.hour_of_day)}`);
    if (!Number.isFinite(Date.parse(row.date))) throw new TraceError(`${file}:${n}: date is not a date like 2018-07-15: ${JSON.stringify(row.date)}`);
    for (const k of ['session_id', 'track_id_clean']) if (!row[k]) throw new TraceError(`${file}:${n}: ${k} is empty`);
    for (const k of ['skip_1', 'skip_2', 'skip_3', 'premium']) if (!BOOLEAN.has(row[k])) throw new TraceError(`${file}:${n}: ${k} must be true or false, got ${JSON.stringify(row[k])}`);
    rows.push({ ...row, __line: String(n) });
  }
  const sessions = new Map<string, Record<string, string>[]>();
  const rowTime = (r: Record<string, string>) => Date.parse(r.date) + Number(r.hour_of_day) * 3_600_000;
  rows = dropOutliers(rows, rowTime, (r) => `${file}:${r.__line}`, o.warn ?? (() => {}));
  // one pass, no array copied per row, no spread of 150k values into Math.min (the stack overflowed)
  for (const r of rows) {
    const list = sessions.get(r.session_id);
    if (list) list.push(r);
    else sessions.set(r.session_id, [r]);
  }
  let first = Infinity;
  for (const s of sessions.values()) first = Math.min(first, Date.parse(s[0].date) + Number(s[0].hour_of_day) * 3_600_000);
  const t0 = mondayOf(first);
  const out: TraceEvent[] = [];
  for (const [id, rs] of sessions) {
    rs.sort((a, b) => Number(a.session_position) - Number(b.session_position));
    const user = `s-${id}`;
    let t = Date.parse(rs[0].date) + Number(rs[0].hour_of_day) * 3_600_000 - t0 + (trackId(id) % 3_000_000);
    const quality = truthy(rs[0].premium) ? 'q9' : 'q5';
    out.push({ t, user, action: 'login', quality, ...(o.country ? { country: o.country } : {}) });
    t += 1000;
    for (const r of rs) {
      const track = trackId(r.track_id_clean);
      const dur = trackDurationSec(track) * 1000;
      out.push({ t, user, action: 'play', track, quality, access: r.context_type === 'catalog' || r.context_type === 'charts' ? 'random' : 'playlist' });
      const share = truthy(r.skip_1) ? 0.05 : truthy(r.skip_2) ? 0.2 : truthy(r.skip_3) ? 0.7 : 1;
      t += Math.round(dur * share);
      if (share < 1) out.push({ t, user, action: 'skip' });
      t += 1000;
    }
    out.push({ t, user, action: 'logout' });
  }
  return inWindow(
    out.sort((a, b) => a.t - b.t),
    o.window,
    t0,
  );
}
