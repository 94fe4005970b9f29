import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { trackDurationSec } from '../../node-image/core/content.ts';
import { importMssd } from './importers/mssd.ts';
import { bulkMask, inWindow, mondayOf, TraceError, type TraceEvent, type TraceWindow, trackId } from './trace.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-mssd-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let files = 0;
const tmp = (name: string, text: string) => {
  const f = path.join(root, `${files++}-${name}`);
  fs.writeFileSync(f, text);
  return f;
};

/**
 * The importer as it was before it held its rows in columns (one object per CSV row, 4.4 GB at
 * 2.7 M rows), kept verbatim as the oracle: the columnar one must give the same events, warnings
 * and errors for the same file, quirks included (the header's line is always called 1, the first
 * time is the earliest session's first row in file order, ties keep the file's order).
 */
async function rowPerObject(file: string, o: { country?: string; warn?: (line: string) => void; window?: TraceWindow } = {}): Promise<TraceEvent[]> {
  const REQUIRED = ['session_id', 'session_position', 'track_id_clean', 'skip_1', 'skip_2', 'skip_3', 'hour_of_day', 'date', 'premium', 'context_type'];
  const truthy = (v: string) => v === 'true' || v === 'True' || v === '1';
  const BOOLEAN = new Set(['true', 'false', 'True', 'False', '1', '0']);
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
    const h = row.hour_of_day.trim() === '' ? Number.NaN : Number(row.hour_of_day);
    if (!Number.isInteger(h) || h < 0 || h > 23) throw new TraceError(`${file}:${n}: hour_of_day must be 0-23, got ${JSON.stringify(row.hour_of_day)}`);
    if (!Number.isFinite(Date.parse(row.date))) throw new TraceError(`${file}:${n}: date is not a date like 2018-07-15: ${JSON.stringify(row.date)}`);
    for (const k of ['session_id', 'track_id_clean']) if (!row[k]) throw new TraceError(`${file}:${n}: ${k} is empty`);
    for (const k of ['skip_1', 'skip_2', 'skip_3', 'premium']) if (!BOOLEAN.has(row[k])) throw new TraceError(`${file}:${n}: ${k} must be true or false, got ${JSON.stringify(row[k])}`);
    rows.push({ ...row, __line: String(n) });
  }
  const sessions = new Map<string, Record<string, string>[]>();
  const rowTime = (r: Record<string, string>) => Date.parse(r.date) + Number(r.hour_of_day) * 3_600_000;
  const kept = rows;
  const keep = bulkMask(Float64Array.from(kept, rowTime), kept.length, (i) => `${file}:${kept[i].__line}`, o.warn ?? (() => {}));
  rows = kept.filter((_, i) => keep[i]);
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

const HEADER = [
  'session_id',
  'session_position',
  'session_length',
  'track_id_clean',
  'skip_1',
  'skip_2',
  'skip_3',
  'not_skipped',
  'context_switch',
  'no_pause_before_play',
  'short_pause_before_play',
  'long_pause_before_play',
  'hist_user_behavior_n_seekfwd',
  'hist_user_behavior_n_seekback',
  'hist_user_behavior_is_shuffle',
  'hour_of_day',
  'date',
  'premium',
  'context_type',
  'hist_user_behavior_reason_start',
  'hist_user_behavior_reason_end',
];
const CONTEXTS = ['editorial_playlist', 'user_collection', 'catalog', 'radio', 'charts', 'personalized_playlist'];

/**
 * An MSSD-shaped log (seeded): sessions of 1 to 20 plays, each on its own date and hour, rows of
 * two sessions now and then interleaved and positions now and then out of order or repeated,
 * flags spelt every way the importer takes, a few sessions on one date and hour (ties), one row
 * 48 years early (left out with a warning).
 */
