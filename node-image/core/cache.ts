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
  load(key: string): Buffer | null;
  readRange(key: string, offset: number, length: number): Buffer | null;
  touch(key: string, lastUsed: number): void;
  remove(key: string): void;
}

export const cacheKey = (track: number, quality: Quality) => `${track}-${quality}`;

export class CacheIndex {
  private readonly entries = new Map<string, CacheEntryInfo>();
  private total = 0;

  constructor(
    private readonly store: CacheStore,
    private readonly limit: number,
  ) {
    for (const e of store.list().sort((a, b) => a.lastUsed - b.lastUsed)) {
      this.entries.set(e.key, e);
      this.total += e.size;
    }
    this.evict();
  }

  get bytes(): number {
    return this.total;
  }

  has(key: string): CacheEntryInfo | undefined {
    return this.entries.get(key);
  }

  /** complete tracks only: what may be served */
  isServable(key: string): boolean {
    return this.entries.get(key)?.complete === true;
  }

  put(key: string, data: Buffer, complete: boolean, now: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.size;
      this.entries.delete(key);
    }
    if (data.length > this.limit) return;
    this.store.save(key, data, complete, now);
    this.entries.set(key, { key, size: data.length, complete, lastUsed: now });
    this.total += data.length;
    this.evict(key);
  }

  use(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.lastUsed = now;
    this.entries.delete(key);
    this.entries.set(key, e);
    this.store.touch(key, now);
  }

  load(key: string): Buffer | null {
    return this.entries.has(key) ? this.store.load(key) : null;
  }

  readRange(key: string, offset: number, length: number): Buffer | null {
    return this.isServable(key) ? this.store.readRange(key, offset, length) : null;
  }

  /** least recently used first, never the entry just written */
  private evict(keep?: string): void {
    for (const [k, e] of this.entries) {
      if (this.total <= this.limit) break;
      if (k === keep) continue;
      this.entries.delete(k);
      this.total -= e.size;
      this.store.remove(k);
    }
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
