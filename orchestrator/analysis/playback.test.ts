import { describe, expect, it } from 'vitest';
import type { LogoutReport, PlayReport } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { byteShares, dedupe, percentile, playbackQuality, reportsLost } from './playback.ts';

const play = (clientId: string, seq: number, over: Partial<PlayReport> = {}): PlayReport => playReport({ clientId, seq, ...over });

describe('playback analyses', () => {
  it('splits played bytes by source', () => {
    const s = byteShares([play('c', 0), play('c', 1, { bytes: { server: 0, p2p: 0, cache: 400 } })]);
    expect(s.bytes.total).toBe(800);
    expect(s.shares).toEqual({ server: 0.125, p2p: 0.375, cache: 0.5 });
    expect(byteShares([]).shares.server).toBe(0);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([], 50)).toBeNull();
  });

  it('counts stutters and integrity failures', () => {
    const q = playbackQuality([play('c', 0, { stutters: 2 }), play('c', 1, { sha256: 'b' }), play('c', 2, { latencyMs: 300 })]);
    expect(q.stutterRate).toBeCloseTo(2 / 3);
    expect(q.integrityFailures).toBe(1);
    expect(q.latencyMs.p90).toBe(300);
  });

  it('counts plays that never produced audio, and those made before any login', () => {
    const none = { latencyMs: -1, bytes: { server: 0, p2p: 0, cache: 0 }, complete: false };
    const q = playbackQuality([play('c', 0), play('c', 1, none), play('c', 2, { ...none, dc: 'unknown' })]);
    expect(q.neverStarted).toBe(2);
    expect(q.beforeLogin).toBe(1);
    expect(q.latencyMs.p50).toBe(100); // the -1s are not latencies
  });

  it('counts lost reports from sequence numbers and logout totals', () => {
    const logout: LogoutReport = { user: 'u', country: 'SE', t: 0, dc: 'stockholm', clientId: 'a', seq: 3, type: 'logout', generated: 4 };
    const reports = [play('a', 0), play('a', 0), play('a', 2), logout, play('b', 0)];
    expect(reportsLost(reports)).toBe(1); // a/1 missing
    expect(reportsLost(reports, new Map([['b', 3]]))).toBe(3); // and b/1, b/2
    expect(dedupe(reports)).toHaveLength(4);
  });
});
