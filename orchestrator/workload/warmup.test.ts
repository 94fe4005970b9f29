import { describe, expect, it } from 'vitest';
import { CacheEntries, CacheIndex, cacheKey, keyQuality, keyTrack, MemoryStore } from '../../node-image/core/cache.ts';
import { trackBytes, trackDurationSec } from '../../node-image/core/content.ts';
import { seededRandom } from '../../node-image/core/random.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { defaultSynthetic, syntheticWorkload } from './synthetic.ts';
import { announcementsOf, steadyDays, type WarmMachine, type WarmOptions, warmState } from './warmup.ts';

const machines: WarmMachine[] = Array.from({ length: 60 }, (_, i) => ({
  name: `m${i}`,
  country: ['SE', 'GB', 'NO'][i % 3],
  downKbit: 8_000,
  dcs: i % 3 === 2 ? ['stockholm', 'london'] : i % 3 === 0 ? ['stockholm'] : ['london'],
}));
const DCS = ['stockholm', 'london'];
const options: WarmOptions = { days: 7, seed: 5, cacheBytes: 1 << 30, trackerKeep: 20, prefetchSec: 30, prefetch: true, timeScale: 1 };

describe('the warm-up', () => {
  it('keeps a cache as the client core does: the same entries for the same operations, evictions included', () => {
    const limit = 4 << 20;
    const warm = new CacheEntries(limit);
    const store = new MemoryStore();
    const real = new CacheIndex(store, limit);
    const random = seededRandom(3);
    const entries = () => ({
      warm: warm
        .list()
        .map((e) => `${e.key}:${e.size}:${e.complete}`)
        .sort(),
      real: store
        .list()
        .map((e) => `${e.key}:${e.size}:${e.complete}`)
        .sort(),
    });
    let evicted = 0;
    for (let t = 0; t < 3000; t++) {
      const key = cacheKey(1 + Math.floor(random() * 60), 'q5');
      if (random() < 0.3) {
        warm.use(key, t);
        real.use(key, t);
      } else {
        const size = 1 + Math.floor(random() * (800 << 10));
        const complete = random() < 0.8;
        const n = store.list().length;
        warm.put(key, size, complete, t);
        real.put(key, Buffer.alloc(size), complete, t);
        if (store.list().length <= n) evicted++;
      }
      if (t % 100 === 0) expect(entries().warm).toEqual(entries().real);
    }
    expect(entries().warm).toEqual(entries().real);
    expect(evicted).toBeGreaterThan(100);
  });

  it('does not change the window: the same seed gives the same scripts with or without one', () => {
    const before = syntheticWorkload(machines, 86_400_000, 5, defaultSynthetic);
    warmState(machines, DCS, defaultSynthetic, options);
    const after = syntheticWorkload(machines, 86_400_000, 5, defaultSynthetic);
    expect([...after.scripts]).toEqual([...before.scripts]);
  });

  it('is the same for the same seed, and another for another', () => {
    const a = warmState(machines, DCS, defaultSynthetic, options);
    const b = warmState(machines, DCS, defaultSynthetic, options);
    const c = warmState(machines, DCS, defaultSynthetic, { ...options, seed: 6 });
    expect([...b.caches]).toEqual([...a.caches]);
    expect([...b.trackers]).toEqual([...a.trackers]);
    expect(c.plays).not.toBe(a.plays);
  });

  it('fills caches more the longer it runs, and reports each day of it', () => {
    const one = warmState(machines, DCS, defaultSynthetic, { ...options, days: 1 });
    const two = warmState(machines, DCS, defaultSynthetic, { ...options, days: 14 });
    expect(two.daily).toHaveLength(14);
    const size = (w: typeof one) => [...w.caches.values()].reduce((n, c) => n + c.size, 0);
    expect(size(two)).toBeGreaterThan(size(one));
    const share = (d: { plays: number; cacheHits: number }) => d.cacheHits / d.plays;
    expect(share(two.daily.at(-1)!)).toBeGreaterThan(share(two.daily[0]));
    // every time is before the window's 0, and the tracker remembers at most its 20 a track
    for (const c of two.caches.values()) for (const e of c.list()) expect(e.lastUsed).toBeLessThan(0);
    for (const tracker of two.trackers.values()) {
      const per = new Map<string, number>();
      for (const a of announcementsOf(tracker)) per.set(`${a.track}/${a.quality}`, (per.get(`${a.track}/${a.quality}`) ?? 0) + 1);
      expect(Math.max(...per.values())).toBeLessThanOrEqual(20);
      // some tracks were reported by more than one machine (the lists, not only single names)
      expect(Math.max(...per.values())).toBeGreaterThan(1);
    }
  });

  describe('one machine, one session', () => {
    const one = (downKbit: number, events: ScriptEvent[], o: Partial<WarmOptions> = {}) =>
      warmState(
        [{ name: 'm0', country: 'SE', downKbit, dcs: ['stockholm'] }],
        DCS,
        { ...defaultSynthetic, sessionsPerDay: { weekday: 0, weekend: 0 } },
        {
          ...options,
          days: 1,
          before: { days: () => [{ day: 0, scripts: new Map([['m0', events]]) }], untilMs: 86_400_000 },
          ...o,
        },
      );
    const login = (t: number, mobile = false): ScriptEvent => ({ t, action: 'login', user: 'u', country: 'SE', quality: 'q5', ...(mobile ? { mobile } : {}) });

    it('a track played to its end is cached complete and announced; one skipped on a slow link before it arrived is cached in part, not announced', () => {
      const d = trackDurationSec(7) * 1000;
      const w = one(500, [
        login(0),
        { t: 2_000, action: 'play', track: 7, access: 'random' },
        { t: 2_000 + d, action: 'play', track: 9, access: 'random' },
        { t: 12_000 + d, action: 'skip' },
        { t: 20_000 + d, action: 'logout' },
      ]);
      const cache = new Map(
        w.caches
          .get('m0')!
          .list()
          .map((e) => [e.key, e]),
      );
      expect(cache.get(cacheKey(7, 'q5'))).toMatchObject({ complete: true, size: trackBytes(7, 'q5') });
      // 10 s at 500 kbit/s: 625,000 bytes of the track
      expect(cache.get(cacheKey(9, 'q5'))).toMatchObject({ complete: false, size: 625_000 });
      expect([...announcementsOf(w.trackers.get('stockholm')!)]).toEqual([{ machine: 'm0', track: 7, quality: 'q5' }]);
    });

    it('a mobile client caches what it plays but reports nothing to the tracker', () => {
      const w = one(8_000, [login(0, true), { t: 2_000, action: 'play', track: 7, access: 'random' }, { t: 400_000, action: 'logout' }]);
      expect(
        w.caches
          .get('m0')!
          .list()
          .map((e) => e.key),
      ).toEqual([cacheKey(7, 'q5')]);
      expect([...announcementsOf(w.trackers.get('stockholm')!)]).toEqual([]);
    });

    it('prefetches the next playlist track 30 s before the end, and a second play of a cached track is a cache hit', () => {
      const d7 = trackDurationSec(7) * 1000;
      const w = one(8_000, [
        login(0),
        { t: 2_000, action: 'play', track: 7, access: 'random', next: 11 },
        { t: 3_000 + d7, action: 'play', track: 7, access: 'random' },
        { t: 4_000 + 2 * d7, action: 'logout' },
      ]);
      expect(
        w.caches
          .get('m0')!
          .list()
          .map((e) => `${keyTrack(e.key)}-${keyQuality(e.key)}:${e.complete}`)
          .sort(),
      ).toEqual(['11-q5:true', '7-q5:true']);
      expect(w.daily.at(-1)).toMatchObject({ plays: 2, cacheHits: 1 });
      const off = one(8_000, [login(0), { t: 2_000, action: 'play', track: 7, access: 'random', next: 11 }, { t: 3_000 + d7, action: 'logout' }], { prefetch: false });
      expect(
        off.caches
          .get('m0')!
          .list()
          .map((e) => e.key),
      ).toEqual([cacheKey(7, 'q5')]);
    });
  });

  it('the steady-state rule waits for a week of days within a point of the week before', () => {
    const days = (shares: number[]) => shares.map((s, day) => ({ day, plays: 1000, cacheHits: Math.round(10 * s) }));
    const rising = Array.from({ length: 30 }, (_, i) => 60 - 30 * 0.8 ** i);
    const n = steadyDays(days(rising));
    expect(n).not.toBeNull();
    // from day n on, seven days each within a point of the same day a week before; not the day before n
    for (let i = n!; i < n! + 7; i++) expect(Math.abs(rising[i] - rising[i - 7])).toBeLessThan(1);
    expect(Math.abs(rising[n! - 1] - rising[n! - 8])).toBeGreaterThanOrEqual(1);
    expect(steadyDays(days(Array.from({ length: 30 }, (_, i) => i * 2)))).toBeNull();
  });
});
