import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importLastfm } from './importers/lastfm.ts';
import { importMssd } from './importers/mssd.ts';
import { workloadStats } from './stats.ts';
import { calibrateZipf, coprimeStep, defaultSynthetic, syntheticWorkload, zipfSum } from './synthetic.ts';
import { bulkSpan, readTrace, replayTrace, type TraceEvent, traceStartMs } from './trace.ts';
import { syntheticWindow, windowWorkload } from './window.ts';

const machines = Array.from({ length: 40 }, (_, i) => ({ name: `m${i}`, country: i < 20 ? 'SE' : 'ES' }));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-wl-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const tmp = (name: string, text: string) => {
  const f = path.join(fs.mkdtempSync(path.join(root, 'f-')), name);
  fs.writeFileSync(f, text);
  return f;
};

describe('synthetic workload', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = syntheticWorkload(machines, 2 * 86_400_000, 5);
    const b = syntheticWorkload(machines, 2 * 86_400_000, 5);
    expect(JSON.stringify([...a.scripts])).toBe(JSON.stringify([...b.scripts]));
    expect(JSON.stringify([...syntheticWorkload(machines, 2 * 86_400_000, 6).scripts])).not.toBe(JSON.stringify([...a.scripts]));
  });

  it('puts 88% of plays on the top 12% of tracks, ~39% random access, and one session per machine at a time', () => {
    const w = syntheticWorkload(machines, 7 * 86_400_000, 1);
    const plays = [...w.scripts.values()].flat().filter((e) => e.action === 'play');
    const counts = new Map<number, number>();
    for (const p of plays) if (p.action === 'play') counts.set(p.track, (counts.get(p.track) ?? 0) + 1);
    const sorted = [...counts.values()].sort((x, y) => y - x);
    const head = sorted.slice(0, Math.round(w.tracks * 0.12)).reduce((s, x) => s + x, 0);
    expect(head / plays.length).toBeGreaterThan(0.8);
    const random = plays.filter((p) => p.action === 'play' && p.access === 'random').length / plays.length;
    expect(random).toBeGreaterThan(0.3);
    expect(random).toBeLessThan(0.55);
    for (const ev of w.scripts.values()) {
      let inSession = false;
      for (const e of ev) {
        if (e.action === 'login') {
          expect(inSession).toBe(false);
          inSession = true;
        }
        if (e.action === 'logout') inSession = false;
      }
    }
    // users visit more than one machine (Table I)
    const machinesOf = new Map<string, Set<string>>();
    for (const [m, ev] of w.scripts) for (const e of ev) if (e.action === 'login') machinesOf.set(e.user, (machinesOf.get(e.user) ?? new Set()).add(m));
    expect([...machinesOf.values()].some((s) => s.size > 1)).toBe(true);
    expect(calibrateZipf(1000, 0.12, 0.88)).toBeGreaterThan(0.8);
  });

  it('calibrates a catalogue of millions as the exact sum would, and takes a fixed catalogue size', () => {
    const exact = (n: number, s: number) => {
      let t = 0;
      for (let i = 1; i <= n; i++) t += 1 / i ** s;
      return t;
    };
    for (const s of [0.6, 1, 1.3]) expect(zipfSum(300_000, s) / exact(300_000, s)).toBeCloseTo(1, 8);
    // [1]'s catalogue: the top 12% of 8 million tracks take 88% of the plays
    const s8m = calibrateZipf(8_000_000, 0.12, 0.88);
    expect(zipfSum(960_000, s8m) / zipfSum(8_000_000, s8m)).toBeCloseTo(0.88, 4);
    const w = syntheticWorkload(machines, 86_400_000, 3, { ...defaultSynthetic, catalogue: 8_000_000 });
    expect(w.tracks).toBe(8_000_000);
    expect(w.zipfExponent).toBeCloseTo(s8m, 10);
    // a catalogue whose size is a multiple of the step ranks are spread by still has every track
    const w7919 = syntheticWorkload(machines, 86_400_000, 3, { ...defaultSynthetic, catalogue: 7919 * 2 });
    const played = new Set([...w7919.scripts.values()].flatMap((s) => s.flatMap((e) => (e.action === 'play' ? [e.track] : []))));
    expect(played.size).toBeGreaterThan(20);
    expect(coprimeStep(1000)).toBe(7919);
    expect(coprimeStep(7919 * 4)).toBe(7921);
    // the default scales the catalogue with the population: [1]'s 8 million tracks for 7 million users
    expect(syntheticWorkload(machines, 86_400_000, 3).tracks).toBe(Math.max(50, Math.round((machines.length * 8) / 7)));
  });
});

