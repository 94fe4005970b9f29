// What each fault of a run did, from the reports only: how many reports were made while a data
// centre was away (they could only be stored after it came back, so they are the late ones: with
// reports lost at 0, every one of them arrived late), and how discovery and the share of bytes
// from peers fared during the fault against the rest of the run.
import { type Fault, isPeerFault } from '../../node-image/core/faults.ts';
import type { PlayReport, Report, SearchReport } from '../../node-image/core/reports.ts';
import { byteShares } from './playback.ts';

export interface FaultEffect {
  kind: Fault['kind'];
  dc?: string;
  atMs: number;
  forMs: number;
  /** reports generated during the fault by clients of the data centre it hit (dc-outage: all arrived late) */
  reportsDuring: number;
  /** searches made during the fault and how many the tracker / the overlay answered with peers */
  during: { searches: number; tracker: number; overlay: number; p2pShare: number; plays: number };
  outside: { searches: number; tracker: number; overlay: number; p2pShare: number; plays: number };
}

function window(rs: readonly Report[]) {
  const ss = rs.filter((r): r is SearchReport => r.type === 'search');
  const asked = ss.filter((s) => s.tracker !== null);
  const plays = rs.filter((r): r is PlayReport => r.type === 'play');
  const f = (n: number, d: number) => (d ? +(n / d).toFixed(4) : 0);
  return {
    searches: ss.length,
    tracker: f(asked.filter((s) => (s.tracker?.peers ?? 0) > 0).length, asked.length),
    overlay: f(ss.filter((s) => s.overlay.length > 0).length, ss.length),
    p2pShare: +byteShares(plays).shares.p2p.toFixed(4),
    plays: plays.length,
  };
}

export function faultEffects(reports: readonly Report[], faults: readonly Fault[]): FaultEffect[] {
  return faults.map((f) => {
    const dc = isPeerFault(f) ? undefined : f.dc;
    const hit = (r: Report) => dc === undefined || r.dc === dc;
    const inside = (r: Report) => r.t >= f.atMs && r.t < f.atMs + f.forMs;
    const mine = reports.filter(hit);
    return {
      kind: f.kind,
      ...(dc ? { dc } : {}),
      atMs: f.atMs,
      forMs: f.forMs,
      reportsDuring: mine.filter(inside).length,
      during: window(mine.filter(inside)),
      outside: window(mine.filter((r) => !inside(r))),
    };
  });
}
