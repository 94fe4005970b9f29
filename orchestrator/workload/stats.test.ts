import { describe, expect, it } from 'vitest';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { quantile, traceScripts, workloadStats } from './stats.ts';
import { defaultSynthetic, type Machine, syntheticWorkload } from './synthetic.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const login = (t: number, user: string): ScriptEvent => ({ t, action: 'login', user, country: 'SE', quality: 'q5' });
const play = (t: number, track: number, access: 'playlist' | 'random' = 'random'): ScriptEvent => ({ t, action: 'play', track, access });
const skip = (t: number): ScriptEvent => ({ t, action: 'skip' });
const logout = (t: number): ScriptEvent => ({ t, action: 'logout' });
/** Monday 00:00 UTC is 0: day d (0 = Monday), hour h, minute m */
const at = (d: number, h: number, m = 0) => d * DAY + h * HOUR + m * MIN;

describe('workload statistics on hand-made scripts', () => {
  // two users on two machines: a on m1 on Monday and on m2 on Tuesday, b on m1 on Monday evening
  // and on m2 on Saturday; tracks 1, 2, 3 of 200, 300 and 160 s
  const scripts = new Map<string, ScriptEvent[]>([
    [
      'm1',
      [
        login(at(0, 10), 'a'),
        play(at(0, 10), 1),
        play(at(0, 10, 5), 2),
        skip(at(0, 10, 6)),
        play(at(0, 10, 10), 1, 'playlist'),
        logout(at(0, 10, 30)),
        login(at(0, 20), 'b'),
        play(at(0, 20), 1),
        play(at(0, 20, 4), 3),
        logout(at(0, 20, 20)),
      ],
    ],
    ['m2', [login(at(1, 9), 'a'), play(at(1, 9), 2), play(at(1, 9, 3), 1), skip(at(1, 9, 4)), logout(at(1, 9, 40)), login(at(5, 12), 'b'), play(at(5, 12), 3), logout(at(5, 13))]],
    ['m3', []],
  ]);
  const lengths: Record<number, number> = { 1: 200, 2: 300, 3: 160 };
  const s = workloadStats(scripts, { fromMs: 0, toMs: 7 * DAY, trackSec: (t) => lengths[t] });

  it('counts sessions, plays and skips, and sessions per user per day by kind of day', () => {
    expect(s).toMatchObject({ machines: 2, usersSeen: 2, users: 2, sessions: 4, plays: 8, skips: 2, playsOutsideSessions: 0, days: { weekday: 5, weekend: 2 } });
    expect(s.skipShare).toBe(0.25);
    // weekday: a's two sessions and b's Monday one over 2 users × 5 days; weekend: b's Saturday one
    expect(s.sessionsPerUserPerDay.weekday).toBeCloseTo(3 / 10, 12);
    expect(s.sessionsPerUserPerDay.weekend).toBeCloseTo(1 / 4, 12);
    expect(s.sessionsPerUserPerDay.all).toBeCloseTo(4 / 14, 12);
    expect(s.arrivalsPerHour.weekday.flatMap((x, h) => (x ? [[h, x]] : []))).toEqual([
      [9, 1 / 3],
      [10, 1 / 3],
      [20, 1 / 3],
    ]);
    expect(s.arrivalsPerHour.weekend[12]).toBe(1);
    expect(s.arrivalsPerHour.all[12]).toBe(1 / 4);
  });

  it('measures session lengths, plays per session and the downtime between a user’s sessions', () => {
    // 30, 20, 40 and 60 minutes
    expect(s.sessionMinutes).toMatchObject({ n: 4, mean: 37.5, median: 35 });
    expect(s.sessionMinutes.p90).toBeCloseTo(54, 9);
    expect(s.sessionMinutes.sd).toBeCloseTo(Math.sqrt((7.5 ** 2 + 17.5 ** 2 + 2.5 ** 2 + 22.5 ** 2) / 3), 9);
    expect(s.playsPerSession).toMatchObject({ n: 4, mean: 2, median: 2 });
    // a: Monday 10:30 to Tuesday 09:00; b: Monday 20:20 to Saturday 12:00
    expect(s.downtimeMinutes).toMatchObject({ n: 2, overlapping: 0, median: (1350 + 6700) / 2 });
  });

  it('finds a user’s repeats across machines and a machine’s repeats across users, with the time since the last play', () => {
    // a: track 1 again after 10 min on m1; tracks 2 and 1 on m2 the next day; b: track 3 on Saturday
    const u = s.repeats.user;
    expect(u).toMatchObject({ plays: 8, repeats: 4, share: 0.5 });
    expect(u.gapMinutes.n).toBe(4);
    expect(u.gapMinutes.median).toBeCloseTo((at(1, 9, 3) - at(0, 10, 10) + at(1, 9) - at(0, 10, 5)) / 2 / MIN, 9);
    expect(u.gapMinutes.mean).toBeCloseTo((10 + 1373 + 1375 + 6716) / 4, 9);
    expect(u.histogram.filter((b) => b.count).map((b) => [b.fromMinutes, b.toMinutes, b.count])).toEqual([
      [10, 31.62, 1],
      [1000, 3162, 2],
      [3162, 10000, 1],
    ]);
    expect(u.histogram.reduce((a, b) => a + b.share, 0)).toBeCloseTo(1, 12);
    // m1: a's second play of 1 (10 min) and b's play of 1 (590 min after a's); m2 plays three tracks once each
    expect(s.repeats.machine).toMatchObject({ plays: 8, repeats: 2, share: 0.25 });
    expect(s.repeats.machine.gapMinutes.mean).toBe(300);
    // the one playlist play is a repeat (a's track 1 after 10 min); of the seven random picks, three are a user's and one a machine's
    expect(u.byAccess).toEqual({ playlist: { plays: 1, repeats: 1, share: 1 }, random: { plays: 7, repeats: 3, share: 3 / 7 } });
    expect(s.repeats.machine.byAccess).toEqual({ playlist: { plays: 1, repeats: 1, share: 1 }, random: { plays: 7, repeats: 1, share: 1 / 7 } });
  });

  it('gives the distinct tracks’ lengths and the mean over plays', () => {
    expect(s.trackSeconds?.distinct).toMatchObject({ n: 3, min: 160, max: 300, median: 200 });
    expect(s.trackSeconds?.distinct.mean).toBeCloseTo(220, 9);
    expect(s.trackSeconds?.meanPerPlay).toBe((4 * 200 + 2 * 300 + 2 * 160) / 8);
    expect(workloadStats(scripts, { trackSec: () => undefined }).trackSeconds).toBeNull();
  });

  it('orders a user’s plays over sessions on two machines at once, counts the overlap, and places the days by startMs', () => {
    const two = new Map<string, ScriptEvent[]>([
      ['m1', [login(0, 'a'), play(1 * MIN, 5), play(10 * MIN, 6), logout(20 * MIN), play(21 * MIN, 7)]],
      ['m2', [login(5 * MIN, 'a'), play(6 * MIN, 5), logout(15 * MIN)]],
    ]);
    // scripts' 0 on Saturday 00:00: both sessions start at the weekend
    const r = workloadStats(two, { startMs: 5 * DAY });
    expect(r.repeats.user).toMatchObject({ plays: 3, repeats: 1 });
    expect(r.repeats.user.gapMinutes.median).toBe(5);
    // the play after the logout belongs to no user, but m1's cache sees it
    expect(r.playsOutsideSessions).toBe(1);
    expect(r.repeats.machine).toMatchObject({ plays: 4, repeats: 0 });
    expect(r.downtimeMinutes).toMatchObject({ n: 0, overlapping: 1 });
    expect(r.days).toEqual({ weekday: 0, weekend: 1 });
    expect(r.sessionsPerUserPerDay).toEqual({ weekday: null, weekend: 2, all: 2 });
  });

  it('takes quantiles as the sorted values would give them', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (const n of [1, 2, 3, 10, 101, 1000]) {
      // many ties, as plays per session and track lengths have
      const xs = Float64Array.from({ length: n }, () => Math.floor(rnd() * 20));
      const sorted = xs.slice().sort();
      for (const q of [0, 0.1, 0.5, 0.9, 1]) {
        const h = (n - 1) * q;
        const k = Math.floor(h);
        const want = k + 1 < n ? sorted[k] + (h - k) * (sorted[k + 1] - sorted[k]) : sorted[k];
        expect(quantile(xs.slice(), q)).toBeCloseTo(want, 12);
      }
    }
  });

  it('makes a trace into one script per user with replayTrace’s sessions', () => {
    const scripts = traceScripts([
      { t: 0, user: 'x', action: 'login' },
      { t: 1000, user: 'x', action: 'play', track: 9 },
      { t: 2000, user: 'x', action: 'login' },
      { t: 5000, user: 'x', action: 'logout' },
      { t: 6000, user: 'y', action: 'play', track: 9, access: 'playlist' },
      { t: 7000, user: 'y', action: 'skip' },
    ]);
    expect(scripts.get('x')!.map((e) => [e.t, e.action])).toEqual([
      [0, 'login'],
      [1000, 'play'],
      [5000, 'logout'],
    ]);
    expect(scripts.get('y')!.map((e) => [e.t, e.action])).toEqual([
      [5000, 'login'],
      [6000, 'play'],
      [7000, 'skip'],
      [607_000, 'logout'],
    ]);
  });
});