describe('the playlists and the home machine (assumptions, docs/workload.md)', () => {
  const WEEK = 7 * 86_400_000;
  const digest = (w: ReturnType<typeof syntheticWorkload>) =>
    createHash('sha256')
      .update(JSON.stringify([...w.scripts]))
      .digest('hex')
      .slice(0, 16);

  it('draw, at their defaults, the workload they drew as constants', () => {
    // taken from the generator before playlists and homeShare were parameters: any other draw
    // of rnd(), or one in another order, changes it
    const w = syntheticWorkload(machines, WEEK, 1);
    expect([digest(w), w.sessions, w.plays]).toEqual(['510ade424f642a57', 342, 6778]);
    const explicit = syntheticWorkload(machines, WEEK, 1, { ...defaultSynthetic, playlists: { count: 3, minTracks: 8, maxTracks: 19 }, homeShare: 0.6 });
    expect(digest(explicit)).toBe(digest(w));
  });

  it('fewer and shorter playlists bring a user back to the same tracks more often', () => {
    // the service's catalogue, as the benchmarks use: at 50 tracks nearly every play is a repeat
    const repeats = (playlists: { count: number; minTracks: number; maxTracks: number }) => {
      const w = syntheticWorkload(machines, WEEK, 1, { ...defaultSynthetic, catalogue: 8_000_000, playlists });
      return workloadStats(w.scripts).repeats;
    };
    const few = repeats({ count: 1, minTracks: 8, maxTracks: 8 });
    const usual = repeats(defaultSynthetic.playlists);
    const many = repeats({ count: 10, minTracks: 30, maxTracks: 60 });
    expect(few.user.share).toBeGreaterThan(usual.user.share + 0.05);
    expect(usual.user.share).toBeGreaterThan(many.user.share + 0.05);
    expect(few.machine.share).toBeGreaterThan(many.machine.share + 0.1);
    expect(few.user.byAccess.playlist.share).toBeGreaterThan(many.user.byAccess.playlist.share + 0.3);
  });

  it('at homeShare 1 a session goes elsewhere only when the home machine is taken', () => {
    // sessions away from home while home was free, by the scripts: a home session within the
    // calendar's margins (6 min after a session's end, 5 s between sessions) of the away one
    const awayWhileFree = (homeShare: number) => {
      const w = syntheticWorkload(machines, WEEK, 1, { ...defaultSynthetic, homeShare });
      const spans = new Map<string, { user: string; from: number; to: number }[]>();
      for (const [m, events] of w.scripts) {
        const list: { user: string; from: number; to: number }[] = [];
        for (const e of events) {
          if (e.action === 'login') list.push({ user: e.user, from: e.t, to: e.t });
          if (e.action === 'logout') list[list.length - 1].to = e.t;
        }
        spans.set(m, list);
      }
      const margin = 6 * 60_000 + 5_000;
      let away = 0;
      let free = 0;
      for (const [m, list] of spans)
        for (const s of list) {
          // user i's home is machine i (one user per machine)
          const home = `m${/^u(\d+)-/.exec(s.user)![1]}`;
          if (home === m) continue;
          away++;
          if (!spans.get(home)!.some((h) => h.from < s.to + margin && s.from < h.to + margin)) free++;
        }
      return { away, free };
    };
    const always = awayWhileFree(1);
    expect(always.away).toBeGreaterThan(0);
    expect(always.free).toBe(0);
    // the default sends some sessions away from a free home, and homeShare 0 more
    const usual = awayWhileFree(defaultSynthetic.homeShare);
    const never = awayWhileFree(0);
    expect(usual.free).toBeGreaterThan(0);
    expect(never.free).toBeGreaterThan(usual.free);
  });
});

