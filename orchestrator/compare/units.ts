// The comparison's units: one peer machine in one repetition. A variant's runs of one
// repetition put the same machines (same placement seed) through the same scripts (same workload
// seed), so a machine's plays in two variants are a pair; the bootstrap in model.ts resamples
// these pairs. Every metric that comes from plays or searches is recomputed from any set of units.

import { machineOfClientId } from '../../node-image/core/client-id.ts';
import type { PlayReport, Report, SearchReport } from '../../node-image/core/reports.ts';
import { percentile } from '../analysis/playback.ts';

interface UnitPlay {
  server: number;
  p2p: number;
  cache: number;
  latencyMs: number;
  stutters: number;
}
interface UnitSearch {
  /** the tracker was asked, and whether it answered peers */
  asked: boolean;
  trackerHit: boolean;
  overlayHit: boolean;
}
export interface Unit {
  plays: UnitPlay[];
  searches: UnitSearch[];
}

/** `tb-<run>-p-se-003-1a2b3c4d` → `se-003`: the machine, whatever run it was in */
export function machineOf(clientId: string): string {
  return machineOfClientId(clientId).replace(/^tb-[a-z0-9]+-p-/, '');
}

export function unitsOf(reports: readonly Report[]): Map<string, Unit> {
  const units = new Map<string, Unit>();
  const unit = (id: string) => {
    const k = machineOf(id);
    let u = units.get(k);
    if (!u) units.set(k, (u = { plays: [], searches: [] }));
    return u;
  };
  for (const r of reports) {
    if (r.type === 'play') {
      const p = r as PlayReport;
      unit(p.clientId).plays.push({ ...p.bytes, latencyMs: p.latencyMs, stutters: p.stutters });
    } else if (r.type === 'search') {
      const s = r as SearchReport;
      unit(s.clientId).searches.push({ asked: s.tracker !== null, trackerHit: (s.tracker?.peers ?? 0) > 0, overlayHit: s.overlay.length > 0 });
    }
  }
  return units;
}

const EMPTY: Unit = { plays: [], searches: [] };

function shares(us: readonly Unit[]) {
  const b = { server: 0, p2p: 0, cache: 0 };
  for (const u of us) for (const p of u.plays) (b.server += p.server), (b.p2p += p.p2p), (b.cache += p.cache);
  const total = b.server + b.p2p + b.cache;
  return total > 0 ? { server: b.server / total, p2p: b.p2p / total, cache: b.cache / total } : null;
}
const latencies = (us: readonly Unit[]) => us.flatMap((u) => u.plays.map((p) => p.latencyMs).filter((x) => x >= 0));
const ratio = (num: number, den: number) => (den > 0 ? num / den : null);

/** the metrics (keys as in model.ts METRICS) that can be computed from units, as summary.json computes them */
export const UNIT_METRICS: Record<string, (us: readonly Unit[]) => number | null> = {
  'shares.server': (us) => shares(us)?.server ?? null,
  'shares.p2p': (us) => shares(us)?.p2p ?? null,
  'shares.cache': (us) => shares(us)?.cache ?? null,
  'latencyMs.p50': (us) => percentile(latencies(us), 50),
  'latencyMs.p90': (us) => percentile(latencies(us), 90),
  stutterRate: (us) => {
    const ps = us.flatMap((u) => u.plays);
    return ps.length ? ps.reduce((s, p) => s + p.stutters, 0) / ps.length : null;
  },
  'discovery.tracker': (us) => {
    const asked = us.flatMap((u) => u.searches.filter((s) => s.asked));
    return ratio(asked.filter((s) => s.trackerHit).length, asked.length);
  },
  'discovery.overlay': (us) => {
    const ss = us.flatMap((u) => u.searches);
    return ratio(ss.filter((s) => s.overlayHit).length, ss.length);
  },
};

/** `keys` looked up in `units`; a machine that made no report is an empty unit */
export const pick = (units: ReadonlyMap<string, Unit>, keys: readonly string[]) => keys.map((k) => units.get(k) ?? EMPTY);
