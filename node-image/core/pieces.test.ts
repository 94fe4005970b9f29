import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheEntries, CacheIndex, cacheKey, keyQuality, keyTrack, MemoryStore, probeStart } from './cache.ts';
import type { Channel } from './channel.ts';
import { ManualClock } from './clock.ts';
import { contentRange, expectedSha256, MIN_TRACK_BYTES, trackBytes } from './content.ts';
import { ByteLog, newStats, pruneVictims, utility } from './neighbours.ts';
import { resolveParams } from './params.ts';
import { defaultFeatures } from './policies.ts';
import { CLOSED, QueryMemory } from './search.ts';
import { Serving } from './serving.ts';
import { Tracker } from './tracker.ts';

describe('tracker', () => {
  it('keeps the 20 most recent peers and answers up to 10 online ones, never the asker', () => {
    const t = new Tracker(20, 10, () => 0.5);
    for (let i = 0; i < 30; i++) t.announce(`p${i}`, 7, 'q5');
    t.announce('p29', 7, 'q5'); // again: no duplicate
    const all = t.query('x', 7, 'q5', () => true);
    expect(all).toHaveLength(10);
    expect(all.every((p) => Number(p.slice(1)) >= 10)).toBe(true); // p0..p9 fell out
    expect(t.query('p12', 7, 'q5', (p) => p === 'p12' || p === 'p15')).toEqual(['p15']);
    expect(t.query('x', 7, 'q9', () => true)).toEqual([]); // q9 is a different object
  });

  it('keeps a list of one peer, once, and grows it in recency order', () => {
    const t = new Tracker(20, 10, () => 0.5);
    t.announce('a', 3, 'q5');
    t.announce('a', 3, 'q5');
    expect(t.query('x', 3, 'q5', () => true)).toEqual(['a']);
    expect(t.query('a', 3, 'q5', () => true)).toEqual([]);
    t.announce('b', 3, 'q5');
    expect(t.query('x', 3, 'q5', () => true).sort()).toEqual(['a', 'b']);
    // only the most recent of a tracker that keeps one
    const one = new Tracker(1, 10, () => 0.5);
    one.announce('a', 3, 'q5');
    one.announce('b', 3, 'q5');
    expect(one.query('x', 3, 'q5', () => true)).toEqual(['b']);
  });
});

describe('query memory', () => {
  it('drops duplicates and forgets the oldest beyond its size', () => {
    const m = new QueryMemory<string>(3);
    expect(m.remember('a', 'n1')).toBe(true);
    expect(m.remember('a', 'n2')).toBe(false);
    expect(m.cameFrom('a')).toBe('n1');
    m.remember('b', null);
    m.remember('c', null);
    m.remember('d', null);
    expect(m.cameFrom('a')).toBeUndefined();
    expect(m.remember('a', 'n3')).toBe(true);
    expect(m.cameFrom('b')).toBeUndefined(); // pushed out by the second 'a'
    expect(m.cameFrom('c')).toBeNull();
  });

  it('lets go of a closed link but still knows its queries as seen, in the same order', () => {
    const link = { id: 'n1' };
    const other = { id: 'n2' };
    const m = new QueryMemory<{ id: string }>(3);
    m.remember('q1', link);
    m.remember('q2', other);
    m.remember('q3', link);
    m.release(link);
    expect(m.cameFrom('q1')).toBe(CLOSED);
    expect(m.cameFrom('q3')).toBe(CLOSED);
    expect(m.cameFrom('q2')).toBe(other);
    // still duplicates
    expect(m.remember('q1', other)).toBe(false);
    // releasing did not move q1 to the back: it is still the first forgotten
    m.remember('q4', other);
    expect(m.cameFrom('q1')).toBeUndefined();
    expect(m.cameFrom('q3')).toBe(CLOSED);
  });
});

describe('pruning', () => {
  it('ranks by the six criteria and disconnects the least useful', () => {
    const now = 100 * 60_000;
    const stats = new Map([...'abcde'].map((k) => [k, newStats()]));
    stats.get('a')!.sent.add(now - 1000, 5000);
    stats.get('b')!.received.add(now - 1000, 9000);
    stats.get('c')!.found.push(now - 1000);
    stats.get('d')!.sent.add(now - 90 * 60_000, 1e9); // older than every window: worth nothing
    const u = utility(stats, now);
    expect(u.get('d')).toBe(0);
    expect(u.get('e')).toBe(0);
    expect(u.get('b')!).toBeGreaterThan(u.get('c')!);
    expect(pruneVictims(stats, now, 3).sort()).toEqual(['d', 'e']);
    expect(pruneVictims(stats, now, 5)).toEqual([]);
  });
});

