import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CacheKey, cacheKey } from './cache.ts';
import { REGISTRY, resolveProtocol, type TrackerPolicy } from './policies.ts';
import { seededRandom } from './random.ts';
import type { Quality } from './reports.ts';
import { Tracker } from './tracker.ts';

/** the tracker as it was, a Map of id lists: what the compact form must answer exactly as */
class ReferenceTracker {
  private readonly recent = new Map<CacheKey, string[]>();
  constructor(
    private readonly keep: number,
    private readonly answer: number,
    private readonly random: () => number,
    private readonly policy: TrackerPolicy,
  ) {}
  announce(peer: string, track: number, quality: Quality): void {
    const key = cacheKey(track, quality);
    const kept = this.policy.keep(this.recent.get(key) ?? [], peer, this.keep);
    if (kept.length) this.recent.set(key, kept);
    else this.recent.delete(key);
  }
  query(asker: string, track: number, quality: Quality, isOnline: (peer: string) => boolean): string[] {
    const pool = (this.recent.get(cacheKey(track, quality)) ?? []).filter((p) => p !== asker && isOnline(p));
    return this.policy.answer(pool, this.answer, this.random);
  }
}

const recent = REGISTRY.tracker.recent;
/** the paper's keep, but an announce by "gone" forgets the track: keys taken out of a full table */
const forgetting: TrackerPolicy = { name: 'forgetting', keep: (list, peer, keep) => (peer === 'gone' ? [] : recent.keep(list, peer, keep)), answer: recent.answer };
/** forgetting's keep, and every peer online in the order kept: what a list holds, seen whole */
const whole: TrackerPolicy = { name: 'whole', keep: forgetting.keep, answer: (online) => online };

// 24: lists longer than 'recent' keeps, and size classes of up to 32 peers
const peers = [...Array.from({ length: 23 }, (_, i) => `se-${String(i).padStart(3, '0')}-${(0x92771cd0 + i * 0x1234567).toString(16).slice(-8)}`), 'gone'];
const track = fc.oneof(
  // a few tracks, announced again and again (long lists), and a small range
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 200 }) },
  // above 2^32, a few repeated and some anywhere up to 2^52 (a key is twice the track, under 2^53):
  // distinct keys, for the table to grow
  { weight: 1, arbitrary: fc.constantFrom(2 ** 32, 2 ** 32 + 1, 2 ** 40 + 7, 2 ** 52 - 1) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 ** 21 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })).map(([hi, lo]) => hi * 2 ** 31 + lo) },
);
const quality = fc.constantFrom<Quality>('q5', 'q9');
const op = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('announce' as const), peer: fc.nat(peers.length - 1), track, quality }) },
  // online: a bit per peer; asker: one of the pool or a stranger
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('query' as const), asker: fc.nat(peers.length), track, quality, online: fc.nat(2 ** peers.length - 1) }) },
);

describe('tracker', () => {
  const policies: [string, TrackerPolicy][] = [
    ['recent', resolveProtocol().tracker],
    ['random-online', resolveProtocol({ policies: { tracker: 'random-online' } }).tracker],
    ['forgetting', forgetting],
  ];
  for (const [name, policy] of policies) {
    it(`answers as a Map of id lists does, with the same random draws (${name})`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 50, maxLength: 500 }), fc.constantFrom(0, 1, 2, 3, 20), fc.integer({ min: 1, max: 10 }), fc.nat(), (ops, keep, answer, seed) => {
          // a generator each, from the same seed
          const [random, refRandom] = [seededRandom(seed), seededRandom(seed)];
          const t = new Tracker(keep, answer, random, policy);
          const ref = new ReferenceTracker(keep, answer, refRandom, policy);
          for (const o of ops) {
            if (o.kind === 'announce') {
              t.announce(peers[o.peer], o.track, o.quality);
              ref.announce(peers[o.peer], o.track, o.quality);
            } else {
              const asker = peers[o.asker] ?? 'stranger';
              const seen: string[][] = [[], []];
              const isOnline = (side: number) => (p: string) => {
                seen[side].push(p);
                return (o.online & (1 << peers.indexOf(p))) !== 0;
              };
              expect(t.query(asker, o.track, o.quality, isOnline(0))).toEqual(ref.query(asker, o.track, o.quality, isOnline(1)));
              // the lists in the same order: the online check sees the same peers in turn
              expect(seen[0]).toEqual(seen[1]);
            }
          }
          // as many draws taken: the generators are at the same place
          expect(random()).toBe(refRandom());
        }),
        { numRuns: 200 },
      );
    });
  }

  it('keeps every list through many rehashes, and takes keys out without cutting probes', () => {
    const t = new Tracker(20, 100, () => 0.5, whole);
    const ref = new ReferenceTracker(20, 100, () => 0.5, whole);
    const random = seededRandom(23);
    const n = 100_000;
    // consecutive tracks, and as many scattered up to 2^52 (distinct: i in the low half)
    const tracks = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i : Math.floor(random() * 2 ** 20) * 2 ** 32 + i));
    for (const [i, tr] of tracks.entries()) {
      for (let k = 0; k <= i % 3; k++) {
        const p = peers[(i + k) % 23];
        t.announce(p, tr, i % 5 === 0 ? 'q9' : 'q5');
        ref.announce(p, tr, i % 5 === 0 ? 'q9' : 'q5');
      }
    }
    // a tenth of them forgotten, then the rest checked whole
    for (const tr of tracks.filter((_, i) => i % 10 === 3)) {
      for (const q of ['q5', 'q9'] as const) {
        t.announce('gone', tr, q);
        ref.announce('gone', tr, q);
      }
    }
    // compared whole at the end (an expect per key was most of the test's time)
    const got: string[][] = [];
    const want: string[][] = [];
    const lengths: number[] = [];
    for (const [i, tr] of tracks.entries()) {
      const q = i % 5 === 0 ? 'q9' : 'q5';
      got.push(t.query('x', tr, q, () => true));
      want.push(ref.query('x', tr, q, () => true));
      lengths.push(i % 10 === 3 ? 0 : 1 + (i % 3));
    }
    expect(got).toEqual(want);
    expect(got.map((l) => l.length)).toEqual(lengths);
  });
});
