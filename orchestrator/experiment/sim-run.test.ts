import { describe, expect, it } from 'vitest';
import { HEAP_PER_PEER, heapAdvice } from './sim-run.ts';

describe('the simulated runtime before it starts', () => {
  it('says when a population will not fit in the JS heap, and the flag that makes room', () => {
    const limit = 4 * 2 ** 30;
    expect(heapAdvice(1000, limit)).toBeNull();
    expect(heapAdvice(Math.floor((0.8 * limit) / HEAP_PER_PEER), limit)).toBeNull();
    const advice = heapAdvice(100_000, limit)!;
    expect(advice).toMatch(/^100000 simulated peers need about [\d.]+ GB of JS heap, and this process may use 4\.0 GB: run it as NODE_OPTIONS=--max-old-space-size=\d+ /);
    // the suggested limit covers the need
    const mb = Number(/--max-old-space-size=(\d+)/.exec(advice)![1]);
    expect(mb * 2 ** 20).toBeGreaterThan(100_000 * HEAP_PER_PEER);
  });

  it('asks for more heap for warm peers: their caches are full from the start', () => {
    const limit = 4 * 2 ** 30;
    expect(heapAdvice(10_000, limit)).toBeNull();
    expect(heapAdvice(10_000, limit, true)).toMatch(/^10000 simulated peers need about 3\.3 GB of JS heap/);
  });
});
