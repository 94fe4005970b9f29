// The simulated peer's store keeps no record of its own: the cache index's entries are the only
// one, and what it reads back has the size the index says, for warm entries and new ones alike.
import { describe, expect, it } from 'vitest';
import { CacheIndex } from '../../../node-image/core/cache.ts';
import { contentRange, sampledContent } from '../../../node-image/core/content.ts';
import { RangeStore } from './store.ts';

describe('RangeStore', () => {
  it('reads back warm and new tracks at the sizes the index holds, verified ones as the content function makes them', () => {
    const content = sampledContent(1); // every track verified: real bytes
    const warm = [
      { key: '7-q5', size: 40_000, complete: true, lastUsed: -5 },
      { key: '8-q5', size: 1_000, complete: false, lastUsed: -9 },
    ];
    const store = new RangeStore(content, warm);
    const index = new CacheIndex(store, 1 << 20);
    // handed over once: a second index over the same store starts empty
    expect(store.list()).toEqual([]);
    expect(index.load('7-q5')).toEqual(contentRange(7, 'q5', 0, 40_000, 40_000));
    expect(index.load('8-q5')?.length).toBe(1_000);
    // a partial track is never served; a complete one serves its ranges
    expect(index.readRange('8-q5', 0, 100)).toBeNull();
    expect(index.readRange('7-q5', 16_384, 100)).toEqual(contentRange(7, 'q5', 16_384, 100, 40_000));
    // a track played during the run: the index's entry gives its size
    index.put('9-q5', Buffer.alloc(20_000), true, 1);
    expect(index.load('9-q5')).toEqual(contentRange(9, 'q5', 0, 20_000, 20_000));
    // evicted from the index: gone, with nothing left in the store to read
    const small = new CacheIndex(new RangeStore(content, [{ key: '7-q5', size: 40_000, complete: true, lastUsed: 0 }]), 50_000);
    small.put('9-q5', Buffer.alloc(20_000), true, 1);
    expect(small.load('7-q5')).toBeNull();
    expect(small.load('9-q5')?.length).toBe(20_000);
  });
});