describe('a window of the synthetic week (workload.synthetic.start)', () => {
  it('keeps every play of the window, logs sessions under way in at 0 and out at the end, and counts from the window', () => {
    const from = 18 * 3_600_000;
    const to = from + 3_600_000;
    const whole = syntheticWorkload(machines, to, 3, { ...defaultSynthetic, sessionMinutes: 120, sessionsPerDay: { weekday: 3, weekend: 3 } });
    const w = windowWorkload(whole, from, to);
    const inWindow = [...whole.scripts.values()].flat().filter((e) => e.action === 'play' && e.t >= from && e.t < to).length;
    expect(inWindow).toBeGreaterThan(10);
    expect(w.plays).toBe(inWindow);
    expect(w.startMs).toBe(from);
    let relogged = 0;
    for (const [name, events] of w.scripts) {
      let on = false;
      let playing = false;
      for (const e of events) {
        expect(e.t).toBeGreaterThanOrEqual(0);
        expect(e.t).toBeLessThanOrEqual(to - from);
        if (e.action === 'login') {
          expect(on, `${name}: a login inside a session`).toBe(false);
          on = true;
          playing = false;
          if (e.t === 0) relogged++;
        } else {
          expect(on, `${name}: ${e.action} outside a session`).toBe(true);
          if (e.action === 'logout') on = false;
          if (e.action === 'play') {
            // the first play of a session logged in again waits for its login
            if (!playing) expect(e.t).toBeGreaterThanOrEqual(2_000);
            playing = true;
          }
          if (e.action === 'skip') expect(playing, `${name}: a skip of a track from before the window`).toBe(true);
        }
      }
      expect(on, `${name}: a session never logged out`).toBe(false);
    }
    // the busy hour starts with listeners already listening
    expect(relogged).toBeGreaterThan(0);
    expect(w.sessions).toBe([...w.scripts.values()].flat().filter((e) => e.action === 'login').length);
  });
});

describe('the week made a day at a time', () => {
  const DAY = 86_400_000;
  const params = { ...defaultSynthetic, sessionMinutes: 120 };
  // Thursday 18:00-20:00: days before it are let go as they are made, and sessions run past midnight
  const start = 3 * DAY + 18 * 3_600_000;
  const hours = 2 * 3_600_000;

  it('gives the window of the whole week, cold and warm, and the warm-up the week up to its pre-roll', () => {
    const week = syntheticWorkload(machines, start + hours + DAY, 4, params);
    const cold = syntheticWindow(machines, start, hours, 4, params, false);
    const whole = windowWorkload(week, start, start + hours);
    expect(cold.plays).toBeGreaterThan(20);
    expect([...cold.scripts]).toEqual([...whole.scripts]);
    expect([cold.sessions, cold.plays, cold.startMs]).toEqual([whole.sessions, whole.plays, whole.startMs]);

    const warm = syntheticWindow(machines, start, hours, 4, params, true);
    const pre = warm.preRollMs!;
    expect(pre).toBeGreaterThan(0);
    expect([...warm.scripts]).toEqual([...windowWorkload(week, start - pre, start + hours).scripts]);
    // the days before, made again, hold every event of the week before the pre-roll, machine by machine
    const before = new Map<string, unknown[]>();
    const days: number[] = [];
    for (const day of warm.before!.days()) {
      days.push(day.day);
      for (const [name, events] of day.scripts) before.set(name, [...(before.get(name) ?? []), ...events.filter((e) => e.t < warm.before!.untilMs)]);
    }
    expect(days).toEqual([0, 1, 2, 3]);
    for (const [name, events] of week.scripts) expect(before.get(name) ?? [], name).toEqual(events.filter((e) => e.t < start - pre));
    // and the same days a second time
    expect([...warm.before!.days()].length).toBe(4);
  });

  it("draws each day from the day's own stream: a longer workload keeps the shorter one's days", () => {
    const two = syntheticWorkload(machines, 2 * DAY, 9, params);
    const three = syntheticWorkload(machines, 3 * DAY, 9, params);
    // the two-day workload cuts its last sessions at its end; the three-day one runs them on
    const early = (w: typeof two) => [...w.scripts].map(([n, ev]) => [n, ev.filter((e) => e.t < DAY)]);
    expect(early(three)).toEqual(early(two));
    expect(three.plays).toBeGreaterThan(two.plays);
  });
});

