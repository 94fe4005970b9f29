// What a workload's listening looks like, measured from its per-machine scripts (the synthetic
// model's or a trace's, as an experiment hands them to the peers): sessions per user per day,
// session arrivals per hour, session lengths, the downtime between a user's sessions, plays per
// session, skips, track lengths, and repeat listening (how often a user, or a machine's cache,
// meets a track it has played before, and how long after). `npm run bench -- workload-stats`
// prints them (bench/workload-stats.ts; docs/workload.md, "Measuring a workload").
//
// Each machine's script is read once, in order; a session's user is its login's. What is kept is
// a few numbers per session and per play in typed columns, and one map of tracks at a time (a
// machine's, then a user's): linear in the events, apart from sorting each user's few sessions.
import { trackDurationSec } from '../../node-image/core/content.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { Column, type TraceEvent } from './trace.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

interface Distribution {
  n: number;
  mean: number;
  median: number;
  p90: number;
}

/** a distribution with its spread: an exponential has a coefficient of variation (sd / mean) of 1 */
interface Spread extends Distribution {
  sd: number;
  cv: number;
}

/** one bin of a log-binned histogram of times, in minutes: [fromMinutes, toMinutes) */
export interface GapBin {
  fromMinutes: number;
  /** null: no upper end */
  toMinutes: number | null;
  count: number;
  share: number;
}

/** plays of a track played before (by the same user, or on the same machine), and how long before */
interface RepeatStats {
  plays: number;
  repeats: number;
  /** repeats / plays */
  share: number;
  /** time since the last play of the same track, for the repeats */
  gapMinutes: Distribution;
  histogram: GapBin[];
  /** the same by how the play was chosen: the next track of a playlist, or a random pick (search, charts) */
  byAccess: { playlist: Share; random: Share };
}

interface Share {
  plays: number;
  repeats: number;
  share: number;
}

export interface WorkloadStats {
  /** machines whose script holds an event */
  machines: number;
  /** users who logged in at least once */
  usersSeen: number;
  /** users the per-user rates are divided by (StatsOptions.users, else usersSeen) */
  users: number;
  sessions: number;
  plays: number;
  skips: number;
  seeks: number;
  offline: number;
  /** plays outside any session (no login before them on their machine): counted for the machine only */
  playsOutsideSessions: number;
  /** the time the rates are per, in days of each kind (UTC; Saturday and Sunday are the weekend) */
  days: { weekday: number; weekend: number };
  /** sessions starting in each kind of day, per user per day; null where the span has no such day */
  sessionsPerUserPerDay: { weekday: number | null; weekend: number | null; all: number | null };
  /** session arrivals per UTC hour 0..23, as shares of the sessions of that kind of day */
  arrivalsPerHour: { weekday: number[]; weekend: number[]; all: number[] };
  /** login to logout (or to the session's last event when it has no logout) */
  sessionMinutes: Spread;
  /**
   * from the end of a user's session to the start of their next (any machine); `overlapping`:
   * sessions that began while another of the same user's was still under way, left out
   */
  downtimeMinutes: Distribution & { overlapping: number };
  playsPerSession: Distribution;
  /** skips / plays */
  skipShare: number;
  /** the tracks' lengths, by `StatsOptions.trackSec`: of the distinct tracks played, and the mean over plays */
  trackSeconds: { distinct: Distribution & { min: number; max: number }; meanPerPlay: number } | null;
  /** repeat listening within the workload: by the same user (on any machine), and on the same machine (what its cache sees) */
  repeats: { user: RepeatStats; machine: RepeatStats };
}

export interface StatsOptions {
  /** workload ms (after Monday 00:00 UTC) at which the scripts' 0 lies (WorkloadResult.startMs) */
  startMs?: number;
  /** the span of script time the per-day rates are over (default: the whole UTC days the events touch) */
  fromMs?: number;
  toMs?: number;
  /** users the per-user rates divide by (default: those who log in) */
  users?: number;
  /** a track's length in seconds, or undefined when unknown (default: core/content.ts trackDurationSec, the length every runtime plays) */
  trackSec?: (track: number) => number | undefined;
}

const u32 = () => new Column(new Uint32Array(1 << 10), (n) => new Uint32Array(n));
const f64 = () => new Column(new Float64Array(1 << 10), (n) => new Float64Array(n));
const mod = (a: number, b: number) => ((a % b) + b) % b;

