// The synthetic listening workload, with parameters from the paper and its reference [1]
// (Kreitz & Niemelä 2010). docs/workload.md gives each parameter's source. Same seed, same
// workload: the population from one seeded stream, then each day's sessions from a stream of that
// day's own, users in a fixed order, so that a day can be made, replayed and let go by itself.
import { trackDurationSec } from '../../node-image/core/content.ts';
import type { Quality } from '../../node-image/core/reports.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { hashName, seededRandom, zipfSampler } from '../util/random.ts';
import { DayScripts } from './day-scripts.ts';

export interface Machine {
  name: string;
  country: string;
}

export interface SyntheticParams {
  /** users per peer machine (each user also visits other machines, see Table I) */
  usersPerMachine: number;
  /**
   * tracks in the catalogue per user: a catalogue that shrinks with the population, as a scale
   * model of the service ([1]: over 8 million tracks for over 7 million users, 8/7)
   */
  tracksPerUser: number;
  /**
   * tracks in the catalogue, whatever the population (default: none, users × tracksPerUser). Runs
   * that grow the population towards the service's own set [1]'s 8,000,000 here.
   */
  catalogue?: number;
  /** share of plays on the most popular 12% of tracks ([1]: 88%) */
  headShare: number;
  /** share of plays that are random access rather than the next playlist track ([1]: 39%) */
  randomAccessShare: number;
  /** share of plays skipped before their end */
  skipShare: number;
  /**
   * share of users who stream q9: only premium users can choose it (paper, section II); Spotify
   * announced 1 million paying subscribers in March 2011, of the paper's over 10 million users
   */
  premiumShare: number;
  /** share of users on mobile clients, which only use the servers (paper, section II) */
  mobileShare: number;
  /** sessions per user per weekday and per weekend day */
  sessionsPerDay: { weekday: number; weekend: number };
  /** mean session length, workload minutes */
  sessionMinutes: number;
  /**
   * each user's playlists, and the tracks in each (drawn uniformly from minTracks to maxTracks):
   * an assumption, no published source; with randomAccessShare it decides how often a user comes
   * back to a track, so how much of a machine's listening its cache can serve
   */
  playlists: { count: number; minTracks: number; maxTracks: number };
  /**
   * share of sessions that try the user's home machine first (the rest try its machines in a
   * random order, each taking the first that is free): an assumption, no published source (Table I
   * gives how many machines a user has, not how often each is used)
   */
  homeShare: number;
  /** local time is UTC plus this many hours (most users are on CET, paper section IV-A) */
  utcOffsetHours: number;
  /** relative activity per local hour 0..23 */
  hourly: number[];
}

/** Evening-peaked daily cycle (shape after [1], Fig. 2: a trough at night, a peak in the evening). */
const HOURLY = [3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 8, 8, 8, 8, 9, 10, 11, 12, 12, 11, 8, 5];

export const defaultSynthetic: SyntheticParams = {
  usersPerMachine: 1,
  tracksPerUser: 8 / 7,
  headShare: 0.88,
  randomAccessShare: 0.39,
  skipShare: 0.15,
  premiumShare: 0.1,
  mobileShare: 0.05,
  sessionsPerDay: { weekday: 1.4, weekend: 1.1 },
  sessionMinutes: 60,
  playlists: { count: 3, minTracks: 8, maxTracks: 19 },
  homeShare: 0.6,
  utcOffsetHours: 1,
  hourly: HOURLY,
};

/** The paper's Table I, % of users by the number of IPs they logged in from, k = 1..10. */
const TABLE_I: Record<string, number[]> = {
  ES: [46.27, 22.69, 10.73, 6.1, 3.9, 2.65, 1.9, 1.32, 0.94, 0.69],
  FI: [59.15, 16.79, 6.77, 4.09, 2.85, 2.1, 1.61, 1.29, 1.03, 0.77],
  FR: [53.55, 25.12, 8.91, 4.35, 2.45, 1.63, 1.12, 0.78, 0.49, 0.34],
  GB: [54.12, 20.72, 8.7, 4.83, 3.06, 2.12, 1.51, 1.1, 0.79, 0.59],
  NL: [73.75, 17.33, 4.65, 1.85, 0.9, 0.47, 0.31, 0.21, 0.13, 0.08],
  NO: [51.82, 25.28, 10.21, 4.8, 2.61, 1.58, 1.01, 0.65, 0.45, 0.31],
  SE: [53.35, 20.3, 7.92, 4.41, 2.99, 2.25, 1.79, 1.36, 1.06, 0.83],
};

const DAY = 86_400_000;
const MIN = 60_000;