describe('traces and importers', () => {
  it('reads the native format and names the line of a bad event', async () => {
    const f = tmp('t.jsonl', '{"t":0,"user":"a","action":"login","country":"SE"}\n{"t":1000,"user":"a","action":"play","track":"song-x"}\n{"t":300000,"user":"a","action":"logout"}\n');
    const ev = await readTrace(f);
    expect(ev.map((e) => e.action)).toEqual(['login', 'play', 'logout']);
    const w = replayTrace(ev, machines, 1, 86_400_000);
    const used = [...w.scripts.values()].filter((s) => s.length);
    expect(used).toHaveLength(1);
    expect(used[0].map((e) => e.action)).toEqual(['login', 'play', 'logout']);
    await expect(readTrace(tmp('b.jsonl', '{"t":0,"user":"a","action":"dance"}\n'))).rejects.toThrow(/b\.jsonl:1: field "action" must be one of login, play, skip, seek, logout/);
  });

  it("logs a user in after the previous user's logout on the same machine, so that none of their plays is lost", () => {
    const one = [{ name: 'm1', country: 'SE' }];
    const ev: TraceEvent[] = [
      { t: 0, user: 'alice', action: 'login', country: 'SE' },
      { t: 1_000, user: 'alice', action: 'play', track: 1 },
      { t: 60_500, user: 'alice', action: 'logout' },
      // bob has no session: logged in a second before his play, at 60 000, before alice's logout
      { t: 61_000, user: 'bob', action: 'play', track: 2, country: 'SE' },
      { t: 120_000, user: 'bob', action: 'play', track: 3 },
      { t: 180_000, user: 'bob', action: 'play', track: 4 },
    ];
    const w = replayTrace(ev, one, 1, 86_400_000);
    const script = w.scripts.get('m1')!;
    expect(script.map((e) => `${e.action}${e.action === 'login' ? ` ${e.user}` : ''}`)).toEqual(['login alice', 'play', 'logout', 'login bob', 'play', 'play', 'play', 'logout']);
    expect(script.find((e) => e.action === 'login' && e.user === 'bob')!.t).toBe(60_500);
    expect(w.plays).toBe(4);
  });

  it("finds each play's next playlist track in one pass, at a million plays", () => {
    const n = 1_000_000;
    const ev: TraceEvent[] = [{ t: 0, user: 'a', action: 'login', country: 'SE' }];
    for (let i = 0; i < n; i++) ev.push({ t: 1 + i, user: 'a', action: 'play', track: i % 1000, access: i % 2 ? 'playlist' : 'random' });
    const w = replayTrace(ev, [{ name: 'm1', country: 'SE' }], 1, 86_400_000);
    const plays = w.scripts.get('m1')!.filter((e) => e.action === 'play');
    expect(plays).toHaveLength(n);
    // a play is followed by a playlist play at every even index
    expect(plays[0].next).toBe(1);
    expect(plays[1].next).toBeUndefined();
    expect(plays[n - 2].next).toBe((n - 1) % 1000);
  });

  it('replays from a start inside the week: scripts count from it, events before it and after its window are left out', async () => {
    const h = 3_600_000;
    // Thursday 14:00 (3 days and 14 hours after Monday 00:00 UTC), a play at 14:01 and one a day later
    const at = 3 * 24 * h + 14 * h;
    const f = tmp(
      'mid.jsonl',
      [
        { t: at - 2 * h, user: 'early', action: 'play', track: 1, country: 'SE' },
        { t: at, user: 'a', action: 'login', country: 'SE' },
        { t: at + 60_000, user: 'a', action: 'play', track: 'x' },
        { t: at + 24 * h, user: 'a', action: 'play', track: 'y' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const ev = await readTrace(f);
    expect(traceStartMs({ at: 'first-event' }, at + 17_000, null)).toBe(at);
    expect(traceStartMs({ at: 'week' }, at, null)).toBe(0);
    expect(traceStartMs({ at: 'offset', ms: h }, at, null)).toBe(h);
    // a date, in a trace whose workload 0 is Monday 2009-05-04: that many ms after it
    const date = (text: string) => ({ at: 'date' as const, ms: Date.parse(text), text });
    expect(traceStartMs(date('2009-05-14'), 0, Date.UTC(2009, 4, 4))).toBe(10 * 24 * h);
    expect(() => traceStartMs(date('2009-05-01'), 0, Date.UTC(2009, 4, 4))).toThrow(/2009-05-01 is before the trace's first week, which begins on Monday 2009-05-04/);
    expect(() => traceStartMs(date('2009-05-14'), 0, null)).toThrow(/is a date, but the trace's times are not dates/);
    const w = replayTrace(ev, machines, 1, 6 * h, at);
    expect(w.startMs).toBe(at);
    expect(w.plays).toBe(1);
    const used = [...w.scripts.values()].flat();
    expect(used.find((e) => e.action === 'play')?.t).toBe(60_000);
    expect(Math.min(...used.map((e) => e.t))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...used.map((e) => e.t))).toBeLessThan(6 * h);
    // from the week's Monday the same six hours hold nothing of it
    expect(replayTrace(ev, machines, 1, 6 * h).plays).toBe(0);
  });

  it('imports Last.fm 1K histories: sessions cut on gaps, skips when the next play came early', async () => {
    const rows = [
      ['user_000001', '2009-05-04T12:00:00Z', 'a1', 'Artist', 't1', 'One'],
      ['user_000001', '2009-05-04T12:00:30Z', 'a1', 'Artist', 't2', 'Two'], // 30 s after: t1 was skipped
      ['user_000001', '2009-05-04T18:00:00Z', 'a1', 'Artist', '', 'Three'], // new session; no track id
    ].map((r) => r.join('\t'));
    const ev = await importLastfm(tmp('lastfm.tsv', rows.reverse().join('\n') + '\n'));
    expect(ev.map((e) => e.action)).toEqual(['login', 'play', 'skip', 'play', 'logout', 'login', 'play', 'logout']);
    expect(ev[1].t).toBe(12 * 3_600_000); // Monday 2009-05-04 12:00 UTC
    await expect(importLastfm(tmp('bad.tsv', 'user\tnot-a-time\ta\tb\tc\td\n'))).rejects.toThrow(/bad\.tsv:1: field 2 \(timestamp\)/);
  });

  it('imports Spotify streaming-session logs: one user per session, skips by flag, premium as q9', async () => {
    const header =
      'session_id,session_position,session_length,track_id_clean,skip_1,skip_2,skip_3,not_skipped,context_switch,no_pause_before_play,short_pause_before_play,long_pause_before_play,hist_user_behavior_n_seekfwd,hist_user_behavior_n_seekback,hist_user_behavior_is_shuffle,hour_of_day,date,premium,context_type,hist_user_behavior_reason_start,hist_user_behavior_reason_end';
    const row = (pos: number, track: string, skip1: boolean) => `s1,${pos},2,${track},${skip1},false,false,${!skip1},0,0,0,0,0,0,false,20,2018-07-15,true,editorial_playlist,trackdone,trackdone`;
    const ev = await importMssd(tmp('log.csv', [header, row(2, 't_b', false), row(1, 't_a', true)].join('\n') + '\n'));
    expect(ev.map((e) => e.action)).toEqual(['login', 'play', 'skip', 'play', 'logout']);
    expect(ev[0]).toMatchObject({ user: 's-s1', quality: 'q9' });
    expect(ev[1].t).toBeGreaterThanOrEqual(6 * 86_400_000 + 20 * 3_600_000); // Sunday 20:00
    await expect(importMssd(tmp('x.csv', 'session_id,track_id_clean\n'))).rejects.toThrow(/x\.csv:1: missing columns/);
  });

  it('imports large files in time linear in their size: a one-user Last.fm history, 150k MSSD sessions, a byte-order mark', async () => {
    const lastfm = (n: number) =>
      '\uFEFF' + Array.from({ length: n }, (_, i) => `user_000001\t${new Date(Date.UTC(2009, 4, 4) + i * 200_000).toISOString()}\ta\tArtist\tt${i % 5000}\tName`).join('\n') + '\n';
    const perRow = async (n: number) => {
      const f = tmp(`big-${n}.tsv`, lastfm(n));
      const t0 = performance.now();
      const ev = await importLastfm(f);
      expect(ev.filter((e) => e.action === 'play')).toHaveLength(n);
      return (performance.now() - t0) / n;
    };
    await perRow(5_000); // warm up the JIT
    const small = await perRow(20_000);
    const large = await perRow(160_000);
    // quadratic grouping made 160k rows of one user take minutes: per row it grew with the file
    expect(large / small).toBeLessThan(3);
    // a window makes only its own events, the same ones the whole import has there
    const f = tmp('window.tsv', lastfm(40_000));
    const all = await importLastfm(f);
    let first = Number.NaN;
    const week = await importLastfm(f, {
      window: (firstEventMs) => {
        first = firstEventMs;
        return { fromMs: 14 * 86_400_000, toMs: 21 * 86_400_000 };
      },
    });
    expect(first).toBe(all[0].t);
    expect(week.length).toBeGreaterThan(1000);
    expect(week).toEqual(all.filter((e) => e.t >= 14 * 86_400_000 && e.t < 21 * 86_400_000));
    const header = 'session_id,session_position,track_id_clean,skip_1,skip_2,skip_3,hour_of_day,date,premium,context_type';
    const rows = Array.from({ length: 150_000 }, (_, i) => `s${i},1,t${i % 999},false,false,false,${i % 24},2018-07-${String(10 + (i % 7)).padStart(2, '0')},false,catalog`);
    const ev = await importMssd(tmp('big.csv', '\uFEFF' + [header, ...rows].join('\n') + '\n'));
    expect(ev.filter((e) => e.action === 'login')).toHaveLength(150_000);
  }, 120_000);

  it('leaves out a timestamp far from the rest with a warning naming its line, and names empty or invalid required fields', async () => {
    const rows = [
      ['user_000001', '2009-05-04T12:00:00Z', 'a1', 'Artist', 't1', 'One'],
      ['user_000001', '1970-01-01T00:00:00Z', 'a1', 'Artist', 't2', 'Two'], // a broken clock
      ['user_000001', '2009-05-04T12:10:00Z', 'a1', 'Artist', 't3', 'Three'],
      ['user_000001', '2009-05-04T12:20:00Z', 'a1', 'Artist', 't4', 'Four'],
    ].map((r) => r.join('\t'));
    const warnings: string[] = [];
    const ev = await importLastfm(tmp('far.tsv', rows.join('\n') + '\n'), { warn: (l) => warnings.push(l) });
    expect(warnings).toEqual([expect.stringMatching(/1 event more than 366 days away from the rest of the trace left out: .*far\.tsv:2$/)]);
    // a history that really spans years is kept whole; only what lies beyond a year's silence goes
    const day = 86_400_000;
    const years = Array.from({ length: 50 }, (_, i) => Date.UTC(2005, 1, 14) + i * 30 * day);
    expect(bulkSpan([Date.UTC(1970, 0, 1), ...years, Date.UTC(2038, 0, 1)])).toEqual({ lo: years[0], hi: years.at(-1) });
    expect(bulkSpan(years)).toEqual({ lo: years[0], hi: years.at(-1) });
    // the week is the 2009 one: the first play is Monday 12:00, not 39 years later
    expect(ev.find((e) => e.action === 'play')!.t).toBe(12 * 3_600_000);
    await expect(importLastfm(tmp('notrack.tsv', 'u\t2009-05-04T12:00:00Z\ta\tb\t\t\n'))).rejects.toThrow(/notrack\.tsv:1: fields 5 and 6 \(track id, track name\) are both empty/);
    const header = 'session_id,session_position,track_id_clean,skip_1,skip_2,skip_3,hour_of_day,date,premium,context_type';
    await expect(importMssd(tmp('skip.csv', `${header}\ns1,1,t1,maybe,false,false,3,2018-07-15,false,catalog\n`))).rejects.toThrow(/skip\.csv:2: skip_1 must be true or false, got "maybe"/);
    await expect(importMssd(tmp('empty.csv', `${header}\ns1,1,,false,false,false,3,2018-07-15,false,catalog\n`))).rejects.toThrow(/empty\.csv:2: track_id_clean is empty/);
    // an empty hour is not midnight
    await expect(importMssd(tmp('hour.csv', `${header}\ns1,1,t1,false,false,false,,2018-07-15,false,catalog\n`))).rejects.toThrow(/hour\.csv:2: hour_of_day must be 0-23, got ""/);
    // two plays 39 years apart: neither is the bulk, so neither is dropped in silence
    await expect(importLastfm(tmp('two.tsv', 'u\t1970-01-01T00:00:00Z\ta\tA\tt1\tOne\nu\t2009-05-04T12:00:00Z\ta\tA\tt2\tTwo\n'))).rejects.toThrow(
      /two\.tsv:1 and .*two\.tsv:2 are 14369 days apart, more than 366: with two events neither is the trace's bulk; remove the one that is wrong/,
    );
  });
});
