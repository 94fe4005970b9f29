import { describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { faultEffects } from './faults.ts';

const base = { clientId: 'c', user: 'u', country: 'GB', seq: 0 };
const search = (t: number, dc: string, trackerPeers: number | null, overlay: number): Report => ({
  ...base,
  type: 'search',
  t,
  dc,
  track: 1,
  quality: 'q5',
  tracker: trackerPeers === null ? null : { peers: trackerPeers },
  overlay: Array(overlay).fill({ distance: 1 }),
  neighbours: 1,
});
const play = (t: number, dc: string, p2p: number): Report => playReport({ ...base, t, dc, bytes: { server: 100 - p2p, p2p, cache: 0 }, latencyMs: 1 });

describe('fault effects', () => {
  it('counts what happened during a fault apart from the rest, for the data centre it hit', () => {
    const reports = [
      search(500, 'london', 3, 1), // before
      search(1500, 'london', 0, 1), // during: tracker down, overlay still answers
      search(1600, 'london', 0, 0),
      play(1700, 'london', 40),
      search(1600, 'stockholm', 2, 0), // another data centre: not this fault's
      play(2500, 'london', 10), // after
    ];
    const [e] = faultEffects(reports, [{ kind: 'tracker-outage', atMs: 1000, forMs: 1000, dc: 'london' }]);
    expect(e.reportsDuring).toBe(3);
    expect(e.during).toEqual({ searches: 2, tracker: 0, overlay: 0.5, p2pShare: 0.4, plays: 1 });
    expect(e.outside).toEqual({ searches: 1, tracker: 1, overlay: 1, p2pShare: 0.1, plays: 1 });
  });
});
