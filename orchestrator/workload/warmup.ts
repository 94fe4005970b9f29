// Warm state: what a running service's clients and trackers hold when a measured window begins.
// A run that starts every cache empty measures a service on its first day; Spotify's was years
// old, and [1] measured 55.4 % of bytes from the clients' own caches. Before the measured window,
// the same workload model's earlier days (the same users, machines and playlists, drawn from a
// random stream of their own, so that the window's plays are the same with or without warm-up)
// are replayed through each machine's cache alone, with no network: which tracks a machine holds,
// complete or in part, in least-recently-used order, and, per data centre, the tracker's memory of
// the last peers that reported each track. Cache simulators discard a warm-up for the same reason
// (docs/workload.md, "Warm state", gives the rule that sets its length and its sources).
//
// What the replay does per play is what the client core does (core/playback.ts, core/cache.ts):
// a track complete in the cache plays from it and is touched; otherwise it is fetched, and put in
// the cache complete (and announced to the tracker, unless the client is mobile) when the fetch
// has finished before the play ends, or as the prefix fetched so far when it is stopped earlier
// (a skip, a logout); the next playlist track is prefetched when 30 s of the current one remain.
// The fetch takes the track's size at the access link's downstream rate: where the bytes come from
// (servers or peers) does not change what the cache holds.

import { CacheEntries, type CacheKey, cacheKey, keyQuality } from '../../node-image/core/cache.ts';
import { trackBytes, trackDurationSec } from '../../node-image/core/content.ts';
import type { Quality } from '../../node-image/core/reports.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { seededRandom } from '../util/random.ts';
import { type Machine, type SyntheticParams, syntheticDays, syntheticPopulation, type WeekBefore } from './synthetic.ts';

/**
 * Network time simulated, unmeasured, before a window that starts later in the week (`start:`)
 * with a warm-up. A peer's neighbours are made by its own fetches within its session, and the
 * window's sessions under way log in at its start with none. Two hours: with sessions of 60
 * minutes on average (exponential), 86 % of those under way at the window's start (all but
 * e^-2) began within the pre-roll, so they reach the window with the neighbours their own plays
 * made, as in a running service. Measured (1,000 peers, Monday 17:30-21:00, warm, run evewarm,
 * 2026-12-07): neighbours per search were 1.0, 2.0, 3.3, 3.6 in the first four half hours and
 * 4.1 to 4.3 after; from cold (run eveeager) the first half hour alone was short. A warm cache
 * makes fewer fetches, so the overlay forms more slowly than from cold.
 */
export const PRE_ROLL_MS = 2 * 3_600_000;

/** a peer machine as the warm-up needs it: its downstream rate and the data centres its country's DNS names */
export interface WarmMachine extends Machine {
  downKbit: number;
  dcs: readonly string[];
}

export interface WarmOptions {
  /**
   * days of history before the window (before Monday 00:00 when the window starts later in the
   * week: the week up to it is replayed too; 0 replays only that); 'auto': as many as the
   * steady-state rule asks (AUTO)
   */
  days: number | 'auto';
  seed: number;
  /** the protocol's parameters and features that decide what a cache and a tracker keep */
  cacheBytes: number;
  trackerKeep: number;
  prefetchSec: number;
  prefetch: boolean;
  /** the workload's time scale: tracks are this many times smaller (core/content.ts) */
  timeScale: number;
  /**
   * the run's own workload before its window (a window later in the week: the days from Monday
   * 00:00 to the window's start), replayed after the warm-up's days; counted from Monday 00:00
   */
  before?: WeekBefore;
}

export interface WarmDay {
  /** day of the history, counted back from the window (or from Monday 00:00 when `before` comes after) */
  day: number;
  plays: number;
  /** plays whose track was complete in the machine's cache when it began */
  cacheHits: number;
}

export interface WarmState {
  days: number;
  /** how the number of days was chosen */
  rule: string;
  /** the history's plays, per day, and how many of them the cache could have served */
  daily: WarmDay[];
  plays: number;
  /** per machine, its cache's entries (times are workload ms before the window: negative), for its client to take over */
  caches: Map<string, CacheEntries>;
  /** per data centre, what its tracker remembers: the last `trackerKeep` machines per track and quality, oldest first */
  trackers: Map<string, WarmTracker>;
  wallMs: number;
}

/**
 * The steady-state rule of `warmup: auto` (docs/workload.md): from empty caches, the history grows
 * a day at a time until the share of plays the cache could serve has moved by less than
 * AUTO.points from the same weekday a week before on AUTO.days days running (a week apart, so that
 * the weekly cycle is not mistaken for warming); then the history is that many days, in whole
 * weeks, and at most AUTO.maxDays.
 */
const AUTO = { points: 1, days: 7, maxDays: 56 };

