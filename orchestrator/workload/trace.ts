// The testbed's trace format (docs/traces.md): JSON Lines, one event per line,
//   {"t": <ms since the trace's start, or an ISO time>, "user": "...", "action": "login|play|skip|seek|logout",
//    "track": <id or name>, "quality": "q5|q9", "country": "SE", "positionMs": <for seek>}
// Replaying a trace maps each user to machines of its country (seeded) and turns its sessions into
// per-machine scripts; importers (importers/) turn other formats into these events first.
import fs from 'node:fs';
import readline from 'node:readline';
import type { Quality } from '../../node-image/core/reports.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { UserFacingError } from '../errors.ts';
import { seededRandom } from '../util/random.ts';
import type { Machine, WorkloadResult } from './synthetic.ts';

export interface TraceEvent {
  t: number;
  user: string;
  action: 'login' | 'play' | 'skip' | 'seek' | 'logout';
  track?: number;
  quality?: Quality;
  country?: string;
  positionMs?: number;
  access?: 'playlist' | 'random';
}

/**
 * Where a trace's replay starts, in its workload time (0 = Monday 00:00 UTC of its first event's
 * week): that Monday, the minute of its first event (a trace that begins on a Thursday), an offset
 * after that Monday, or a date (a week of a history that spans years, such as Last.fm-1K's). The
 * run's clock, its faults and its duration count from there.
 */
export type TraceStart = { at: 'week' } | { at: 'first-event' } | { at: 'offset'; ms: number } | { at: 'date'; ms: number; text: string };

/**
 * The part of a trace a run replays, given where the trace begins: the first event's workload time
 * and the real time (epoch ms) of workload 0, null when the trace's times are not dates.
 */
export type TraceWindow = (firstEventMs: number, epochMs: number | null) => { fromMs: number; toMs: number };

/** where a trace's replay starts in its workload time; the first event's minute for `first-event` */
export function traceStartMs(start: TraceStart, firstEventMs: number, epochMs: number | null): number {
  if (start.at === 'week') return 0;
  if (start.at === 'offset') return start.ms;
  if (start.at === 'first-event') return Math.max(0, Math.floor(firstEventMs / 60_000) * 60_000);
  if (epochMs === null) throw new TraceError(`start: ${start.text} is a date, but the trace's times are not dates (ms since its start): give first-event or a duration`);
  if (start.ms < epochMs) throw new TraceError(`start: ${start.text} is before the trace's first week, which begins on Monday ${new Date(epochMs).toISOString().slice(0, 10)}`);
  return start.ms - epochMs;
}

/** the Monday 00:00 UTC (epoch ms) of the week holding `ms`: workload time 0 of a trace with dates */
export function mondayOf(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * 86_400_000;
}

/** the events of `events` (sorted) inside the window, for the readers that hold a whole trace anyway */
export function inWindow(events: TraceEvent[], window: TraceWindow | undefined, epochMs: number | null): TraceEvent[] {
  if (!window || !events.length) return events;
  const { fromMs, toMs } = window(events[0].t, epochMs);
  return events.filter((e) => e.t >= fromMs && e.t < toMs);
}

export class TraceError extends UserFacingError {}

const ACTIONS = ['login', 'play', 'skip', 'seek', 'logout'];

/**
 * The span of a trace's times that is its bulk: the stretch around the median in which no two
 * consecutive times (sorted) are more than `maxGapDays` apart. A 1970 timestamp in a 2009 history,
 * or a clock set to 2038, lies beyond such a gap and would move the whole trace's week decades
 * away; a history that really spans years (Last.fm-1K: 2005 to 2009) has no such gap and is kept
 * whole. `sorted` is ascending.
 */
export function bulkSpan(sorted: ArrayLike<number>, maxGapDays = 366): { lo: number; hi: number } {
  const gap = maxGapDays * 86_400_000;
  const mid = Math.floor(sorted.length / 2);
  let lo = mid;
  let hi = mid;
  while (lo > 0 && sorted[lo] - sorted[lo - 1] <= gap) lo--;
  while (hi < sorted.length - 1 && sorted[hi + 1] - sorted[hi] <= gap) hi++;
  return { lo: sorted[lo], hi: sorted[hi] };
}

/**
 * Which of the first `count` times lie inside the trace's bulk (bulkSpan): 1 kept, 0 left out, the
 * ones left out named in one warning (`where` gives the line of an index). On a column of times, so
 * that the Last.fm importer's 19 million plays need no object each.
 */