describe('byte log', () => {
  it('sums the bytes at or after a time, and forgets what is trimmed, past many compactions', () => {
    const log = new ByteLog();
    for (let t = 0; t < 1000; t++) log.add(t, t % 7);
    const sum = (from: number) => Array.from({ length: 1000 - from }, (_, i) => (from + i) % 7).reduce((a, b) => a + b, 0);
    expect(log.since(0)).toBe(sum(0));
    expect(log.since(500)).toBe(sum(500));
    for (const cut of [100, 400, 401, 900]) {
      log.trim(cut);
      expect(log.samples).toBe(1000 - cut);
      expect(log.since(0)).toBe(sum(cut));
      expect(log.since(950)).toBe(sum(950));
    }
    log.add(1000, 5);
    expect(log.since(1000)).toBe(5);
  });
});

describe('cache', () => {
  it('evicts least recently used, keeps partial tracks unserved, survives a restart', () => {
    const store = new MemoryStore();
    const c = new CacheIndex(store, 100);
    const [a, b, cc, d] = [1, 2, 3, 4].map((t) => cacheKey(t, 'q5'));
    c.put(a, Buffer.alloc(40), true, 1);
    c.put(b, Buffer.alloc(40), false, 2);
    c.use(a, 3);
    c.put(cc, Buffer.alloc(40), true, 4); // over the limit: b is the least recently used
    expect(c.has(b)).toBeUndefined();
    expect(c.isServable(a)).toBe(true);
    c.put(d, Buffer.alloc(10), false, 5);
    expect(c.isServable(d)).toBe(false);
    expect(c.readRange(d, 0, 5)).toBeNull();
    const again = new CacheIndex(store, 100);
    expect(again.bytes).toBe(90);
    expect(again.isServable(cc)).toBe(true);
    expect(again.has(d)?.complete).toBe(false);
  });

  it('keys a track at a quality by one number, and back', () => {
    for (const [t, q] of [
      [0, 'q5'],
      [7, 'q9'],
      [8_000_000, 'q5'],
      [4_294_967_295, 'q9'],
    ] as const) {
      expect(keyTrack(cacheKey(t, q))).toBe(t);
      expect(keyQuality(cacheKey(t, q))).toBe(q);
    }
    expect(cacheKey(7, 'q5')).not.toBe(cacheKey(7, 'q9'));
  });

  it('finds every entry after a removal whose probe wrapped past the end of its table', () => {
    // 16 buckets: one key whose probe starts at the last, one at the first
    const home = (b: number) => [...Array(10_000).keys()].find((k) => probeStart(k, 15) === b)!;
    const [last, first] = [home(15), home(0)];
    const c = new CacheEntries(100);
    c.put(last, 1, true, 0);
    c.put(first, 1, true, 1);
    c.put(last, 2, true, 2); // the key at the end goes out and comes back: the one at 0 must stay reachable
    expect(c.sizeOf(first)).toBe(1);
    expect(c.sizeOf(last)).toBe(2);
    expect(c.size).toBe(2);
  });

  it('holds its entries in slots yet behaves as a map in least-recently-used order would, whatever is done to it', () => {
    // the reference: entries in a Map's insertion order, as the cache held them before its slots
    type E = { size: number; complete: boolean; lastUsed: number };
    // small keys that collide in a small table, and keys past 2^32 (a trace's track ids are 32-bit hashes)
    const key = fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(2 ** 32, 2 ** 32 + 1, 2 ** 33 - 1, 2 ** 33 + 16));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key, size: fc.oneof(fc.nat({ max: 4 }), fc.nat({ max: 60 })), complete: fc.boolean() }),
      fc.record({ kind: fc.constant('use' as const), key }),
      fc.record({ kind: fc.constant('order' as const) }),
      fc.record({ kind: fc.constant('trim' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        // a limit that holds many small entries: the table grows, probes collide and are shifted back
        const c = new CacheEntries(100);
        const ref = new Map<number, E>();
        let total = 0;
        ops.forEach((o, now) => {
          if (o.kind === 'put') {
            c.put(o.key, o.size, o.complete, now);
            const old = ref.get(o.key);
            if (old) total -= old.size;
            ref.delete(o.key);
            if (o.size > 100) return;
            ref.set(o.key, { size: o.size, complete: o.complete, lastUsed: now });
            total += o.size;
            for (const [k, e] of ref) {
              if (total <= 100) break;
              if (k === o.key) continue;
              ref.delete(k);
              total -= e.size;
            }
          } else if (o.kind === 'use') {
            const e = ref.get(o.key);
            expect(c.use(o.key, now)).toBe(e !== undefined);
            if (e) {
              e.lastUsed = now;
              ref.delete(o.key);
              ref.set(o.key, e);
            }
          } else if (o.kind === 'trim') {
            c.trim();
          } else {
            // as a restart reads a store: by last use, ties as they were
            c.orderByLastUse();
            const sorted = [...ref].sort((x, y) => x[1].lastUsed - y[1].lastUsed);
            ref.clear();
            for (const [k, e] of sorted) ref.set(k, e);
          }
          expect(c.list()).toEqual([...ref].map(([key, e]) => ({ key, ...e })));
          expect(c.bytes).toBe(total);
          // every entry found by its key after each change: a probe cut by a removal would lose one
          for (const [k, e] of ref) expect(c.sizeOf(k)).toBe(e.size);
        });
        for (const [k, e] of ref) {
          expect(c.sizeOf(k)).toBe(e.size);
          expect(c.isComplete(k)).toBe(e.complete);
        }
        expect(c.sizeOf(99)).toBe(-1);
        expect(c.size).toBe(ref.size);
        for (const k of [0, 5, 40, 2 ** 32, 2 ** 33 - 1]) expect(c.has(k)).toBe(ref.has(k));
      }),
      { numRuns: 300 },
    );
  });
});