/**
 * Sum of 1/i^s for i = 1..n: exact for the first EXACT_TERMS terms, and past them the integral
 * over [m+1/2, n+1/2] (the midpoint rule: the whole sum agrees with the exact one to about 1e-9,
 * see the test): a catalogue of millions of tracks is calibrated in microseconds, not seconds.
 */
const EXACT_TERMS = 4096;
export function zipfSum(n: number, s: number): number {
  let t = 0;
  const m = Math.min(n, EXACT_TERMS);
  for (let i = 1; i <= m; i++) t += 1 / i ** s;
  if (n > m) {
    const a = m + 0.5;
    const b = n + 0.5;
    // a^(1-s) (e^((1-s) ln(b/a)) - 1) / (1-s): exact in floating point even for s close to 1
    const r = Math.log(b / a);
    t += Math.abs(s - 1) < 1e-12 ? r : (a ** (1 - s) * Math.expm1((1 - s) * r)) / (1 - s);
  }
  return t;
}

/** Zipf exponent s for which the top `headFraction` of `n` items take `share` of the draws. */
export function calibrateZipf(n: number, headFraction: number, share: number): number {
  const head = Math.max(1, Math.round(n * headFraction));
  const cdfAt = (s: number) => zipfSum(head, s) / zipfSum(n, s);
  let lo = 0,
    hi = 4;
  for (let k = 0; k < 50; k++) {
    const mid = (lo + hi) / 2;
    if (cdfAt(mid) < share) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** 7919 (the step every shipped workload has used), or the next odd number coprime with `n` */
export function coprimeStep(n: number): number {
  let m = 7919;
  while (gcd(m, n) !== 1) m += 2;
  return m;
}

function pickWeighted(weights: number[], r: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r * total;
  for (let i = 0; i < weights.length; i++) if ((x -= weights[i]) < 0) return i;
  return weights.length - 1;
}

function poisson(mean: number, rnd: () => number): number {
  const l = Math.exp(-mean);
  let k = 0,
    p = 1;
  do {
    k++;
    p *= rnd();
  } while (p > l);
  return k - 1;
}

/** one day of a workload as per-machine scripts, each in time order, made as they are read */
interface ScriptDay {
  /** day of the week, 0 = Monday */
  day: number;
  scripts: Iterable<readonly [string, readonly ScriptEvent[]]>;
}

/**
 * The workload before a window later in the week, up to `untilMs`: its days are made again each
 * time `days()` is read (the same draws give the same days), so that nobody holds the week.
 */
export interface WeekBefore {
  days: () => Iterable<ScriptDay>;
  untilMs: number;
}

export interface WorkloadResult {
  scripts: Map<string, ScriptEvent[]>;
  users: number;
  tracks: number;
  zipfExponent: number;
  sessions: number;
  plays: number;
  /**
   * workload ms (0 = Monday 00:00 UTC) at which the scripts' 0 lies: the run's clock and faults
   * count from it; the analysis adds it back for the hour of the week (weekends, hours). 0 for a
   * synthetic workload and a trace replayed from its week's Monday.
   */
  startMs: number;
  /**
   * a window later in the week: the synthetic workload from Monday 00:00 up to the window's start
   * (`untilMs`), which a warm-up replays after its own days (orchestrator/workload/warmup.ts)
   */
  before?: WeekBefore;
  /** workload ms at the scripts' start that are a pre-roll, not measured (warmup.ts PRE_ROLL_MS); startMs is the pre-roll's start */
  preRollMs?: number;
}

/**
 * Per machine, a script for `durationMs` of workload time starting Monday 00:00 UTC. Users
 * belong to a country; each has a home machine and, following Table I, some other machines of
 * its country (work, friends) that a share of its sessions happen on. A machine holds one
 * session at a time; a session that would overlap goes to another of the user's machines or is
 * dropped.
 */
/**
 * Up to this many machines in a country, a user's other machines come from shuffling the whole
 * country (as the workloads of the shipped topologies always have, so their seeds give the same
 * scripts); past it, that is O(n log n) per user, and k distinct machines are drawn directly.
 */
const SMALL_POOL = 1000;

function drawOthers(pool: readonly Machine[], home: Machine, k: number, rnd: () => number): Machine[] {
  const picked = new Set<Machine>();
  while (picked.size < Math.min(k, pool.length - 1)) {
    const m = pool[Math.floor(rnd() * pool.length)];
    if (m !== home) picked.add(m);
  }
  return [...picked];
}

/** a user of the synthetic workload: where they listen, at what quality, and their playlists */
interface SyntheticUser {
  /** its place in the population's list */
  index: number;
  id: string;
  country: string;
  quality: Quality;
  mobile: boolean;
  /** the home machine first */
  machines: Machine[];
  playlists: number[][];
}

/** the population and catalogue of a synthetic workload, and the stream its sessions go on drawing from */
export interface SyntheticPopulation {
  users: SyntheticUser[];
  tracks: number;
  zipfExponent: number;
}

/** a track drawn by popularity from `rnd`: Zipf ranks spread over the catalogue's ids */
function popularity(tracks: number, s: number, rnd: () => number): () => number {
  const rank = zipfSampler(tracks, s, rnd);
  // ranks are spread over ids so that popularity is not tied to id order (or track length): by a
  // step coprime with the catalogue's size, so that every rank lands on its own track
  const step = coprimeStep(tracks);
  return () => ((rank() * step) % tracks) + 1;
}

/** the users of a synthetic workload, the same for a seed whatever the duration (and for its warm-up) */
export function syntheticPopulation(machines: readonly Machine[], seed: number, p: SyntheticParams = defaultSynthetic): SyntheticPopulation {
  const rnd = seededRandom(seed);
  const byCountry = new Map<string, Machine[]>();
  for (const m of machines) {
    const list = byCountry.get(m.country);
    if (list) list.push(m);
    else byCountry.set(m.country, [m]);
  }
  const userCount = Math.max(1, Math.round(machines.length * p.usersPerMachine));
  const tracks = p.catalogue !== undefined ? Math.max(1, Math.round(p.catalogue)) : Math.max(50, Math.round(userCount * p.tracksPerUser));
  const s = calibrateZipf(tracks, 0.12, p.headShare);
  const popular = popularity(tracks, s, rnd);

  const users: SyntheticUser[] = [];
  for (let i = 0; i < userCount; i++) {
    // users spread over countries in proportion to their machines; the home machine is fixed
    const home = machines[i % machines.length];
    const pool = byCountry.get(home.country)!;
    const table = TABLE_I[home.country] ?? TABLE_I.GB;
    const k = Math.min(pool.length, 1 + pickWeighted(table, rnd()));
    const others =
      pool.length <= SMALL_POOL
        ? pool
            .filter((m) => m !== home)
            .sort(() => rnd() - 0.5)
            .slice(0, k - 1)
        : drawOthers(pool, home, k - 1, rnd);
    const { count, minTracks, maxTracks } = p.playlists;
    const playlists = Array.from({ length: count }, () => Array.from({ length: minTracks + Math.floor(rnd() * (maxTracks - minTracks + 1)) }, popular));
    users.push({
      index: i,
      id: `u${i}-${home.country.toLowerCase()}`,
      country: home.country,
      quality: rnd() < p.premiumShare ? 'q9' : 'q5',
      mobile: rnd() < p.mobileShare,
      machines: [home, ...others],
      playlists,
    });
  }
  return { users, tracks, zipfExponent: s };
}

/**
 * Which machine is busy when: a machine holds one session at a time, with 5 s between sessions.
 * `forget` drops what ended before a time, so that a generator going day by day (the warm-up)
 * holds a day or two of sessions, not weeks.
 */
class MachineCalendar {
  private readonly busy = new Map<string, [number, number][]>();
  free(m: Machine, a: number, b: number): boolean {
    return !(this.busy.get(m.name) ?? []).some(([x, y]) => a < y + 5_000 && x < b + 5_000);
  }
  take(m: Machine, a: number, b: number): void {
    const spans = this.busy.get(m.name);
    if (spans) spans.push([a, b]);
    else this.busy.set(m.name, [[a, b]]);
  }
  forget(before: number): void {
    for (const [name, spans] of this.busy) {
      const kept = spans.filter(([, y]) => y + 5_000 > before);
      if (kept.length) this.busy.set(name, kept);
      else this.busy.delete(name);
    }
  }
}

/** a stream of draws of its own for each day of a workload: a day's sessions do not depend on how many draws the days before it took */
function dayRandom(seed: number, stream: string, day: number): () => number {
  return seededRandom((seed ^ hashName(`${stream} day ${day}`)) >>> 0);
}

/**
 * One user's sessions of day `d` (day 0 is Monday; a negative day is a week before), each on a
 * free machine, written to the day's store. Sessions end by `endMs` (the workload's end, less a
 * minute). Every draw from `rnd`, in a fixed order.
 */
function userDay(
  u: SyntheticUser,
  d: number,
  ctx: { rnd: () => number; popular: () => number; p: SyntheticParams; calendar: MachineCalendar; endMs: number; machineIndex: ReadonlyMap<Machine, number> },
  day: DayScripts,
): void {
  const { rnd, popular, p, calendar } = ctx;
  const weekend = ((d % 7) + 7) % 7 >= 5;
  const n = poisson(weekend ? p.sessionsPerDay.weekend : p.sessionsPerDay.weekday, rnd);
  for (let j = 0; j < n; j++) {
    const localHour = pickWeighted(p.hourly, rnd());
    const start = d * DAY + ((localHour - p.utcOffsetHours + 24) % 24) * 3_600_000 + Math.floor(rnd() * 3_600_000);
    const length = Math.max(10 * MIN, Math.round(-Math.log(1 - rnd()) * p.sessionMinutes * MIN));
    const end = Math.min(ctx.endMs, start + length);
    if (end - start < 5 * MIN) continue;
    // the first machine is home; other machines by Table I
    const order = rnd() < p.homeShare ? u.machines : [...u.machines].sort(() => rnd() - 0.5);
    const m = order.find((x) => calendar.free(x, start, end + 6 * MIN));
    if (!m) continue;
    // the last track may run past `end` by up to a track's length
    calendar.take(m, start, end + 6 * MIN);
    day.login(ctx.machineIndex.get(m)!, start, u.index);
    let t = start + 2_000;
    let list: number[] | null = null;
    let pos = 0;
    while (t < end) {
      let track: number;
      let access: 'playlist' | 'random';
      if (list && pos < list.length && rnd() >= p.randomAccessShare) {
        track = list[pos++];
        access = 'playlist';
      } else {
        // a random pick; afterwards the user goes on somewhere in one of their playlists
        track = popular();
        access = 'random';
        list = u.playlists[Math.floor(rnd() * u.playlists.length)];
        pos = Math.floor(rnd() * list.length);
      }
      day.play(t, track, access, list && pos < list.length ? list[pos] : undefined);
      const dur = trackDurationSec(track) * 1000;
      if (rnd() < p.skipShare) {
        t += Math.round(dur * (0.05 + 0.55 * rnd()));
        day.skip(t);
      } else t += dur;
      t += 1_000;
    }
    day.logout(Math.min(ctx.endMs + MIN, Math.max(t, end)));
  }
}

/** which of a population's streams a run of days draws from: the workload's own, or its warm-up's (warmup.ts) */
export type DayStream = 'sessions' | 'warm-up';

/**
 * The population's sessions day by day, days `fromDay` to `toDay - 1`, each day's in a store of its
 * own (day-scripts.ts): a caller keeps the days it replays and lets the others go, so that a week
 * up to a window late in it, or a month of warm-up, is never held whole. Days outer, users inner,
 * each day from a stream of its own (`stream` and the day's number); the machines' calendar runs on
 * from day to day, so a session that ran past midnight keeps its machine busy the next morning.
 */
export function* syntheticDays(
  pop: SyntheticPopulation,
  machines: readonly Machine[],
  p: SyntheticParams,
  o: { seed: number; stream: DayStream; fromDay: number; toDay: number; endMs: number },
): Generator<DayScripts> {
  let today: () => number = () => 0;
  const rnd = () => today();
  // one sampler for every day: its table is the catalogue's size (64 MB at 8 million tracks)
  const popular = popularity(pop.tracks, pop.zipfExponent, rnd);
  const machineIndex = new Map(machines.map((m, i) => [m, i]));
  const ctx = { rnd, popular, p, calendar: new MachineCalendar(), endMs: o.endMs, machineIndex };
  for (let d = o.fromDay; d < o.toDay; d++) {
    today = dayRandom(o.seed, o.stream, d);
    const day = new DayScripts(d, machines, pop.users);
    for (const u of pop.users) userDay(u, d, ctx, day);
    // no session of a later day begins before this one's midnight
    ctx.calendar.forget(d * DAY);
    yield day;
  }
}

export function syntheticWorkload(machines: Machine[], durationMs: number, seed: number, p: SyntheticParams = defaultSynthetic): WorkloadResult {
  const pop = syntheticPopulation(machines, seed, p);
  const scripts = new Map<string, ScriptEvent[]>(machines.map((m) => [m.name, []]));
  let sessions = 0;
  let plays = 0;
  for (const day of syntheticDays(pop, machines, p, { seed, stream: 'sessions', fromDay: 0, toDay: Math.ceil(durationMs / DAY), endMs: durationMs - MIN })) {
    for (const [name, events] of day.scripts()) {
      const list = scripts.get(name)!;
      for (const e of events) list.push(e);
    }
    sessions += day.sessions;
    plays += day.plays;
  }
  // a machine's days follow each other (the calendar keeps its sessions apart); sorted all the same
  for (const ev of scripts.values()) ev.sort((a, b) => a.t - b.t);
  return { scripts, users: pop.users.length, tracks: pop.tracks, zipfExponent: pop.zipfExponent, sessions, plays, startMs: 0 };
}