export function bulkMask(times: Float64Array, count: number, where: (i: number) => string, warn: (line: string) => void, maxGapDays = 366): Uint8Array {
  const keep = new Uint8Array(count).fill(1);
  // two events have no bulk to keep: more than the gap apart, neither can be told the stray one,
  // and the week would be the earlier one's, leaving the other out of every window without a word
  if (count === 2 && Math.abs(times[1] - times[0]) > maxGapDays * 86_400_000)
    throw new TraceError(
      `${where(0)} and ${where(1)} are ${Math.round(Math.abs(times[1] - times[0]) / 86_400_000)} days apart, more than ${maxGapDays}: with two events neither is the trace's bulk; remove the one that is wrong`,
    );
  if (count < 3) return keep;
  const { lo, hi } = bulkSpan(times.slice(0, count).sort(), maxGapDays);
  const far: number[] = [];
  for (let i = 0; i < count; i++)
    if (times[i] < lo || times[i] > hi) {
      keep[i] = 0;
      far.push(i);
    }
  if (far.length)
    warn(
      `${far.length} event${far.length > 1 ? 's' : ''} more than ${maxGapDays} days away from the rest of the trace left out: ${far.slice(0, 5).map(where).join(', ')}${far.length > 5 ? ', ...' : ''}`,
    );
  return keep;
}

/** a growable typed column: one allocation per doubling instead of one object per row of a trace */
export class Column<T extends Float64Array | Uint32Array | Uint8Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Calls `each` with every line of a text file that is not blank and its number (counting from 1,
 * blank lines included, so that errors name the line an editor shows), without a byte-order mark.
 * A throw from `each` stops the reading and rejects. One line at a time: the data sets' files are
 * gigabytes.
 */
export function eachLine(file: string, each: (line: string, n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = fs.createReadStream(file);
    // crlfDelay: a CR that ends one chunk and its LF that starts the next are one line end however
    // long a pause (a collection of a large heap) comes between them
    const rl = readline.createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      rl.close();
      input.destroy();
      reject(err);
    };
    rl.on('line', (raw) => {
      // lines of the chunk being split still come after a close
      if (failed) return;
      n++;
      const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (!line.trim()) return;
      try {
        each(line, n);
      } catch (err) {
        fail(err);
      }
    });
    rl.on('error', fail);
    input.on('error', fail);
    rl.on('close', () => {
      if (!failed) resolve();
    });
  });
}

/** Track names become stable numeric ids (FNV-1a), so the same track is the same object everywhere. */
export function trackId(key: string | number): number {
  if (typeof key === 'number' && Number.isInteger(key) && key > 0) return key;
  let h = 0x811c9dc5;
  for (const c of String(key)) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (h % 2_000_000_000) + 1;
}

export async function readTrace(file: string, window?: TraceWindow): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  let t0: number | null = null;
  await eachLine(file, (line, n) => {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line);
    } catch {
      throw new TraceError(`${file}:${n}: not valid JSON`);
    }
    const bad = (field: string, valid: string) => new TraceError(`${file}:${n}: field "${field}" ${valid}, got ${JSON.stringify(e[field])}`);
    let t = typeof e.t === 'string' ? Date.parse(e.t) : (e.t as number);
    if (!Number.isFinite(t)) throw bad('t', 'must be ms or an ISO time');
    if (typeof e.t === 'string') {
      // ISO times: relative to Monday 00:00 UTC of the first event's week
      t0 ??= mondayOf(t);
      t -= t0;
    }
    if (typeof e.user !== 'string' || !e.user) throw bad('user', 'must be a non-empty string');
    if (!ACTIONS.includes(e.action as string)) throw bad('action', `must be one of ${ACTIONS.join(', ')}`);
    if (e.action === 'play' && e.track === undefined) throw bad('track', 'is needed for a play');
    if (e.quality !== undefined && e.quality !== 'q5' && e.quality !== 'q9') throw bad('quality', 'must be q5 or q9');
    out.push({
      t,
      user: e.user,
      action: e.action as TraceEvent['action'],
      ...(e.track !== undefined ? { track: trackId(e.track as string | number) } : {}),
      ...(e.quality ? { quality: e.quality as Quality } : {}),
      ...(typeof e.country === 'string' ? { country: e.country } : {}),
      ...(typeof e.positionMs === 'number' ? { positionMs: e.positionMs } : {}),
      ...(e.access === 'playlist' || e.access === 'random' ? { access: e.access } : {}),
    });
  });
  return inWindow(
    out.sort((a, b) => a.t - b.t),
    window,
    t0,
  );
}

