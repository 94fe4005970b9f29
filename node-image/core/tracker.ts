// The tracker, as the paper describes it: for each (track, quality) the most recent peers that
// reported having it (clients report when they have played a track), and an answer of a random
// selection of those currently online. Nothing is removed on cache eviction: stale entries are
// part of the real system's behaviour and show in the tracker's measured success rate. What is
// kept and whom it answers is the tracker policy's (core/policies.ts; the default is the paper's).
//
// Its form is for the simulator, where two trackers hear a whole population's plays: at 10,000
// peers they held about 600,000 (track, quality) keys each and were the largest part of the heap,
// as a Map per tracker (44 MB of hash tables) and an array of id strings per key of more than
// one peer (25 MB more). So, as core/cache.ts's CacheEntries, no object per key: peers are small
// integers (their ids interned, far fewer than keys), the keys are in an open-addressed table of
// typed arrays, a list of one peer is that peer's integer in the table, and longer lists are
// blocks of one Int32Array. Nothing in it is traced by the collector but the interned ids. An
// array of small integers per list would have saved nothing: without pointer compression (Node's
// builds) each element is 8 bytes, as a pointer to a string is, and the array two objects.
//
// The policy still sees and returns lists of id strings, made for the call: its answers, the
// order of the lists it is given and its random draws are those of a Map of string arrays
// (tracker.test.ts checks them against one).

import { type CacheKey, cacheKey, probeStart } from './cache.ts';
import { resolveProtocol, type TrackerPolicy } from './policies.ts';
import type { Quality } from './reports.ts';

/** a free bucket's value: never a peer's index (there are far fewer than 2^31 peers) */
const FREE = 0x7fffffff;
const NONE = -1;
/** a list of n peers has a block of 2^sizeClass(n) indices (after its length): at least two */
const sizeClass = (n: number): number => Math.max(1, 32 - Math.clz32(n - 1));

export class Tracker {
  /** each peer's id once; `index` is the way back from an id to its place here */
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  /** open addressing with linear probing: a power of two buckets, at most three quarters full */
  private keys = new Float64Array(16);
  /** per bucket: FREE; a peer's index (the key's list is that one peer); or -(o + 1), the list is the block at `pool[o]` */
  private values = new Int32Array(16).fill(FREE);
  private count = 0;
  /** lists of two or more peers, most recent first: blocks [length, index, index, ...] from `pool[0]` to `pool[end]` */
  private pool = new Int32Array(1024);
  private end = 0;
  /** per size class, a block given back (the next one's offset in its first index), or NONE */
  private readonly freed: number[] = new Array(32).fill(NONE);

  constructor(
    private readonly keep: number,
    private readonly answer: number,
    private readonly random: () => number = Math.random,
    private readonly policy: TrackerPolicy = resolveProtocol().tracker,
  ) {}

  announce(peer: string, track: number, quality: Quality): void {
    const key = cacheKey(track, quality);
    let b = this.find(key);
    const old = this.values[b];
    const kept = this.policy.keep(this.listOf(old), peer, this.keep);
    if (kept.length === 0) {
      if (old < 0) this.release(-old - 1);
      if (old !== FREE) this.remove(b);
      return;
    }
    if (old === FREE) {
      if (4 * (this.count + 1) > 3 * this.values.length) {
        this.rehash(2 * this.values.length);
        b = this.find(key);
      }
      this.keys[b] = key;
      this.count++;
    }
    this.values[b] = this.store(old, kept);
  }

  /** up to `answer` peers of the list that `isOnline` accepts, never the asker */
  query(asker: string, track: number, quality: Quality, isOnline: (peer: string) => boolean): string[] {
    const pool = this.listOf(this.values[this.find(cacheKey(track, quality))]).filter((p) => p !== asker && isOnline(p));
    return this.policy.answer(pool, this.answer, this.random);
  }

  /** a bucket's list as ids, most recent first (a new array) */
  private listOf(v: number): string[] {
    if (v === FREE) return [];
    if (v >= 0) return [this.ids[v]];
    const o = -v - 1;
    const list: string[] = [];
    for (let i = 1; i <= this.pool[o]; i++) list.push(this.ids[this.pool[o + i]]);
    return list;
  }

  /** the bucket's new value for `kept` (not empty), from its old value: the old block kept when the list still fits its size class */
  private store(old: number, kept: readonly string[]): number {
    const n = kept.length;
    let o = old < 0 ? -old - 1 : NONE;
    if (o !== NONE && (n === 1 || sizeClass(this.pool[o]) !== sizeClass(n))) {
      this.release(o);
      o = NONE;
    }
    if (n === 1) return this.intern(kept[0]);
    if (o === NONE) o = this.block(sizeClass(n));
    this.pool[o] = n;
    for (let i = 0; i < n; i++) this.pool[o + 1 + i] = this.intern(kept[i]);
    return -(o + 1);
  }

  private intern(peer: string): number {
    let i = this.index.get(peer);
    if (i === undefined) {
      i = this.ids.push(peer) - 1;
      this.index.set(peer, i);
    }
    return i;
  }

  /** a block of size class c: a freed one, or one more at the end (the pool grown by half when full) */
  private block(c: number): number {
    let o = this.freed[c];
    if (o !== NONE) {
      this.freed[c] = this.pool[o + 1];
      return o;
    }
    o = this.end;
    this.end += 1 + 2 ** c;
    if (this.end > this.pool.length) {
      const pool = new Int32Array(Math.max(this.end, Math.ceil(1.5 * this.pool.length)));
      pool.set(this.pool);
      this.pool = pool;
    }
    return o;
  }

  private release(o: number): void {
    const c = sizeClass(this.pool[o]);
    this.pool[o + 1] = this.freed[c];
    this.freed[c] = o;
  }

  /** the key's bucket, or the free bucket where it would go */
  private find(key: CacheKey): number {
    const mask = this.values.length - 1;
    let i = probeStart(key, mask);
    while (this.values[i] !== FREE && this.keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  /** bucket i emptied, the probes after it shifted back so none is cut (as CacheEntries' remove) */
  private remove(i: number): void {
    const mask = this.values.length - 1;
    for (let j = (i + 1) & mask; this.values[j] !== FREE; j = (j + 1) & mask) {
      const home = probeStart(this.keys[j], mask);
      // the entry at j may move to the hole at i unless its home lies cyclically in (i, j]
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        this.keys[i] = this.keys[j];
        this.values[i] = this.values[j];
        i = j;
      }
    }
    this.values[i] = FREE;
    this.count--;
  }

  private rehash(n: number): void {
    const { keys, values } = this;
    this.keys = new Float64Array(n);
    this.values = new Int32Array(n).fill(FREE);
    for (let i = 0; i < values.length; i++) {
      if (values[i] === FREE) continue;
      const b = this.find(keys[i]);
      this.keys[b] = keys[i];
      this.values[b] = values[i];
    }
  }
}
