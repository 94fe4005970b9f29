import { describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { searchDetail, searchDetailRows } from './search-detail.ts';

const base = { user: 'u', country: 'SE', t: 0, dc: 'stockholm' };
const search = (clientId: string, seq: number, neighbours: number, overlay: { distance: 1 | 2; ms?: number }[], waitedMs?: number) =>
  ({ ...base, clientId, seq, type: 'search', track: 1, quality: 'q5', tracker: null, overlay, neighbours, ...(waitedMs === undefined ? {} : { waitedMs }) }) as Report;
const logout = (clientId: string, seq: number, late: number, forgotten: number) => ({ ...base, clientId, seq, type: 'logout', generated: seq + 1, lostHits: { late, forgotten } }) as Report;
const connect = (clientId: string, seq: number, outcome: 'direct' | 'reversed' | 'failed', ms: number) => ({ ...base, clientId, seq, type: 'connect', peer: 'p', outcome, ms }) as Report;

describe('overlay search taken apart', () => {
  it('separates searches with no neighbour, answers by distance and time, lost answers and dials', () => {
    const d = searchDetail([
      search('a', 0, 0, [], 310),
      search('a', 1, 2, [{ distance: 1, ms: 40 }], 320),
      search('a', 2, 2, [{ distance: 2, ms: 90 }], 330),
      search('b', 0, 1, [], 300),
      // a client's lost answers count over its life: its last logout holds the total
      logout('a', 3, 1, 0),
      logout('a', 9, 2, 1),
      logout('b', 1, 0, 4),
      connect('a', 4, 'direct', 50),
      connect('a', 5, 'failed', 7000),
      connect('b', 2, 'failed', 3000),
    ]);
    expect(d.searches).toBe(4);
    expect(d.noNeighbour).toBe(0.25);
    expect(d.successWithNeighbours).toBeCloseTo(2 / 3);
    expect([d.d1, d.d2]).toEqual([0.25, 0.25]);
    expect(d.answerMs).toEqual({ p50: 40, p90: 90 });
    expect(d.waitedMs).toEqual({ p50: 310, p90: 330 });
    expect(d.lostAnswers).toEqual({ late: 2, forgotten: 5 });
    expect(d.dials).toEqual({ direct: { count: 1, p50Ms: 50 }, reversed: { count: 0, p50Ms: null }, failed: { count: 2, p50Ms: 3000 } });
    expect(searchDetailRows([d])[1]).toEqual(['sent to no neighbour', '25.0%']);
  });

  it('says "–" for what reports of runs before the instrumentation do not carry', () => {
    const d = searchDetail([search('a', 0, 1, [{ distance: 1 }])]);
    expect(d.answerMs).toEqual({ p50: null, p90: null });
    expect(d.lostAnswers).toBeNull();
    expect(searchDetailRows([d]).find((r) => r[0].startsWith('answers after'))).toEqual(['answers after the wait / forgotten', '–']);
  });
});