/**
 * The k-th smallest of xs[lo..hi] moved to xs[k], smaller ones before it and larger after
 * (Hoare's selection, median-of-three pivots): linear on average, xs reordered in place.
 */
function select(xs: Float64Array, k: number, lo = 0, hi = xs.length - 1): void {
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const a = xs[lo];
    const b = xs[mid];
    const c = xs[hi];
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i] < pivot) i++;
      while (xs[j] > pivot) j--;
      if (i <= j) {
        const t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** the q-quantile of xs (linear between order statistics, as R's type 7 and numpy's default); reorders xs */
export function quantile(xs: Float64Array, q: number): number {
  if (!xs.length) return Number.NaN;
  const h = (xs.length - 1) * q;
  const k = Math.floor(h);
  select(xs, k);
  if (k + 1 >= xs.length || h === k) return xs[k];
  // after the selection everything past k is at least xs[k]: the next order statistic is their least
  let next = Infinity;
  for (let i = k + 1; i < xs.length; i++) if (xs[i] < next) next = xs[i];
  return xs[k] + (h - k) * (next - xs[k]);
}

function distribution(values: Float64Array): Distribution {
  let sum = 0;
  for (const x of values) sum += x;
  const xs = values.slice();
  return { n: xs.length, mean: xs.length ? sum / xs.length : Number.NaN, median: quantile(xs, 0.5), p90: quantile(xs, 0.9) };
}

function spread(values: Float64Array): Spread {
  const d = distribution(values);
  let ss = 0;
  for (const x of values) ss += (x - d.mean) ** 2;
  const sd = values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : Number.NaN;
  return { ...d, sd, cv: sd / d.mean };
}

/** the histogram's upper edges, minutes: half decades from 1 minute to about 69 days, then the rest */
const GAP_EDGES = [1, 10 ** 0.5, 10, 10 ** 1.5, 100, 10 ** 2.5, 1000, 10 ** 3.5, 10_000, 10 ** 4.5, 100_000];

/** the bin of GAP_EDGES a time in minutes falls in: by its logarithm, no search */
function gapBin(minutes: number): number {
  if (minutes < 1) return 0;
  return Math.min(GAP_EDGES.length, 1 + Math.floor(2 * Math.log10(minutes)));
}

class Repeats {
  plays = 0;
  readonly gaps = f64();
  readonly bins = new Float64Array(GAP_EDGES.length + 1);
  /** plays and repeats of playlist plays, [0], and random ones, [1] */
  readonly access = [
    [0, 0],
    [0, 0],
  ];
  /** a play at `t` of a track last played at `before` (undefined: never) */
  play(t: number, before: number | undefined, random: boolean): void {
    this.plays++;
    const a = this.access[random ? 1 : 0];
    a[0]++;
    if (before === undefined) return;
    a[1]++;
    const m = (t - before) / MIN;
    this.gaps.push(m);
    this.bins[gapBin(m)]++;
  }
  result(): RepeatStats {
    const gaps = this.gaps.data.subarray(0, this.gaps.length);
    const repeats = gaps.length;
    return {
      plays: this.plays,
      repeats,
      share: this.plays ? repeats / this.plays : Number.NaN,
      gapMinutes: distribution(gaps),
      histogram: [...this.bins].map((count, i) => ({
        fromMinutes: i === 0 ? 0 : +GAP_EDGES[i - 1].toPrecision(4),
        toMinutes: i < GAP_EDGES.length ? +GAP_EDGES[i].toPrecision(4) : null,
        count,
        share: repeats ? count / repeats : 0,
      })),
      byAccess: {
        playlist: share(this.access[0][0], this.access[0][1]),
        random: share(this.access[1][0], this.access[1][1]),
      },
    };
  }
}

const share = (plays: number, repeats: number): Share => ({ plays, repeats, share: plays ? repeats / plays : Number.NaN });

/** weekday and weekend days (fractions of days) in [a, b), workload ms after Monday 00:00 UTC */
function daysIn(a: number, b: number): { weekday: number; weekend: number } {
  const out = { weekday: 0, weekend: 0 };
  for (let d = Math.floor(a / DAY); d * DAY < b; d++) {
    const part = (Math.min(b, (d + 1) * DAY) - Math.max(a, d * DAY)) / DAY;
    if (mod(d, 7) >= 5) out.weekend += part;
    else out.weekday += part;
  }
  return out;
}

/** The listening behaviour of a workload: see WorkloadStats. `scripts` by machine, each sorted by time. */
export function workloadStats(scripts: Iterable<readonly [string, readonly ScriptEvent[]]>, o: StatsOptions = {}): WorkloadStats {
  const startMs = o.startMs ?? 0;
  const trackSec = o.trackSec ?? trackDurationSec;
  const userIndex = new Map<string, number>();
  // sessions: their user, start, end and their plays' range in the play columns
  const sUser = u32();
  const sStart = f64();
  const sEnd = f64();
  const sFrom = u32();
  const sTo = u32();
  // plays inside sessions, session by session: time and track
  const pT = f64();
  const pTrack = u32();
  const pRandom = new Column(new Uint8Array(1 << 10), (n) => new Uint8Array(n));
  const machineRepeats = new Repeats();
  const arrivals = { weekday: new Float64Array(24), weekend: new Float64Array(24) };
  const tracks = new Set<number>();
  let machines = 0;
  let plays = 0;
  let skips = 0;
  let seeks = 0;
  let offline = 0;
  let outside = 0;
  let first = Infinity;
  let last = -Infinity;
  let durationSum = 0;
  let durationPlays = 0;

  for (const [, events] of scripts) {
    if (!events.length) continue;
    machines++;
    first = Math.min(first, events[0].t);
    last = Math.max(last, events[events.length - 1].t);
    // this machine's tracks and when it last played each: what its cache could hold
    const seen = new Map<number, number>();
    let open = -1;
    const close = (t: number) => {
      sEnd.data[open] = t;
      sTo.data[open] = pT.length;
      open = -1;
    };
    for (const e of events) {
      switch (e.action) {
        case 'login': {
          if (open >= 0) close(e.t);
          let u = userIndex.get(e.user);
          if (u === undefined) userIndex.set(e.user, (u = userIndex.size));
          open = sUser.length;
          sUser.push(u);
          sStart.push(e.t);
          sEnd.push(e.t);
          sFrom.push(pT.length);
          sTo.push(pT.length);
          const at = startMs + e.t;
          const kind = mod(Math.floor(at / DAY), 7) >= 5 ? arrivals.weekend : arrivals.weekday;
          kind[Math.floor(mod(at, DAY) / HOUR)]++;
          break;
        }
        case 'logout':
          if (open >= 0) close(e.t);
          break;
        case 'play': {
          plays++;
          machineRepeats.play(e.t, seen.get(e.track), e.access === 'random');
          seen.set(e.track, e.t);
          tracks.add(e.track);
          const sec = trackSec(e.track);
          if (sec !== undefined) {
            durationSum += sec;
            durationPlays++;
          }
          if (open >= 0) {
            pT.push(e.t);
            pTrack.push(e.track);
            pRandom.push(e.access === 'random' ? 1 : 0);
          } else outside++;
          break;
        }
        case 'skip':
          skips++;
          break;
        case 'seek':
          seeks++;
          break;
        case 'offline':
          offline++;
          break;
      }
    }
    if (open >= 0) close(events[events.length - 1].t);
  }

  const sessions = sUser.length;
  const usersSeen = userIndex.size;
  const users = o.users ?? usersSeen;
  const lengths = new Float64Array(sessions);
  const perSession = new Float64Array(sessions);
  for (let s = 0; s < sessions; s++) {
    lengths[s] = (sEnd.data[s] - sStart.data[s]) / MIN;
    perSession[s] = sTo.data[s] - sFrom.data[s];
  }

  // each user's sessions: a counting sort by user, then each user's few sessions by start
  const at = new Uint32Array(usersSeen + 1);
  for (let s = 0; s < sessions; s++) at[sUser.data[s] + 1]++;
  for (let u = 0; u < usersSeen; u++) at[u + 1] += at[u];
  const byUser = new Uint32Array(sessions);
  const fill = at.slice(0, usersSeen);
  for (let s = 0; s < sessions; s++) byUser[fill[sUser.data[s]]++] = s;
  const downtimes = f64();
  let overlapping = 0;
  const userRepeats = new Repeats();
  for (let u = 0; u < usersSeen; u++) {
    const own = [...byUser.subarray(at[u], at[u + 1])].sort((a, b) => sStart.data[a] - sStart.data[b] || a - b);
    let end = -Infinity;
    const order: number[] = [];
    for (const s of own) {
      if (end > -Infinity) {
        if (sStart.data[s] < end) overlapping++;
        else downtimes.push((sStart.data[s] - end) / MIN);
      }
      end = Math.max(end, sEnd.data[s]);
      for (let p = sFrom.data[s]; p < sTo.data[s]; p++) order.push(p);
    }
    // sessions of one user on two machines at once interleave their plays
    for (let k = 1; k < order.length; k++)
      if (pT.data[order[k]] < pT.data[order[k - 1]]) {
        order.sort((a, b) => pT.data[a] - pT.data[b] || a - b);
        break;
      }
    const seen = new Map<number, number>();
    for (const p of order) {
      const track = pTrack.data[p];
      userRepeats.play(pT.data[p], seen.get(track), pRandom.data[p] === 1);
      seen.set(track, pT.data[p]);
    }
  }

  const from = o.fromMs ?? (Number.isFinite(first) ? Math.floor((startMs + first) / DAY) * DAY - startMs : 0);
  const to = o.toMs ?? (Number.isFinite(last) ? (Math.floor((startMs + last) / DAY) + 1) * DAY - startMs : 0);
  const days = daysIn(startMs + from, startMs + to);
  const sum = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0);
  const weekdaySessions = sum(arrivals.weekday);
  const weekendSessions = sum(arrivals.weekend);
  const rate = (n: number, d: number) => (d > 0 && users > 0 ? n / (users * d) : null);
  const shares = (xs: Float64Array) => {
    const total = sum(xs);
    return [...xs].map((x) => (total ? x / total : 0));
  };
  const both = arrivals.weekday.map((x, h) => x + arrivals.weekend[h]);

  const durations = new Float64Array(tracks.size);
  let known = 0;
  for (const t of tracks) {
    const sec = trackSec(t);
    if (sec !== undefined) durations[known++] = sec;
  }
  const distinct = durations.subarray(0, known);
  let min = Infinity;
  let max = -Infinity;
  for (const x of distinct) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }

  return {
    machines,
    usersSeen,
    users,
    sessions,
    plays,
    skips,
    seeks,
    offline,
    playsOutsideSessions: outside,
    days,
    sessionsPerUserPerDay: { weekday: rate(weekdaySessions, days.weekday), weekend: rate(weekendSessions, days.weekend), all: rate(sessions, days.weekday + days.weekend) },
    arrivalsPerHour: { weekday: shares(arrivals.weekday), weekend: shares(arrivals.weekend), all: shares(both) },
    sessionMinutes: spread(lengths),
    downtimeMinutes: { ...distribution(downtimes.data.subarray(0, downtimes.length)), overlapping },
    playsPerSession: distribution(perSession),
    skipShare: plays ? skips / plays : Number.NaN,
    trackSeconds: known ? { distinct: { ...distribution(distinct), min, max }, meanPerPlay: durationPlays ? durationSum / durationPlays : Number.NaN } : null,
    repeats: { user: userRepeats.result(), machine: machineRepeats.result() },
  };
}