function mssdLog(seed: number, sessions: number): string[] {
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const flag = (v: boolean) => (v ? pick(['true', 'True', '1']) : pick(['false', 'False', '0']));
  const out: string[][] = [];
  for (let s = 0; s < sessions; s++) {
    const id = `${s % 3}_${Math.floor(rnd() * 0xffffffff)
      .toString(16)
      .padStart(8, '0')}-33e5-4de7-a324-a1de7ae1b6ff`;
    const length = 1 + Math.floor(rnd() * 20);
    const tie = s % 7 === 0;
    const hour = String(tie ? 20 : Math.floor(rnd() * 24));
    const date = tie ? '2018-07-18' : `2018-07-${String(15 + Math.floor(rnd() * 7)).padStart(2, '0')}`;
    const premium = flag(rnd() < 0.8);
    const rows: string[][] = [];
    for (let p = 1; p <= length; p++) {
      const skip1 = rnd() < 0.3;
      const skip2 = skip1 || rnd() < 0.2;
      const skip3 = skip2 || rnd() < 0.2;
      const position = rnd() < 0.05 ? p - 1 || 1 : p;
      rows.push([
        id,
        String(position),
        String(length),
        `t_${Math.floor(rnd() * 300)}-aaaa-bbbb`,
        flag(skip1),
        flag(skip2),
        flag(skip3),
        flag(!skip3),
        String(Math.floor(rnd() * 2)),
        '0',
        '0',
        '0',
        '0',
        '0',
        flag(rnd() < 0.3),
        hour,
        date,
        premium,
        pick(CONTEXTS),
        'trackdone',
        'trackdone',
      ]);
    }
    if (rnd() < 0.2) rows.reverse();
    // the next session's rows start among this one's
    if (out.length > 3 && rnd() < 0.2) out.splice(out.length - 2, 0, ...rows);
    else out.push(...rows);
  }
  out[Math.floor(out.length / 3)][16] = '1970-01-01';
  return out.map((r) => r.join(','));
}