// The synthetic model against what it was given (defaultSynthetic). Every bound below is worked out
// from the parameters and the sample's size, never from a generated week: an expected value (or a
// range of them where the generator's machine calendar thins the sessions, see `q`), widened by 4
// standard errors of a sample of that size.
describe('the synthetic model reproduces its parameters (a week, 1,000 machines, seed 1)', () => {
  const p = defaultSynthetic;
  const COUNTRIES = ['ES', 'FI', 'FR', 'GB', 'NL', 'NO', 'SE'];
  const machines: Machine[] = Array.from({ length: 1000 }, (_, i) => ({ name: `m${i}`, country: COUNTRIES[i % COUNTRIES.length] }));
  const w = syntheticWorkload(machines, 7 * DAY, 1);
  const s = workloadStats(w.scripts, { users: w.users, fromMs: 0, toMs: 7 * DAY });
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

  // the hourly curve in UTC: local hour h is UTC hour h - utcOffsetHours
  const expected = Array.from({ length: 24 }, (_, h) => p.hourly[(h + p.utcOffsetHours) % 24] / sum(p.hourly));
  // a session's drawn length D = max(10 min, X), X exponential of mean sessionMinutes (synthetic.ts userDay)
  const theta = p.sessionMinutes;
  const FLOOR = 10;
  const lambdaMax = Math.max(p.sessionsPerDay.weekday, p.sessionsPerDay.weekend);
  const squares = sum(expected.map((x) => x * x));
  // the machine calendar holds a session from its start to its drawn end plus 6 minutes, with 5 s
  // between sessions: a session is kept only where its home machine is free (or another of its
  // user's); the span it holds is D + 6 min 5 s
  const meanD = FLOOR + theta * Math.exp(-FLOOR / theta);
  const meanSpan = meanD + 6 + 5 / 60;
  /**
   * Contention, to first order. A machine hosts λ sessions a day on average (one user per
   * machine), whose starts have the density e_h per hour; two spans S and S' overlap with
   * probability about (S + S') e_h / 1 h, and half the overlapping pairs were placed the other
   * way round (users in index order, a user's sessions in draw order, both independent of time).
   * So a session starting in hour h, of span S, is dropped with probability at most
   * λ/2 (S + E[S]) e_h / 1 h, and on average q = λ E[S] Σ e_h² / 1 h (about 8.6 % on a weekday).
   * Only its home machine being busy is counted: the user's other machines can only lower it.
   */
  const q = (lambda: number) => (lambda * meanSpan * squares) / 60;
  /** mean and variance of D, each session weighted by `weight(D)` (numerically: a point mass at the floor and the exponential's tail) */
  function moments(weight: (d: number) => number): { mean: number; variance: number } {
    const atFloor = (1 - Math.exp(-FLOOR / theta)) * weight(FLOOR);
    let m0 = atFloor;
    let m1 = atFloor * FLOOR;
    let m2 = atFloor * FLOOR * FLOOR;
    const dx = 0.01;
    for (let x = FLOOR + dx / 2; x < FLOOR + 40 * theta; x += dx) {
      const f = (Math.exp(-x / theta) / theta) * dx * weight(x);
      m0 += f;
      m1 += f * x;
      m2 += f * x * x;
    }
    return { mean: m1 / m0, variance: m2 / m0 - (m1 / m0) ** 2 };
  }
  const drawn = moments(() => 1);
  // kept with probability 1 - λ/2 (S + E[S]) Σ e_h² / 1 h, S = D + 6 min 5 s: long sessions are dropped more
  const thinned = moments((d) => Math.max(0, 1 - ((lambdaMax / 2) * (d + 6 + 5 / 60 + meanSpan) * squares) / 60));
  /**
   * The session runs past its drawn end to the end of the track under way (plus the 1 s gap): a
   * renewal process's residual life, E[S²] / 2E[S] over the slots S between plays. Whatever the
   * plays' weights on track lengths of 150-329 s (core/content.ts), that lies between E[S] / 2 >=
   * (150 s × ((1 - skipShare) + skipShare × 0.325) + 1 s) / 2 (a skip stops at 5-60 %, 32.5 % on
   * average) and max S / 2 = 165 s. The first play starts 2 s after the login.
   */
  const overMin = (150 * (1 - p.skipShare + p.skipShare * 0.325) + 1) / 2 / 60 + 2 / 60;
  const overMax = 330 / 2 / 60 + 2 / 60;

  it('generated the week whose statistics are read', () => {
    expect(drawn.mean).toBeCloseTo(meanD, 3);
    expect(drawn.variance).toBeCloseTo(FLOOR ** 2 + Math.exp(-FLOOR / theta) * (2 * FLOOR * theta + 2 * theta ** 2) - meanD ** 2, 1);
    expect(s.sessions).toBe(w.sessions);
    expect(s.plays).toBe(w.plays);
    expect(s.playsOutsideSessions).toBe(0);
  });

  it('has sessionsPerDay sessions per user on weekdays and at weekends, less what the machine calendar drops', () => {
    for (const kind of ['weekday', 'weekend'] as const) {
      const lambda = p.sessionsPerDay[kind];
      const days = kind === 'weekday' ? 5 : 2;
      // Poisson per user per day: the count over users × days has variance equal to its mean
      const se = Math.sqrt(lambda / (w.users * days));
      const got = s.sessionsPerUserPerDay[kind]!;
      expect(got, kind).toBeGreaterThan(lambda * (1 - q(lambda)) - 4 * se);
      expect(got, kind).toBeLessThan(lambda + 4 * se);
    }
  });

  it('has the mean and spread of its truncated exponential session length, plus the last track', () => {
    const n = s.sessions;
    const se = Math.sqrt(drawn.variance / n);
    const lo = thinned.mean + overMin;
    const hi = drawn.mean + overMax;
    expect(s.sessionMinutes.mean).toBeGreaterThan(lo - 4 * se);
    expect(s.sessionMinutes.mean).toBeLessThan(hi + 4 * se);
    // "looks exponential": the coefficient of variation of max(10, X) is 0.975 (an exponential's is 1).
    // The last track adds a mean in [overMin, overMax] and a variance of at most (5.5 min)² / 4;
    // the calendar's thinning lowers the spread. Standard error of a sample's CV, for an
    // exponential's kurtosis of 9: CV × sqrt((9 - 1) / 4n + CV² / n)
    const cvLo = Math.sqrt(thinned.variance) / (drawn.mean + overMax);
    const cvHi = Math.sqrt(drawn.variance + 5.5 ** 2 / 4) / (thinned.mean + overMin);
    const cvSe = cvHi * Math.sqrt(2 / n + cvHi ** 2 / n);
    expect(s.sessionMinutes.cv).toBeGreaterThan(cvLo - 4 * cvSe);
    expect(s.sessionMinutes.cv).toBeLessThan(cvHi + 4 * cvSe);
  });

  it('puts session arrivals in each UTC hour as its hourly curve says, within a total variation distance an hour’s shift would exceed', () => {
    const n = s.sessions;
    const tvd = (a: readonly number[], b: readonly number[]) => sum(a.map((x, h) => Math.abs(x - b[h]))) / 2;
    // what the calendar's drops do to the curve: busy hours lose more (q_h = λ E[S] e_h / 1 h)
    const kept = expected.map((x) => x * (1 - (lambdaMax * meanSpan * x) / 60));
    const thinnedCurve = kept.map((x) => x / sum(kept));
    // sampling: E|share_h - e_h| <= sqrt(e_h (1 - e_h) / n); and one session moves the distance by at
    // most 1/n, so it exceeds its mean by ε with probability at most exp(-2nε²) (McDiarmid): 1e-4 here
    const sampling = sum(expected.map((x) => Math.sqrt((x * (1 - x)) / n))) / 2 + Math.sqrt(Math.log(1e4) / (2 * n));
    const bound = tvd(expected, thinnedCurve) + sampling;
    expect(tvd(s.arrivalsPerHour.all, expected)).toBeLessThan(bound);
    // the bound tells a curve an hour out (a wrong utcOffsetHours) from the right one
    const shifted = expected.map((_, h) => expected[(h + 1) % 24]);
    expect(tvd(shifted, expected)).toBeGreaterThan(bound);
  });

  it('skips skipShare of its plays', () => {
    expect(Math.abs(s.skipShare - p.skipShare)).toBeLessThan(4 * Math.sqrt((p.skipShare * (1 - p.skipShare)) / s.plays));
  });

  it('plays tracks of 150-329 s, uniform over the tracks played', () => {
    const d = s.trackSeconds!.distinct;
    expect(d.min).toBeGreaterThanOrEqual(150);
    expect(d.max).toBeLessThanOrEqual(329);
    // uniform over the 180 whole seconds 150..329: mean and median 239.5, sd sqrt((180² - 1) / 12);
    // the standard error of a sample quantile q is sqrt(q (1 - q) / n) / density, density 1/180
    const n = d.n;
    expect(Math.abs(d.mean - 239.5)).toBeLessThan(4 * Math.sqrt((180 ** 2 - 1) / 12 / n));
    expect(Math.abs(d.median - 239.5)).toBeLessThan(4 * 180 * Math.sqrt(0.25 / n));
    expect(Math.abs(d.p90 - (150 + 0.9 * 179))).toBeLessThan(4 * 180 * Math.sqrt(0.09 / n));
  });
});