/**
 * A trace's events (an importer's, or readTrace's) as one script per user, before any mapping onto
 * the testbed's machines: what the trace's listeners did. Sessions as replayTrace (trace.ts) makes
 * them: a login while a session is open is ignored, an event outside a session logs its user in a
 * second before it, and a session still open at the end logs out 10 minutes after its last event.
 */
export function traceScripts(events: readonly TraceEvent[]): Map<string, ScriptEvent[]> {
  const scripts = new Map<string, ScriptEvent[]>();
  const open = new Set<string>();
  for (const e of events) {
    let s = scripts.get(e.user);
    if (!s) scripts.set(e.user, (s = []));
    const login = (t: number) => {
      open.add(e.user);
      s.push({ t: Math.max(t, s.at(-1)?.t ?? t), action: 'login', user: e.user, country: e.country ?? '', quality: e.quality ?? 'q5' });
    };
    if (e.action === 'login') {
      if (!open.has(e.user)) login(e.t);
      continue;
    }
    if (e.action === 'logout') {
      if (open.delete(e.user)) s.push({ t: e.t, action: 'logout' });
      continue;
    }
    if (!open.has(e.user)) login(e.t - 1000);
    if (e.action === 'play') s.push({ t: e.t, action: 'play', track: e.track!, access: e.access ?? 'random' });
    else if (e.action === 'skip') s.push({ t: e.t, action: 'skip' });
    else s.push({ t: e.t, action: 'seek', positionMs: e.positionMs ?? 0 });
  }
  for (const user of open) {
    const s = scripts.get(user)!;
    s.push({ t: s[s.length - 1].t + 600_000, action: 'logout' });
  }
  return scripts;
}