type Outcome = { events: TraceEvent[]; warnings: string[]; windowArgs: unknown[][] } | { error: string; message: string };
async function outcome(importer: typeof importMssd, file: string, window?: { fromMs: number; toMs: number }): Promise<Outcome> {
  const warnings: string[] = [];
  const windowArgs: unknown[][] = [];
  try {
    const events = await importer(file, {
      country: 'SE',
      warn: (l) => warnings.push(l),
      ...(window
        ? {
            window: (first, epoch) => {
              windowArgs.push([first, epoch]);
              return window;
            },
          }
        : {}),
    });
    return { events, warnings, windowArgs };
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
}
const same = async (file: string, window?: { fromMs: number; toMs: number }) => {
  const want = await outcome(rowPerObject, file, window);
  expect(await outcome(importMssd, file, window)).toEqual(want);
  return want;
};

describe('MSSD import', () => {
  it('gives the events and warnings of the row-per-object importer for an MSSD-shaped log, whole and windowed', async () => {
    const lines = mssdLog(7, 400);
    const file = tmp('log.csv', '\uFEFF' + [HEADER.join(','), ...lines.slice(0, 50), '', ...lines.slice(50)].join('\n') + '\n');
    const whole = await same(file);
    if (!('events' in whole)) throw new Error(`the log did not import: ${whole.message}`);
    expect(whole.events.length).toBeGreaterThan(4000);
    expect(whole.warnings).toEqual([expect.stringMatching(/^1 event more than 366 days away from the rest of the trace left out: .*log\.csv:\d+$/)]);
    for (const w of [
      { fromMs: 8 * 86_400_000, toMs: 9 * 86_400_000 },
      { fromMs: 9 * 86_400_000 + 20 * 3_600_000, toMs: 9 * 86_400_000 + 22 * 3_600_000 },
      { fromMs: 0, toMs: 1 },
    ])
      await same(file, w);
    // CRLF line ends, and the columns in another order with spaces around the header's names
    const order = [...HEADER.keys()].reverse();
    const crlf = [order.map((i) => ` ${HEADER[i]} `).join(','), ...lines.map((l) => order.map((i) => l.split(',')[i]).join(','))].join('\r\n');
    await same(tmp('crlf.csv', crlf + '\r\n'));
    // a column named twice: the later one is the row's
    await same(tmp('twice.csv', [HEADER.join(',') + ',date', ...lines.map((l) => `${l},2018-07-20`)].join('\n')));
    // no rows: no events, and no window asked for
    await same(tmp('header.csv', HEADER.join(',') + '\n\n'), { fromMs: 0, toMs: 1 });
    await same(tmp('empty.csv', ''));
  });

  it('names the file and line of each bad row, and the columns a header lacks, as the row-per-object importer did', async () => {
    const lines = mssdLog(3, 20);
    const at = (col: string, value: string, row = 9) => {
      const ls = lines.map((l) => l.split(','));
      ls[row][HEADER.indexOf(col)] = value;
      return tmp('bad.csv', [HEADER.join(','), ...ls.map((r) => r.join(','))].join('\n') + '\n');
    };
    const bad = [
      tmp('fields.csv', [HEADER.join(','), ...lines.slice(0, 5), lines[5] + ',x'].join('\n')),
      ...['0', '', '1.5', 'x', '-2'].map((v) => at('session_position', v)),
      ...['', ' ', '24', 'x', '-1', '3.5'].map((v) => at('hour_of_day', v)),
      ...['x', '15/07/2018', ''].map((v) => at('date', v)),
      at('session_id', ''),
      at('track_id_clean', ''),
      ...['skip_1', 'skip_2', 'skip_3', 'premium'].flatMap((c) => ['maybe', '', 'TRUE', ' true'].map((v) => at(c, v))),
      tmp('columns.csv', 'session_id,track_id_clean\n'),
      tmp('column.csv', HEADER.filter((h) => h !== 'premium').join(',') + '\n'),
      tmp('late.csv', '\n\nsession_id,date\n'),
      // two rows 48 years apart: neither is the trace's bulk
      tmp('two.csv', [HEADER.join(','), lines[0], lines[1].replace(/2018-07-\d\d/, '1970-01-01')].join('\n')),
    ];
    for (const f of bad) {
      const want = await same(f);
      expect(want).toMatchObject({ error: 'TraceError', message: expect.stringContaining(f) });
    }
    // a row that is not a row at all, in the middle of good ones
    await same(tmp('spaces.csv', [HEADER.join(','), ...lines.slice(0, 4), ' ', '\t', ...lines.slice(4)].join('\n')));
    // hours and positions with spaces around them, or written as numbers other ways, are still numbers
    await same(at('hour_of_day', ' 7'));
    await same(at('session_position', '2.0'));
    await same(at('session_position', '1e1'));
    await same(at('session_position', '0x3'));
    expect(await outcome(importMssd, path.join(root, 'no-such.csv'))).toEqual(await outcome(rowPerObject, path.join(root, 'no-such.csv')));
  });

  it('agrees with the row-per-object importer on random small logs, good and bad', async () => {
    const token = (good: string[], bad: string[]) => fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
    const bool = token(['true', 'false', 'True', 'False', '1', '0'], ['maybe', '', 'TRUE']);
    const row = fc.tuple(
      token(['a', 'b', 'c', '0_00006f66-33e5-4de7-a324-a1de7ae1b6ff', 'é'], ['']),
      token(['1', '2', '3', '2', '10', ' 4', '1e0'], ['0', '1.5', 'x', '']),
      token(['t1', 't2', 'tré', '🎵', '0_0123456789-abcdef'], ['']),
      bool,
      bool,
      bool,
      token(['0', '5', '23', ' 7', '12'], ['24', '', 'x']),
      token(['2018-07-15', '2018-07-16', '2018-07-21', '2018-07-21T12:00Z', '1970-01-01', '2038-01-19'], ['15/07/2018', 'x']),
      bool,
      token(['catalog', 'charts', 'editorial_playlist', 'radio'], ['catalog,extra']),
    );
    const header = 'session_id,session_position,track_id_clean,skip_1,skip_2,skip_3,hour_of_day,date,premium,context_type';
    const window = fc.option(fc.record({ fromMs: fc.integer({ min: -86_400_000, max: 14 * 86_400_000 }), toMs: fc.integer({ min: 0, max: 30 * 86_400_000 }) }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 40 }), window, async (rows, w) => {
        const f = tmp('random.csv', [header, ...rows.map((r) => r.join(','))].join('\n') + '\n');
        expect(await outcome(importMssd, f, w)).toEqual(await outcome(rowPerObject, f, w));
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});
