// Reports for unit tests (the core's and the analyses'): a well-formed play with every field, overridden per test.
import type { PlayReport } from '../reports.ts';

export function playReport(over: Partial<PlayReport> = {}): PlayReport {
  return {
    clientId: 'c',
    seq: 0,
    user: 'u',
    country: 'SE',
    t: 0,
    dc: 'stockholm',
    type: 'play',
    track: 1,
    quality: 'q5',
    bytes: { server: 100, p2p: 300, cache: 0 },
    latencyMs: 100,
    stutters: 0,
    stutterMs: 0,
    complete: true,
    sha256: 'a',
    expectedSha256: 'a',
    access: 'random',
    prefetched: false,
    ...over,
  };
}
