// The testbed's trace format (docs/traces.md): JSON Lines, one event per line,
//   {"t": <ms since the trace's start, or an ISO time>, "user": "...", "action": "login|play|skip|seek|logout",
//    "track": <id or name>, "quality": "q5|q9", "country": "SE", "positionMs": <for seek>}
// Replaying a trace maps each user to machines of its country (seeded) and turns its sessions into
// per-machine scripts; importers (importers/) turn other formats into these events first.
import fs from 'node:fs';
import readline from 'node:readline';
import type { Quality } from '../../node-image/core/reports.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
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
 * week): that Monday, the minute of its first event (a trace that begins on a Thursday), or a
 * given offset. The run's clock, its faults and its duration count from there.
 */
export type TraceStart = { at: 'week' } | { at: 'first-event' } | { at: 'offset'; ms: number };

/** where a trace's replay starts in its workload time; the first event's minute for `first-event` */
export function traceStartMs(start: TraceStart, firstEventMs: number): number {
  if (start.at === 'week') return 0;
  if (start.at === 'offset') return start.ms;
  return Math.max(0, Math.floor(firstEventMs / 60_000) * 60_000);
}

export class TraceError extends Error {
  readonly userFacing = true;
}

const ACTIONS = ['login', 'play', 'skip', 'seek', 'logout'];

/**
 * Times far from the rest (a 1970 timestamp in a 2009 history) would move the whole trace's week
 * decades away: drop the ones more than `maxDays` from the median, and say which. `at` gives an
 * item's time, `where` its line for the warning.
 */
export function dropOutliers<T>(items: T[], at: (x: T) => number, where: (x: T) => string, warn: (line: string) => void, maxDays = 366): T[] {
  if (items.length < 3) return items;
  const sorted = items.map(at).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const far = (x: T) => Math.abs(at(x) - median) > maxDays * 86_400_000;
  const out = items.filter((x) => far(x));
  if (!out.length) return items;
  warn(`${out.length} event${out.length > 1 ? 's' : ''} more than ${maxDays} days from the trace's median time left out: ${out.slice(0, 5).map(where).join(', ')}${out.length > 5 ? ', ...' : ''}`);
  return items.filter((x) => !far(x));
}

/** Track names become stable numeric ids (FNV-1a), so the same track is the same object everywhere. */
export function trackId(key: string | number): number {
  if (typeof key === 'number' && Number.isInteger(key) && key > 0) return key;
  let h = 0x811c9dc5;
  for (const c of String(key)) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (h % 2_000_000_000) + 1;
}

export async function readTrace(file: string): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  const rl = readline.createInterface({ input: fs.createReadStream(file) });
  let n = 0;
  let t0: number | null = null;
  for await (const raw of rl) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim()) continue;
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
      t0 ??= (() => {
        const d = new Date(t);
        const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * 86_400_000;
        return monday;
      })();
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
  }
  return out.sort((a, b) => a.t - b.t);
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
  const login = (user: string, t: number, e: TraceEvent) => {
    const m = machineFor(user, e.country ?? countryOf.get(user));
    if (!m) return null;
    occupied.set(m.name, user);
    active.set(user, m);
    sessions++;
    scripts.get(m.name)!.push({ t, action: 'login', user, country: e.country ?? countryOf.get(user) ?? m.country, quality: e.quality ?? 'q5' });
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
  // a playlist's next track is the user's next play when it comes from a playlist
  for (const ev of scripts.values()) {
    ev.sort((a, b) => a.t - b.t);
    for (let i = 0; i < ev.length; i++) {
      const e = ev[i];
      if (e.action !== 'play') continue;
      const n = ev.slice(i + 1).find((x) => x.action !== 'skip');
      if (n?.action === 'play' && n.access === 'playlist') e.next = n.track;
    }
  }
  return { scripts, users: users.size, tracks: tracks.size, zipfExponent: NaN, sessions, plays, startMs };
}
