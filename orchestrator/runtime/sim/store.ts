// A cache store for a simulated peer that holds neither bytes nor records: the core's cache index
// (core/cache.ts) is the only record of which tracks the peer holds and how much of each, and it
// hands its entry to every read. The bytes are regenerated from the content source when the core
// reads them (playing from cache, serving a peer): the content function for the verified sample of
// tracks, zeros for the rest (core/content.ts). A simulated peer costs memory for its index only,
// however large its cache.
//
// What it cannot do: keep bytes that differ from the content function. A peer that received
// corrupt bytes would serve good ones from here; the integrity check of the play itself still
// sees what arrived.
import { type CacheEntryInfo, type CacheKey, type CacheStore, keyQuality, keyTrack } from '../../../node-image/core/cache.ts';
import type { ContentSource } from '../../../node-image/core/content.ts';

export class RangeStore implements CacheStore {
  constructor(private readonly content: ContentSource) {}

  /** nothing: a warm start hands the index its entries itself (ClientDeps.warmCache) */
  list(): CacheEntryInfo[] {
    return [];
  }
  save(): void {}
  load(key: CacheKey, size: number): Buffer | null {
    return this.content.range(keyTrack(key), keyQuality(key), 0, size);
  }
  readRange(key: CacheKey, offset: number, length: number, size: number): Buffer | null {
    return this.content.range(keyTrack(key), keyQuality(key), offset, length, size);
  }
  touch(): void {}
  remove(): void {}
}