/**
 * Users to machines: a user with a country goes to a machine of that country, others to any;
 * one machine per user, chosen by the seed; a machine busy with another user's session when a
 * login comes sends that user to the next free machine of its country, so a user can appear from
 * several addresses, as in Table I. The replay covers `durationMs` from `startMs` (workload ms,
 * 0 = Monday 00:00 UTC), and the scripts count from `startMs`.
 */
export function replayTrace(events: TraceEvent[], machines: Machine[], seed: number, durationMs: number, startMs = 0): WorkloadResult {
  const rnd = seededRandom(seed);
  const scripts = new Map<string, ScriptEvent[]>(machines.map((m) => [m.name, []]));
  const home = new Map<string, Machine>();
  const active = new Map<string, Machine>(); // user -> machine in session
  const occupied = new Map<string, string>(); // machine -> user
  const last = new Map<string, number>(); // user -> time of last event
  let sessions = 0;
  let plays = 0;
  const users = new Set<string>();
  const tracks = new Set<number>();
  const countryOf = new Map<string, string>();
  const machineFor = (user: string, country?: string): Machine | null => {
    let h = home.get(user);
    if (!h) {
      const pool = machines.filter((m) => !country || m.country === country);
      const from = pool.length ? pool : machines;
      h = from[Math.floor(rnd() * from.length)];
      home.set(user, h);
    }
    if (!occupied.has(h.name)) return h;
    const alt = machines.filter((m) => m.country === h!.country && !occupied.has(m.name));
    return alt.length ? alt[Math.floor(rnd() * alt.length)] : null;
  };
  const login = (user: string, at: number, e: TraceEvent) => {
    const m = machineFor(user, e.country ?? countryOf.get(user));
    if (!m) return null;
    occupied.set(m.name, user);
    active.set(user, m);
    sessions++;
    const script = scripts.get(m.name)!;
    const t = Math.max(at, script.at(-1)?.t ?? 0);
    script.push({ t, action: 'login', user, country: e.country ?? countryOf.get(user) ?? m.country, quality: e.quality ?? 'q5' });
    return m;
  };
  const logout = (user: string, t: number) => {
    const m = active.get(user);
    if (!m) return;
    scripts.get(m.name)!.push({ t, action: 'logout' });
    active.delete(user);
    occupied.delete(m.name);
  };
  for (const e of events) {
    const t = e.t - startMs;
    if (t < 0 || t >= durationMs) continue;
    users.add(e.user);
    if (e.country) countryOf.set(e.user, e.country);
    last.set(e.user, t);
    if (e.action === 'login') {
      if (!active.has(e.user)) login(e.user, t, e);
      continue;
    }
    if (e.action === 'logout') {
      logout(e.user, t);
      continue;
    }
    // a play of a user with no session logs them in a second before it, but never before what the
    // machine's script already holds (another user's logout): sorted, that logout would end the
    // new session at once and every play of it would be lost
    const m = active.get(e.user) ?? login(e.user, Math.max(0, t - 1000), e);
    if (!m) continue;
    const ev = scripts.get(m.name)!;
    if (e.action === 'play') {
      ev.push({ t, action: 'play', track: e.track!, access: e.access ?? 'random' });
      tracks.add(e.track!);
      plays++;
    } else if (e.action === 'skip') ev.push({ t, action: 'skip' });
    else ev.push({ t, action: 'seek', positionMs: e.positionMs ?? 0 });
  }
  for (const u of [...active.keys()]) logout(u, Math.min(durationMs - 1, (last.get(u) ?? 0) + 600_000));
  // a playlist's next track is the user's next play when it comes from a playlist: one pass from
  // the end, carrying the next event that is not a skip (a search forward from every play was
  // quadratic in a machine's plays)
  for (const ev of scripts.values()) {
    ev.sort((a, b) => a.t - b.t);
    let next: ScriptEvent | undefined;
    for (let i = ev.length - 1; i >= 0; i--) {
      const e = ev[i];
      if (e.action === 'play' && next?.action === 'play' && next.access === 'playlist') e.next = next.track;
      if (e.action !== 'skip') next = e;
    }
  }
  return { scripts, users: users.size, tracks: tracks.size, zipfExponent: NaN, sessions, plays, startMs };
}
