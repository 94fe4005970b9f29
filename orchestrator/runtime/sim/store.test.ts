// The simulated peer's store keeps no record of its own: the cache index's entries are the only
// one, and what it reads back has the size the index says, for warm entries and new ones alike.
import { describe, expect, it } from 'vitest';
import { CacheEntries, CacheIndex, cacheKey } from '../../../node-image/core/cache.ts';
import { contentRange, sampledContent } from '../../../node-image/core/content.ts';
import { RangeStore } from './store.ts';

describe('RangeStore', () => {
  it('reads back warm and new tracks at the sizes the index holds, verified ones as the content function makes them', () => {
    const content = sampledContent(1); // every track verified: real bytes
    const [t7, t8, t9] = [7, 8, 9].map((t) => cacheKey(t, 'q5'));
    const warm = new CacheEntries(1 << 20);
    warm.adopt({ key: t7, size: 40_000, complete: true, lastUsed: -5 });
    warm.adopt({ key: t8, size: 1_000, complete: false, lastUsed: -9 });
    const store = new RangeStore(content);
    const index = new CacheIndex(store, 1 << 20, warm);
    // the store keeps no list of its own
    expect(store.list()).toEqual([]);
    // taken over in order of last use, as a store is read after a restart
    expect(warm.list().map((e) => e.key)).toEqual([t8, t7]);
    expect(index.load(t7)).toEqual(contentRange(7, 'q5', 0, 40_000, 40_000));
    expect(index.load(t8)?.length).toBe(1_000);
    // a partial track is never served; a complete one serves its ranges
    expect(index.readRange(t8, 0, 100)).toBeNull();
    expect(index.readRange(t7, 16_384, 100)).toEqual(contentRange(7, 'q5', 16_384, 100, 40_000));
    // a track played during the run: the index's entry gives its size
    index.put(t9, Buffer.alloc(20_000), true, 1);
    expect(index.load(t9)).toEqual(contentRange(9, 'q5', 0, 20_000, 20_000));
    // evicted from the index: gone, with nothing left in the store to read
    const few = new CacheEntries(50_000);
    few.adopt({ key: t7, size: 40_000, complete: true, lastUsed: 0 });
    const small = new CacheIndex(new RangeStore(content), 50_000, few);
    small.put(t9, Buffer.alloc(20_000), true, 1);
    expect(small.load(t7)).toBeNull();
    expect(small.load(t9)?.length).toBe(20_000);
  });
});
