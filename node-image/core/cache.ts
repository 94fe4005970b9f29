// The client's track cache policy: a size limit with least-recently-used eviction. Partially
// played tracks (skips) are kept, since a later play can resume them, but never served to peers:
// the protocol serves only complete tracks. Storage is an adapter (files in the client program,
// a Map in tests); the index is rebuilt from it at start, so the cache survives a restart.

import type { Quality } from './reports.ts';

/**
 * A track at a quality, as a number: the track id doubled, plus one for q9. A number, not a
 * string: a simulated population holds hundreds of millions of entries, and a string key was an
 * object of its own for the collector to trace, per entry.
 */
export type CacheKey = number;
export const cacheKey = (track: number, quality: Quality): CacheKey => track * 2 + (quality === 'q9' ? 1 : 0);
export const keyTrack = (key: CacheKey): number => Math.floor(key / 2);
export const keyQuality = (key: CacheKey): Quality => (key % 2 === 1 ? 'q9' : 'q5');

export interface CacheEntryInfo {
  key: CacheKey;
  size: number;
  complete: boolean;
  lastUsed: number;
}

export interface CacheStore {
  list(): CacheEntryInfo[];
  /** write a whole track (complete or partial: `have` marks the byte ranges held) */
  save(key: CacheKey, data: Buffer, complete: boolean, lastUsed: number): void;
  /** `size` is the index's record of it: a store that keeps no record of its own reads it there */
  load(key: CacheKey, size: number): Buffer | null;
  readRange(key: CacheKey, offset: number, length: number, size: number): Buffer | null;
  touch(key: CacheKey, lastUsed: number): void;
  remove(key: CacheKey): void;
}

const NONE = -1;

/**
 * The bucket of a table of `mask` + 1 (a power of two) where a key's probe starts: Fibonacci
 * hashing of its two 32-bit halves, the product's top bits (its low bits would keep consecutive
 * track ids in consecutive buckets).
 */
export function probeStart(key: CacheKey, mask: number): number {
  return Math.imul((key >>> 0) ^ Math.floor(key / 4294967296), 0x9e3779b1) >>> Math.clz32(mask);
}

/**
 * A cache's bookkeeping without its bytes: which entries it holds, least recently used first,
 * within a size limit. CacheIndex keeps a store's bytes beside it; the simulation's warm-up
 * (orchestrator/workload/warmup.ts) replays weeks of plays through it alone, and a simulated
 * population holds one per machine for the whole run.
 *
 * Hence its form: no object per entry. Entries live in slots of typed arrays (key, size, last
 * use, completeness, and the least-recently-used order as a doubly linked list through the
 * slots); a map from key to slot holds small integers only. The collector traces none of it entry
 * by entry: with an object, a string key and a boxed time per entry, a 100,000-peer population's
 * 20 million entries were 2.7 GB that every full collection walked.
 */