describe('serving', () => {
  it('answers a run of chunks in one frame, the last one cut at the end of the track, and refuses a run no frame can hold', () => {
    const params = resolveParams();
    const cache = new CacheIndex(new MemoryStore(), 1 << 30);
    const track = contentRange(7, 'q5', 0, 40_000);
    cache.put(cacheKey(7, 'q5'), track, true, 0);
    const sent: { type: string; body: Record<string, unknown>; payload?: Buffer }[] = [];
    const ch = { send: (type: string, body: Record<string, unknown>, payload?: Buffer) => sent.push({ type, body, payload }) } as unknown as Channel;
    const n = { ch, stats: newStats(), lastUpload: Number.NEGATIVE_INFINITY };
    const serving = new Serving({ clock: new ManualClock(0), params, features: defaultFeatures }, cache, () => false);
    serving.serve(n, [n], 1, 7, 'q5', 0, 2);
    serving.serve(n, [n], 2, 7, 'q5', 2, 2); // 40,000 bytes: the third chunk is the last, and short
    serving.serve(n, [n], 3, 7, 'q5', 0, 64); // 64 × 16 KiB is more than a 1 MiB frame holds
    expect(sent.map((m) => [m.type, m.body.rid, m.payload?.length])).toEqual([
      ['chunk', 1, 2 * 16_384],
      ['chunk', 2, 40_000 - 2 * 16_384],
      ['chunkDenied', 3, undefined],
    ]);
    expect(sent[0].payload).toEqual(track.subarray(0, 2 * 16_384));
    expect(sent[2].body.reason).toBe('run too long');
    expect(n.stats.sent.since(0)).toBe(40_000);
  });
});

describe('content', () => {
  it('is deterministic, differs by quality, and scales in size with a floor', () => {
    const a = contentRange(5, 'q5', 1000, 50000);
    expect(contentRange(5, 'q5', 1000, 50000)).toEqual(a);
    expect(contentRange(5, 'q9', 1000, 50000)).not.toEqual(a);
    expect(contentRange(5, 'q5', 0, 60000).subarray(1000, 51000)).toEqual(a);
    expect(trackBytes(5, 'q9')).toBeCloseTo(2 * trackBytes(5, 'q5'), -1);
    expect(trackBytes(5, 'q5', 1e6)).toBe(MIN_TRACK_BYTES);
    const h = createHash('sha256')
      .update(contentRange(5, 'q5', 0, 100))
      .update(contentRange(5, 'q5', 500, 100))
      .digest('hex');
    expect(
      expectedSha256(5, 'q5', [
        [0, 100],
        [500, 600],
      ]),
    ).toBe(h);
  });
});

describe('params', () => {
  it('has the paper values and refuses unknown or bad overrides', () => {
    const p = resolveParams();
    expect([p.softLimit, p.hardLimit, p.trackerKeep, p.trackerAnswer, p.searchMemory, p.chunkBytes]).toEqual([50, 60, 20, 10, 50, 16384]);
    expect(resolveParams({ softLimit: 5 }).softLimit).toBe(5);
    expect(() => resolveParams({ softlimit: 5 })).toThrow(/unknown protocol parameter "softlimit"/);
    expect(() => resolveParams({ softLimit: 70 })).toThrow(/must not exceed hardLimit/);
    expect(() => resolveParams({ chunkBytes: 'big' })).toThrow(/"chunkBytes" must be a whole number > 0, got "big"/);
    // values that cannot work are refused before anything starts, with the valid range
    expect(() => resolveParams({ chunkBytes: 0 })).toThrow(/"chunkBytes" must be a whole number > 0, got 0/);
    expect(() => resolveParams({ chunkBytes: 1.5 })).toThrow(/whole number/);
    expect(() => resolveParams({ chunkBytes: 2 << 20 })).toThrow(/chunkBytes \(2097152\) must leave room for a header in a frame: at most maxFrameBytes - 4096 = 1044480/);
    expect(() => resolveParams({ keepaliveMs: 7000 })).toThrow(/keepaliveMs \(7000\) must be below deadAfterMs \(6000\)/);
    expect(resolveParams({ prefetchSec: 0 }).prefetchSec).toBe(0);
    expect(() => resolveParams({ peerRunChunks: 5 })).toThrow(/peerRunChunks \(5\) must not exceed peerPipeline \(4\)/);
  });
});
