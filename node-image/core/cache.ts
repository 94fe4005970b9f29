// The client's track cache policy: a size limit with least-recently-used eviction. Partially
// played tracks (skips) are kept, since a later play can resume them, but never served to peers:
// the protocol serves only complete tracks. Storage is an adapter (files in the client program,
// a Map in tests); the index is rebuilt from it at start, so the cache survives a restart.

import type { Quality } from './reports.ts';

export interface CacheEntryInfo {
  key: string;
  size: number;
  complete: boolean;
  lastUsed: number;
}

export interface CacheStore {
  list(): CacheEntryInfo[];
  /** write a whole track (complete or partial: `have` marks the byte ranges held) */
  save(key: string, data: Buffer, complete: boolean, lastUsed: number): void;
  /** `entry` is the index's record of it: a store that keeps no record of its own reads its size there */
  load(key: string, entry: CacheEntryInfo): Buffer | null;
  readRange(key: string, offset: number, length: number, entry: CacheEntryInfo): Buffer | null;
  touch(key: string, lastUsed: number): void;
  remove(key: string): void;
}

export const cacheKey = (track: number, quality: Quality) => `${track}-${quality}`;

/**
 * A cache's bookkeeping without its bytes: which entries it holds, least recently used first,
 * within a size limit. CacheIndex keeps a store's bytes beside it; the simulation's warm-up
 * (orchestrator/workload/warmup.ts) replays weeks of plays through it alone.
 */
export class CacheEntries {
  readonly entries = new Map<string, CacheEntryInfo>();
  private total = 0;

  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.total;
  }

  get(key: string): CacheEntryInfo | undefined {
    return this.entries.get(key);
  }

  /** an entry as it is (a store's, at start), as the most recently used */
  adopt(e: CacheEntryInfo): void {
    this.entries.set(e.key, e);
    this.total += e.size;
  }

  /** the entry becomes the most recently used; false if there is none */
  use(key: string, now: number): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    e.lastUsed = now;
    this.entries.delete(key);
    this.entries.set(key, e);
    return true;
  }

  /** the key's entry replaced by a new one; false (the old one gone all the same) when it is larger than the whole cache */
  set(key: string, size: number, complete: boolean, now: number): boolean {
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.size;
      this.entries.delete(key);
    }
    if (size > this.limit) return false;
    this.entries.set(key, { key, size, complete, lastUsed: now });
    this.total += size;
    return true;
  }

  /** least recently used out until within the limit, never `keep`; `removed` is told of each */
  evict(keep?: string, removed: (key: string) => void = () => {}): void {
    for (const [k, e] of this.entries) {
      if (this.total <= this.limit) break;
      if (k === keep) continue;
      this.entries.delete(k);
      this.total -= e.size;
      removed(k);
    }
  }

  /** a track written, without its bytes: set, then what no longer fits evicted */
  put(key: string, size: number, complete: boolean, now: number): void {
    if (this.set(key, size, complete, now)) this.evict(key);
  }
}

export class CacheIndex {
  private readonly lru: CacheEntries;

  constructor(
    private readonly store: CacheStore,
    limit: number,
  ) {
    this.lru = new CacheEntries(limit);
    for (const e of store.list().sort((a, b) => a.lastUsed - b.lastUsed)) this.lru.adopt(e);
    this.lru.evict(undefined, (k) => store.remove(k));
  }

  get bytes(): number {
    return this.lru.bytes;
  }

  has(key: string): CacheEntryInfo | undefined {
    return this.lru.get(key);
  }

  /** complete tracks only: what may be served */
  isServable(key: string): boolean {
    return this.lru.get(key)?.complete === true;
  }

  put(key: string, data: Buffer, complete: boolean, now: number): void {
    if (!this.lru.set(key, data.length, complete, now)) return;
    this.store.save(key, data, complete, now);
    // never the entry just written
    this.lru.evict(key, (k) => this.store.remove(k));
  }

  use(key: string, now: number): void {
    if (this.lru.use(key, now)) this.store.touch(key, now);
  }

  load(key: string): Buffer | null {
    const e = this.lru.get(key);
    return e ? this.store.load(key, e) : null;
  }

  readRange(key: string, offset: number, length: number): Buffer | null {
    const e = this.lru.get(key);
    return e?.complete ? this.store.readRange(key, offset, length, e) : null;
  }
}

/** An in-memory store for tests and simulations. */
export class MemoryStore implements CacheStore {
  readonly data = new Map<string, { buf: Buffer; info: CacheEntryInfo }>();
  list() {
    return [...this.data.values()].map((x) => ({ ...x.info }));
  }
  save(key: string, buf: Buffer, complete: boolean, lastUsed: number) {
    this.data.set(key, { buf: Buffer.from(buf), info: { key, size: buf.length, complete, lastUsed } });
  }
  load(key: string) {
    return this.data.get(key)?.buf ?? null;
  }
  readRange(key: string, offset: number, length: number) {
    return this.data.get(key)?.buf.subarray(offset, offset + length) ?? null;
  }
  touch(key: string, lastUsed: number) {
    const e = this.data.get(key);
    if (e) e.info.lastUsed = lastUsed;
  }
  remove(key: string) {
    this.data.delete(key);
  }
}