interface Announce {
  t: number;
  dc: number;
  machine: string;
  track: number;
  quality: Quality;
}

/**
 * One tracker's memory after the warm-up: by track and quality, the machines that reported it,
 * oldest first; one machine is its name, not a list. Neither the times nor an object per report
 * are kept (at 100,000 machines a report object each was 12 million objects, the largest part of
 * the warm-up's memory): a tracker's list for a track depends only on the order of that track's
 * reports, which the list keeps.
 */
export type WarmTracker = Map<CacheKey, string | string[]>;

/** a warm tracker's memory as the reports that rebuild it, track by track in the order heard */
export function* announcementsOf(tracker: WarmTracker): Generator<{ machine: string; track: number; quality: Quality }> {
  for (const [key, kept] of tracker) {
    const track = Math.floor(key / 2);
    const quality = keyQuality(key);
    if (typeof kept === 'string') yield { machine: kept, track, quality };
    else for (const machine of kept) yield { machine, track, quality };
  }
}

/** what the replay keeps between days: the caches, the trackers, the day counts */
class History {
  readonly caches = new Map<string, CacheEntries>();
  readonly trackers: WarmTracker[];
  readonly daily: WarmDay[] = [];
  private readonly dnsRandom: () => number;

  constructor(
    private readonly machines: ReadonlyMap<string, WarmMachine>,
    private readonly dcNames: readonly string[],
    private readonly o: WarmOptions,
  ) {
    this.trackers = dcNames.map(() => new Map());
    this.dnsRandom = seededRandom((o.seed ^ 0xd115) >>> 0);
  }

  /** one day's scripts (per machine, in time order), then the day's announcements in time order */
  replayDay(day: number, scripts: Iterable<readonly [string, readonly ScriptEvent[]]>, untilMs = Number.POSITIVE_INFINITY): void {
    const count = { day, plays: 0, cacheHits: 0 };
    const announces: Announce[] = [];
    for (const [name, events] of scripts) {
      if (!events.length) continue;
      const m = this.machines.get(name);
      if (!m) continue;
      let cache = this.caches.get(name);
      if (!cache) this.caches.set(name, (cache = new CacheEntries(this.o.cacheBytes)));
      this.replayMachine(m, cache, events, untilMs, count, announces);
    }
    announces.sort((a, b) => a.t - b.t);
    for (const a of announces) {
      // the tracker keeps the most recent reporters (core/tracker.ts): a peer reported again moves to the end
      const tracker = this.trackers[a.dc];
      const key = cacheKey(a.track, a.quality);
      const kept = tracker.get(key);
      if (kept === undefined || kept === a.machine) tracker.set(key, a.machine);
      else if (typeof kept === 'string') tracker.set(key, this.o.trackerKeep >= 2 ? [kept, a.machine] : a.machine);
      else {
        const at = kept.indexOf(a.machine);
        if (at >= 0) kept.splice(at, 1);
        kept.push(a.machine);
        if (kept.length > this.o.trackerKeep) kept.shift();
      }
    }
    this.daily.push(count);
  }

  private replayMachine(m: WarmMachine, cache: CacheEntries, events: readonly ScriptEvent[], untilMs: number, count: WarmDay, announces: Announce[]): void {
    let quality: Quality = 'q5';
    let mobile = false;
    let dc = 0;
    // bytes per workload ms the access link brings: the track's size shrinks with the time scale
    // and its playing time with it, so the fetch's share of a play does not depend on the scale
    const bytesPerMs = (m.downKbit * 1000) / 8 / 1000 / this.o.timeScale;
    const fetch = (track: number, from: number, to: number, announce: boolean) => {
      const key = cacheKey(track, quality);
      const size = trackBytes(track, quality, this.o.timeScale);
      const done = from + size / bytesPerMs;
      if (done <= to) {
        cache.put(key, size, true, done);
        if (announce && !mobile) announces.push({ t: done, dc, machine: m.name, track, quality });
      } else {
        const prefix = Math.floor((to - from) * bytesPerMs);
        // -1 when none is held
        if (prefix > 0 && cache.sizeOf(key) < prefix) cache.put(key, prefix, false, to);
      }
    };
    // a prefetch the next play takes over: that play's fetch began at the prefetch point
    let prefetched: { track: number; from: number } | null = null;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.t >= untilMs) break;
      if (e.action === 'login') {
        quality = e.quality;
        mobile = e.mobile === true;
        dc = this.dcIndex(m);
        prefetched = null;
        continue;
      }
      if (e.action !== 'play') continue;
      const after = events[i + 1];
      // the play lasts until the next event of the machine (a skip, the next play, the logout)
      const end = Math.min(untilMs, after?.t ?? e.t + trackDurationSec(e.track) * 1000);
      const key = cacheKey(e.track, quality);
      count.plays++;
      const hit = cache.isComplete(key);
      cache.use(key, e.t);
      const from = prefetched?.track === e.track ? prefetched.from : e.t;
      prefetched = null;
      if (hit) count.cacheHits++;
      else fetch(e.track, from, end, true);
      // the prefetch point: 30 s of audio before the track's end, if the play gets there
      const prefetchAt = e.t + (trackDurationSec(e.track) - this.o.prefetchSec) * 1000;
      if (!this.o.prefetch || e.next === undefined || prefetchAt >= end || cache.isComplete(cacheKey(e.next, quality))) continue;
      if (after?.action === 'play' && after.track === e.next) prefetched = { track: e.next, from: prefetchAt };
      // a prefetch nobody plays next is stopped when the play ends (kept in part), or has finished by then
      else fetch(e.next, prefetchAt, end, true);
    }
  }

  private dcIndex(m: WarmMachine): number {
    const name = m.dcs.length === 1 ? m.dcs[0] : m.dcs[Math.floor(this.dnsRandom() * m.dcs.length)];
    return Math.max(0, this.dcNames.indexOf(name));
  }

  /** what the run starts from; `shift` moves the history's times so that the window begins at 0 */
  state(days: number, rule: string, wallMs: number, shift = 0): WarmState {
    // handed over, not copied (a copy was every entry of every machine twice at the peak): the
    // history is done once its state is taken
    for (const c of this.caches.values()) {
      c.shiftTimes(-shift);
      c.trim();
    }
    const caches = new Map(this.caches);
    this.caches.clear();
    const trackers = new Map(this.dcNames.map((name, i) => [name, this.trackers[i]]));
    return { days, rule, daily: this.daily, plays: this.daily.reduce((n, d) => n + d.plays, 0), caches, trackers, wallMs };
  }
}