export class CacheEntries {
  /** open addressing with linear probing: slot + 1 per bucket, 0 empty; a power of two, at most half full */
  private table = new Int32Array(0);
  private count = 0;
  private keys = new Float64Array(0);
  /** a track's bytes: a whole track is tens of MB, far below 2^32 (set refuses more) */
  private sizes = new Uint32Array(0);
  private used = new Float64Array(0);
  private whole = new Uint8Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  /** least and most recently used slots */
  private head = NONE;
  private tail = NONE;
  /** slots given back, chained through `next` */
  private free = NONE;
  private filled = 0;
  private total = 0;

  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.total;
  }

  /** entries held */
  get size(): number {
    return this.count;
  }

  has(key: CacheKey): boolean {
    return this.find(key) !== NONE;
  }

  /** the entry's bytes, or -1 if there is none */
  sizeOf(key: CacheKey): number {
    const s = this.find(key);
    return s === NONE ? -1 : this.sizes[s];
  }

  isComplete(key: CacheKey): boolean {
    const s = this.find(key);
    return s !== NONE && this.whole[s] === 1;
  }

  /** a copy of the entry (made on each call: for tests and the rare caller that wants all of it) */
  get(key: CacheKey): CacheEntryInfo | undefined {
    const s = this.find(key);
    return s === NONE ? undefined : this.info(s);
  }

  /** every entry, least recently used first */
  list(): CacheEntryInfo[] {
    const out: CacheEntryInfo[] = [];
    for (let s = this.head; s !== NONE; s = this.next[s]) out.push(this.info(s));
    return out;
  }

  /** move every last use by `ms` (a warm-up's history, to count from the window's start) */
  shiftTimes(ms: number): void {
    for (let s = this.head; s !== NONE; s = this.next[s]) this.used[s] += ms;
  }

  /** the entries relinked in order of last use, ties in their present order (a stable sort); this, for chaining */
  orderByLastUse(): this {
    const slots: number[] = [];
    for (let s = this.head; s !== NONE; s = this.next[s]) slots.push(s);
    slots.sort((a, b) => this.used[a] - this.used[b]);
    this.head = this.tail = NONE;
    for (const s of slots) this.link(s);
    return this;
  }

  /** an entry as it is (a store's, at start), as the most recently used */
  adopt(e: CacheEntryInfo): void {
    this.drop(e.key);
    this.append(e.key, e.size, e.complete, e.lastUsed);
  }

  /** the entry becomes the most recently used; false if there is none */
  use(key: CacheKey, now: number): boolean {
    const s = this.find(key);
    if (s === NONE) return false;
    this.used[s] = now;
    if (s !== this.tail) {
      this.unlink(s);
      this.link(s);
    }
    return true;
  }

  /** the key's entry replaced by a new one; false (the old one gone all the same) when it is larger than the whole cache */
  set(key: CacheKey, size: number, complete: boolean, now: number): boolean {
    this.drop(key);
    if (size > this.limit || size >= 2 ** 32) return false;
    this.append(key, size, complete, now);
    return true;
  }

  /** least recently used out until within the limit, never `keep`; `removed` is told of each */
  evict(keep?: CacheKey, removed: (key: CacheKey) => void = () => {}): void {
    for (let s = this.head; s !== NONE && this.total > this.limit; ) {
      const after = this.next[s];
      const k = this.keys[s];
      if (k !== keep) {
        this.drop(k);
        removed(k);
      }
      s = after;
    }
  }

  /** a track written, without its bytes: set, then what no longer fits evicted */
  put(key: CacheKey, size: number, complete: boolean, now: number): void {
    if (this.set(key, size, complete, now)) this.evict(key);
  }

  private info(s: number): CacheEntryInfo {
    return { key: this.keys[s], size: this.sizes[s], complete: this.whole[s] === 1, lastUsed: this.used[s] };
  }

  private append(key: CacheKey, size: number, complete: boolean, lastUsed: number): void {
    const s = this.slot();
    this.keys[s] = key;
    this.sizes[s] = size;
    this.used[s] = lastUsed;
    this.whole[s] = complete ? 1 : 0;
    this.link(s);
    this.insert(s);
    this.total += size;
  }

  /** the key's entry gone, if there is one */
  private drop(key: CacheKey): void {
    const s = this.remove(key);
    if (s === NONE) return;
    this.total -= this.sizes[s];
    this.unlink(s);
    this.next[s] = this.free;
    this.free = s;
  }

  /** at the most recently used end */
  private link(s: number): void {
    this.prev[s] = this.tail;
    this.next[s] = NONE;
    if (this.tail === NONE) this.head = s;
    else this.next[this.tail] = s;
    this.tail = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s];
    const n = this.next[s];
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  /** a free slot, the arrays grown (doubled) when there is none */
  private slot(): number {
    if (this.free !== NONE) {
      const s = this.free;
      this.free = this.next[s];
      return s;
    }
    if (this.filled === this.keys.length) this.grow(Math.max(8, this.keys.length * 2));
    return this.filled++;
  }

  /**
   * the slots cut down to the entries held, and a little room: a warm cache handed to a run
   * holds its entries for hours, and doubling had left up to half its slots empty. Free slots
   * past the end are not kept, so the entries move to the front first.
   */
  trim(): void {
    const order: number[] = [];
    for (let s = this.head; s !== NONE; s = this.next[s]) order.push(s);
    const { keys, sizes, used, whole } = this;
    this.table = new Int32Array(0);
    this.keys = new Float64Array(0);
    this.sizes = new Uint32Array(0);
    this.used = new Float64Array(0);
    this.whole = new Uint8Array(0);
    this.prev = new Int32Array(0);
    this.next = new Int32Array(0);
    this.head = this.tail = this.free = NONE;
    this.count = this.filled = this.total = 0;
    this.grow(order.length + 8);
    for (const s of order) this.append(keys[s], sizes[s], whole[s] === 1, used[s]);
  }

  /** the key's slot, or NONE */
  private find(key: CacheKey): number {
    const t = this.table;
    if (t.length === 0) return NONE;
    const mask = t.length - 1;
    for (let i = probeStart(key, mask); ; i = (i + 1) & mask) {
      const v = t[i];
      if (v === 0) return NONE;
      if (this.keys[v - 1] === key) return v - 1;
    }
  }

  /** slot `s`, whose key the table does not hold yet */
  private insert(s: number): void {
    if (2 * (this.count + 1) > this.table.length) this.rehash(Math.max(16, 2 * this.table.length));
    this.place(s);
  }

  /** slot `s` in the first free bucket of its key's probe */
  private place(s: number): void {
    const t = this.table;
    const mask = t.length - 1;
    let i = probeStart(this.keys[s], mask);
    while (t[i] !== 0) i = (i + 1) & mask;
    t[i] = s + 1;
    this.count++;
  }

  /** the key's slot taken out of the table (NONE if it is not held); the probes after it shifted back so none is cut */
  private remove(key: CacheKey): number {
    const t = this.table;
    if (t.length === 0) return NONE;
    const mask = t.length - 1;
    let i = probeStart(key, mask);
    while (t[i] !== 0 && this.keys[t[i] - 1] !== key) i = (i + 1) & mask;
    if (t[i] === 0) return NONE;
    const s = t[i] - 1;
    for (let j = (i + 1) & mask; t[j] !== 0; j = (j + 1) & mask) {
      const home = probeStart(this.keys[t[j] - 1], mask);
      // the entry at j may move to the hole at i unless its home lies cyclically in (i, j]
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        t[i] = t[j];
        i = j;
      }
    }
    t[i] = 0;
    this.count--;
    return s;
  }

  private rehash(n: number): void {
    const old = this.table;
    this.table = new Int32Array(n);
    this.count = 0;
    for (const v of old) if (v !== 0) this.place(v - 1);
  }

  private grow(n: number): void {
    const more = <T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.keys = more(this.keys, (k) => new Float64Array(k));
    this.sizes = more(this.sizes, (k) => new Uint32Array(k));
    this.used = more(this.used, (k) => new Float64Array(k));
    this.whole = more(this.whole, (k) => new Uint8Array(k));
    this.prev = more(this.prev, (k) => new Int32Array(k));
    this.next = more(this.next, (k) => new Int32Array(k));
  }
}

