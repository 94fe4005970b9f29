import { describe, expect, it } from 'vitest';
import { chunkBytesFor, trackBytes, trackDurationSec } from '../../node-image/core/content.ts';

describe('the chunk size an experiment picks for its time scale', () => {
  it('is 16 KiB unscaled and shrinks in powers of two down to 1 KiB', () => {
    expect([1, 10, 20, 60, 100, 600, 3000].map(chunkBytesFor)).toEqual([16_384, 16_384, 8192, 4096, 2048, 1024, 1024]);
  });
  it('splits a typical track (240 s of q5), as core/content.ts sizes it under the scale, into 16 chunks or more above the 1 KiB floor', () => {
    const typical = Array.from({ length: 1000 }, (_, i) => i + 1).find((t) => trackDurationSec(t) === 240)!;
    for (let scale = 1; scale <= 5000; scale = Math.ceil(scale * 1.3)) {
      const chunk = chunkBytesFor(scale);
      if (chunk > 1024) expect(trackBytes(typical, 'q5', scale) / chunk, `scale ${scale}`).toBeGreaterThanOrEqual(16);
    }
  });
});
