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
import type { CacheEntryInfo, CacheStore } from '../../../node-image/core/cache.ts';
import type { ContentSource } from '../../../node-image/core/content.ts';
import type { Quality } from '../../../node-image/core/reports.ts';

function parseKey(key: string): { track: number; quality: Quality } {
  const [track, quality] = key.split('-');
  return { track: Number(track), quality: quality as Quality };
}

export class RangeStore implements CacheStore {
  /**
   * `initial`: what the cache held before the run (a warm start), handed to the index once and
   * not kept: after that the index's entries are the only record (load and readRange get theirs),
   * so a peer's cache costs one entry per track, not two.
   */
  constructor(
    private readonly content: ContentSource,
    private initial: CacheEntryInfo[] = [],
  ) {}

  list(): CacheEntryInfo[] {
    const out = this.initial;
    this.initial = [];
    return out;
  }
  save(): void {}
  load(key: string, entry: CacheEntryInfo): Buffer | null {
    const { track, quality } = parseKey(key);
    return this.content.range(track, quality, 0, entry.size);
  }
  readRange(key: string, offset: number, length: number, entry: CacheEntryInfo): Buffer | null {
    const { track, quality } = parseKey(key);
    return this.content.range(track, quality, offset, length, entry.size);
  }
  touch(): void {}
  remove(): void {}
}