export class CacheIndex {
  private readonly lru: CacheEntries;

  /** `warm`: entries to start from instead of the store's list (a simulated peer's warm cache, handed over whole) */
  constructor(
    private readonly store: CacheStore,
    limit: number,
    warm?: CacheEntries,
  ) {
    // in order of last use, as a store's list is read after a restart
    if (warm && warm.limit === limit) this.lru = warm.orderByLastUse();
    else {
      this.lru = new CacheEntries(limit);
      for (const e of (warm?.list() ?? store.list()).sort((a, b) => a.lastUsed - b.lastUsed)) this.lru.adopt(e);
    }
    this.lru.evict(undefined, (k) => store.remove(k));
  }

  get bytes(): number {
    return this.lru.bytes;
  }

  /** a copy of the entry, if the cache holds one */
  has(key: CacheKey): CacheEntryInfo | undefined {
    return this.lru.get(key);
  }

  /** complete tracks only: what may be served */
  isServable(key: CacheKey): boolean {
    return this.lru.isComplete(key);
  }

  put(key: CacheKey, data: Buffer, complete: boolean, now: number): void {
    if (!this.lru.set(key, data.length, complete, now)) return;
    this.store.save(key, data, complete, now);
    // never the entry just written
    this.lru.evict(key, (k) => this.store.remove(k));
  }

  use(key: CacheKey, now: number): void {
    if (this.lru.use(key, now)) this.store.touch(key, now);
  }

  load(key: CacheKey): Buffer | null {
    const size = this.lru.sizeOf(key);
    return size < 0 ? null : this.store.load(key, size);
  }

  readRange(key: CacheKey, offset: number, length: number): Buffer | null {
    return this.lru.isComplete(key) ? this.store.readRange(key, offset, length, this.lru.sizeOf(key)) : null;
  }
}

/** An in-memory store for tests and simulations. */
export class MemoryStore implements CacheStore {
  readonly data = new Map<CacheKey, { buf: Buffer; info: CacheEntryInfo }>();
  list() {
    return [...this.data.values()].map((x) => ({ ...x.info }));
  }
  save(key: CacheKey, buf: Buffer, complete: boolean, lastUsed: number) {
    this.data.set(key, { buf: Buffer.from(buf), info: { key, size: buf.length, complete, lastUsed } });
  }
  load(key: CacheKey) {
    return this.data.get(key)?.buf ?? null;
  }
  readRange(key: CacheKey, offset: number, length: number) {
    return this.data.get(key)?.buf.subarray(offset, offset + length) ?? null;
  }
  touch(key: CacheKey, lastUsed: number) {
    const e = this.data.get(key);
    if (e) e.info.lastUsed = lastUsed;
  }
  remove(key: CacheKey) {
    this.data.delete(key);
  }
}
