// A cache store that records which tracks (and how much of each) a simulated peer holds, without
// holding the bytes. The bytes are regenerated from the content source when the core reads them
// (playing from cache, serving a peer): the content function for the verified sample of tracks,
// zeros for the rest (core/content.ts). A simulated peer costs memory for its index only,
// however large its cache.
//
// What it cannot do: keep bytes that differ from the content function. A peer that received
// corrupt bytes would serve good ones from here; the integrity check of the play itself still
// sees what arrived.
import type { CacheEntryInfo, CacheStore } from '../../../node-image/core/cache.ts';
import type { ContentSource } from '../../../node-image/core/content.ts';
import type { Quality } from '../../../node-image/core/reports.ts';

function parseKey(key: string): { track: number; quality: Quality } {
  const [track, quality] = key.split('-');
  return { track: Number(track), quality: quality as Quality };
}

export class RangeStore implements CacheStore {
  private readonly entries = new Map<string, CacheEntryInfo>();
  /** `initial`: what the cache held before the run (a warm start); its entries are taken over, not copied */
  constructor(
    private readonly content: ContentSource,
    initial: readonly CacheEntryInfo[] = [],
  ) {
    for (const e of initial) this.entries.set(e.key, e);
  }

  list(): CacheEntryInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }
  save(key: string, data: Buffer, complete: boolean, lastUsed: number): void {
    this.entries.set(key, { key, size: data.length, complete, lastUsed });
  }
  load(key: string): Buffer | null {
    const e = this.entries.get(key);
    if (!e) return null;
    const { track, quality } = parseKey(key);
    return this.content.range(track, quality, 0, e.size);
  }
  readRange(key: string, offset: number, length: number): Buffer | null {
    const e = this.entries.get(key);
    if (!e) return null;
    const { track, quality } = parseKey(key);
    return this.content.range(track, quality, offset, length, e.size);
  }
  touch(key: string, lastUsed: number): void {
    const e = this.entries.get(key);
    if (e) e.lastUsed = lastUsed;
  }
  remove(key: string): void {
    this.entries.delete(key);
  }
}
