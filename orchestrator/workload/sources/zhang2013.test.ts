// The current synthetic model against its own parameters (a self-consistency check that can fail)
// and against what Zhang et al. 2013 reports (zhang2013.ts). The second part only records the gaps
// in a table in the test's output: it asserts nothing about the paper, because the model has not
// yet been moved to the sources (a later step of the same issue; until then the nightly
// benchmark's numbers rest on the current defaults, docs/workload.md).
import { describe, expect, it } from 'vitest';
import { defaultSynthetic, type Machine, syntheticWorkload } from '../synthetic.ts';
import { zhang2013 } from './zhang2013.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const p = defaultSynthetic;

// 3,000 users (one per machine), spread over the countries of the paper's Table I
const COUNTRIES = ['ES', 'FI', 'FR', 'GB', 'NL', 'NO', 'SE'];
const machines: Machine[] = Array.from({ length: 3000 }, (_, i) => ({ name: `m${i}`, country: COUNTRIES[i % COUNTRIES.length] }));
const w = syntheticWorkload(machines, 7 * DAY, 2013);

interface Session {
  start: number;
  length: number;
  mobile: boolean;
  premium: boolean;
}
const sessions: Session[] = [];
for (const ev of w.scripts.values()) {
  let open: { t: number; mobile: boolean; premium: boolean } | null = null;
  for (const e of ev) {
    if (e.action === 'login') open = { t: e.t, mobile: e.mobile === true, premium: e.quality === 'q9' };
    else if (e.action === 'logout' && open) {
      sessions.push({ start: open.t, length: e.t - open.t, mobile: open.mobile, premium: open.premium });
      open = null;
    }
  }
}

const weekend = (t: number) => Math.floor(t / DAY) % 7 >= 5;
const localHour = (t: number) => (Math.floor((t % DAY) / HOUR) + p.utcOffsetHours + 24) % 24;
/** share of the sessions' arrivals in each local hour 0..23 */
function perHour(list: Session[]): number[] {
  const n = new Array<number>(24).fill(0);
  for (const s of list) n[localHour(s.start)]++;
  return n.map((x) => x / Math.max(1, list.length));
}
const argmin = (xs: number[], from = 0, to = xs.length - 1) => xs.reduce((b, x, i) => (i >= from && i <= to && x < xs[b] ? i : b), from);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** the hours at which a curve takes its lowest (or highest) value, as "2-5h" (a flat stretch) */
function at(xs: number[], pick: (a: number, b: number) => number): number[] {
  const v = xs.reduce((a, b) => pick(a, b));
  return xs.flatMap((x, h) => (x === v ? [h] : []));
}
const span = (hs: number[]) => (hs.length > 1 ? `${hs[0]}-${hs[hs.length - 1]}h` : `${hs[0]}h`);
/**
 * a morning peak followed by a lunch dip in a curve: its highest hour in 6..11 a.m., and whether
 * some hour after it, up to 3 p.m., is lower
 */
function morning(curve: number[]): { peak: number[]; dip: boolean } {
  const top = Math.max(...curve.slice(6, 12));
  const peak = curve.flatMap((x, h) => (h >= 6 && h <= 11 && x === top ? [h] : []));
  return { peak, dip: curve.slice(peak[peak.length - 1] + 1, 16).some((x) => x < top) };
}

const weekdaySessions = sessions.filter((s) => !weekend(s.start));
const weekendSessions = sessions.filter((s) => weekend(s.start));
const all = perHour(sessions);
const wd = perHour(weekdaySessions);
const we = perHour(weekendSessions);
const wdDesktop = perHour(weekdaySessions.filter((s) => !s.mobile));
const wdMobile = perHour(weekdaySessions.filter((s) => s.mobile));
const hourlyPromise = p.hourly.map((x) => x / p.hourly.reduce((a, b) => a + b, 0));
const medianMin = median(sessions.map((s) => s.length)) / MIN;
const mobileShareOfSessions = sessions.filter((s) => s.mobile).length / sessions.length;
const perUserDay = { weekday: weekdaySessions.length / (w.users * 5), weekend: weekendSessions.length / (w.users * 2) };

describe('the synthetic model against its own parameters', () => {
  it('generates a week for a few thousand users', () => {
    expect(w.users).toBe(3000);
    expect(sessions.length).toBe(w.sessions);
  });

  it('puts session arrivals in each local hour as its hourly curve says', () => {
    // about 27,000 sessions: a share of 1/24 has a standard error of about 0.0012, and the worst of
    // the 24 hours was 0.002 to 0.005 off over three seeds; a curve shifted by an hour is 0.014 off
    for (let h = 0; h < 24; h++) expect(Math.abs(all[h] - hourlyPromise[h])).toBeLessThan(0.008);
  });

  it('has the median session length of its length distribution, plus at most the last track', () => {
    // a drawn length is max(10 min, exponential of mean sessionMinutes); the session then runs to the
    // end of the track under way (at most 329 s, core/content.ts) and the 1 s gap after it
    const drawn = Math.max(10, p.sessionMinutes * Math.LN2);
    expect(medianMin).toBeGreaterThan(0.95 * drawn);
    expect(medianMin).toBeLessThan(drawn + 6);
  });

  it('has the mobile share of users in its sessions', () => {
    // users are mobile with probability mobileShare: four standard errors of the users' draw
    expect(Math.abs(mobileShareOfSessions - p.mobileShare)).toBeLessThan(4 * Math.sqrt((p.mobileShare * (1 - p.mobileShare)) / w.users));
  });

  it('has sessionsPerDay sessions per user per day, within 10 %', () => {
    expect(perUserDay.weekday / p.sessionsPerDay.weekday).toBeGreaterThan(0.9);
    expect(perUserDay.weekday / p.sessionsPerDay.weekday).toBeLessThan(1.1);
    expect(perUserDay.weekend / p.sessionsPerDay.weekend).toBeGreaterThan(0.9);
    expect(perUserDay.weekend / p.sessionsPerDay.weekend).toBeLessThan(1.1);
    const week = (5 * p.sessionsPerDay.weekday + 2 * p.sessionsPerDay.weekend) / 7;
    expect(sessions.length / (w.users * 7) / week).toBeGreaterThan(0.9);
    expect(sessions.length / (w.users * 7) / week).toBeLessThan(1.1);
  });
});