/** the first day count (from empty caches) at which the steady-state rule holds; null if it never does within `daily` */
export function steadyDays(daily: readonly WarmDay[], rule = AUTO): number | null {
  const share = daily.map((d) => (d.plays ? (100 * d.cacheHits) / d.plays : 0));
  let run = 0;
  for (let i = 7; i < share.length; i++) {
    run = Math.abs(share[i] - share[i - 7]) < rule.points ? run + 1 : 0;
    if (run >= rule.days) return i + 1 - rule.days;
  }
  return null;
}

/** `days` of the model's history before the window, replayed through caches and trackers */
function replay(machines: readonly WarmMachine[], dcNames: readonly string[], days: number, params: SyntheticParams, o: WarmOptions, onDay?: (d: number) => void): History {
  const byName = new Map(machines.map((m) => [m.name, m]));
  const history = new History(byName, dcNames, o);
  const pop = syntheticPopulation(machines, o.seed, params);
  // a stream of its own: the window's sessions draw from theirs, unchanged by a warm-up; its days
  // end before Monday 00:00, where the window's week begins with every machine free
  for (const day of syntheticDays(pop, machines, params, { seed: o.seed, stream: 'warm-up', fromDay: -days, toDay: 0, endMs: -60_000 })) {
    history.replayDay(day.day, day.scripts());
    onDay?.(day.day);
  }
  if (o.before) for (const day of o.before.days()) history.replayDay(day.day, day.scripts, o.before.untilMs);
  return history;
}

/**
 * The warm state at the window's start: `o.days` days of history, or as many as the
 * steady-state rule asks. The window's own start later in the week (o.before) is replayed after them.
 */
export function warmState(machines: readonly WarmMachine[], dcNames: readonly string[], params: SyntheticParams, o: WarmOptions, onDay?: (d: number) => void): WarmState {
  const t0 = Date.now();
  if (o.days !== 'auto') {
    const h = replay(machines, dcNames, o.days, params, o, onDay);
    return h.state(o.days, `${o.days} days, as the experiment says`, Date.now() - t0, o.before?.untilMs);
  }
  // from empty caches as far back as the rule may go, to see where it holds; then that many days
  const probe = replay(machines, dcNames, AUTO.maxDays, params, { ...o, before: undefined }, onDay);
  const steady = steadyDays(probe.daily);
  const days = steady === null ? AUTO.maxDays : Math.min(AUTO.maxDays, Math.ceil(steady / 7) * 7);
  const rule =
    steady === null
      ? `auto: the cache's daily share had not settled within ${AUTO.maxDays} days (${AUTO.points} point from a week before on ${AUTO.days} days running); ${AUTO.maxDays} days`
      : `auto: the cache's daily share settled after ${steady} days (under ${AUTO.points} point from a week before on ${AUTO.days} days running); ${days} days, in whole weeks`;
  const h = days === AUTO.maxDays && !o.before ? probe : replay(machines, dcNames, days, params, o, onDay);
  return h.state(days, rule, Date.now() - t0, o.before?.untilMs);
}