describe('the synthetic model against Zhang et al. 2013 (recorded, not asserted)', () => {
  it('prints the gaps', () => {
    // The landmarks are read off the model's hourly curve itself: the generated week follows it
    // (asserted above), on every day and for mobile and desktop alike (synthetic.ts has one curve),
    // and the sampled week's own curves (printed below) are too noisy for a peak of an hour.
    const z = zhang2013.sessionArrivals;
    const hours = (h: readonly number[]) => h.map((x) => `${x}h`).join('-');
    const trough = at(p.hourly, Math.min);
    const top = at(p.hourly, Math.max);
    const m = morning(p.hourly);
    const mobilePremium = sessions.filter((s) => s.mobile && s.premium).length / Math.max(1, sessions.filter((s) => s.mobile).length);
    const none = '(no figure: see zhang2013.missing)';
    const rows: [string, string, string, string][] = [
      [
        'arrival trough, local hour',
        `${span(trough)} (sampled lowest: ${argmin(all)}h)`,
        `${z.troughHour.value}h (${z.troughHour.from.kind})`,
        trough.includes(z.troughHour.value) ? `the trough is ${trough.length} h wide` : `${trough[0] - z.troughHour.value} h`,
      ],
      ['daily (evening) peak', span(top), `${hours(z.eveningPeakHours.value)} (${z.eveningPeakHours.from.kind})`, `${top[0] - z.eveningPeakHours.value[0]} h later`],
      [
        'weekday morning peak (6-11h)',
        m.dip ? `at ${span(m.peak)}` : `none: flat at ${span(m.peak)}, then rising`,
        `${hours(z.morningPeakHours.value)} (${z.morningPeakHours.from.kind})`,
        m.dip ? 'none' : 'missing in the model',
      ],
      ['weekday lunch dip', m.dip ? 'yes' : 'no', `${z.weekdayLunchDip.value ? 'yes' : 'no'} (${z.weekdayLunchDip.from.kind})`, m.dip === z.weekdayLunchDip.value ? 'none' : 'missing in the model'],
      [
        'weekend morning peak and lunch dip',
        m.dip ? 'yes (one curve for all days)' : 'no (one curve for all days)',
        `${z.weekendMorningPeakAndLunchDip.value ? 'yes' : 'no'} (${z.weekendMorningPeakAndLunchDip.from.kind})`,
        m.dip === z.weekendMorningPeakAndLunchDip.value ? 'none, as no day has them' : 'differs',
      ],
      ['weekday vs weekend hourly shape', 'one curve for all days', 'differs (morning peak, lunch dip on weekdays only)', 'missing in the model'],
      [
        'mobile morning peak before desktop, weekdays',
        '0 h (one curve for both)',
        `${z.mobileMorningLeadHours.value} h (${z.mobileMorningLeadHours.from.kind})`,
        `${z.mobileMorningLeadHours.value} h`,
      ],
      [
        'mobile sessions by premium users',
        `${(100 * mobilePremium).toFixed(1)} % (drawn independently)`,
        `all (${zhang2013.dataset.mobileNeedsPremium.from.kind})`,
        `${(100 * (1 - mobilePremium)).toFixed(1)} points`,
      ],
      ['median session length', `${medianMin.toFixed(1)} min`, none, 'unknown'],
      ['session length by hour of day', 'independent of the hour', `varies (${zhang2013.sessionLength.dailyVariation.from.kind}), values ${none}`, 'shape unknown'],
      ['downtime vs length of successive sessions', 'independent', `correlated (${zhang2013.downtime.correlatedWithLength.from.kind}), values ${none}`, 'sign and size unknown'],
      ['mobile share of sessions', `${(100 * mobileShareOfSessions).toFixed(1)} %`, none, 'unknown'],
      ['sessions per user per day (weekday/weekend)', `${perUserDay.weekday.toFixed(2)} / ${perUserDay.weekend.toFixed(2)}`, none, 'unknown'],
    ];
    const width = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length), 8));
    const line = (r: string[]) => r.map((x, c) => x.padEnd(width[c])).join(' | ');
    const table = [line(['quantity', 'model (generated week)', 'Zhang et al. 2013', 'gap']), width.map((n) => '-'.repeat(n)).join('-|-'), ...rows.map(line)];
    const curve = (name: string, xs: number[]) => `${name.padEnd(16)} ${xs.map((x) => (100 * x).toFixed(1).padStart(4)).join(' ')}`;
    console.log(
      [
        `Synthetic model (defaults) vs Zhang et al. 2013: ${w.users} users, ${sessions.length} sessions in a week`,
        ...table,
        '',
        'session arrivals per local hour, % of the day (hours 0..23):',
        curve('weekday', wd),
        curve('weekend', we),
        curve('weekday mobile', wdMobile),
        curve('weekday desktop', wdDesktop),
        `Zhang et al. 2013: no hourly values (figure not reachable); ${zhang2013.missing.length} quantities missing, see zhang2013.ts`,
      ].join('\n'),
    );
    expect(rows.length).toBeGreaterThan(0);
  });
});
