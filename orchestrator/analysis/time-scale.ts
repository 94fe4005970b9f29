// Which summary figures a time scale distorts beyond their tolerance (docs/time-scale.md).
//
// A tolerance is how far a figure may move before a user comparing it with [1] or with another run
// would draw a different conclusion; it is set per figure, before looking at any drift. The
// drift itself is measured (`npm run bench -- time-scale`): the same experiments and seeds in the
// simulation at scale 1 and at scale k, nothing else changed. MEASURED holds, per figure, the
// largest scale whose drift stayed within the tolerance on every setting measured; `testbed run`
// names at start and in report.md the figures the chosen scale exceeds.

/** the figures of summary.json the rule covers */
export const FIGURES = [
  { key: 'server', label: 'server share', unit: 'fraction of bytes', tolerance: 0.02 },
  { key: 'p2p', label: 'peer share', unit: 'fraction of bytes', tolerance: 0.02 },
  { key: 'cache', label: 'cache share', unit: 'fraction of bytes', tolerance: 0.02 },
  { key: 'trackerSuccess', label: 'tracker success', unit: 'fraction of searches', tolerance: 0.05 },
  { key: 'overlaySuccess', label: 'overlay success', unit: 'fraction of searches', tolerance: 0.05 },
  { key: 'stutters', label: 'stutters per play', unit: 'stutters', tolerance: 0.05 },
  { key: 'neverStarted', label: 'plays that never started', unit: 'fraction of plays', tolerance: 0.01 },
  { key: 'noNeighbours', label: 'peers without neighbours (Fig. 1)', unit: 'fraction of reports', tolerance: 0.05 },
  { key: 'latencyP50', label: 'latency p50', unit: 'ms', tolerance: 50 },
  { key: 'latencyP90', label: 'latency p90', unit: 'ms', tolerance: 50 },
] as const;

export type FigureKey = (typeof FIGURES)[number]['key'];

interface SummaryFigures {
  plays: number;
  shares: { server: number; p2p: number; cache: number };
  discovery: { tracker: number; overlay: number };
  stutterRate: number;
  playsNeverStarted: number;
  noNeighbourShare: number;
  latencyMs: { p50: number | null; p90: number | null };
}

/** the figures of one summary.json, null where the run has none (no play started) */
export function figuresOf(summary: unknown): Record<FigureKey, number | null> {
  const s = summary as SummaryFigures;
  return {
    server: s.shares.server,
    p2p: s.shares.p2p,
    cache: s.shares.cache,
    trackerSuccess: s.discovery.tracker,
    overlaySuccess: s.discovery.overlay,
    stutters: s.stutterRate,
    neverStarted: s.plays ? s.playsNeverStarted / s.plays : null,
    noNeighbours: s.noNeighbourShare,
    latencyP50: s.latencyMs.p50,
    latencyP90: s.latencyMs.p90,
  };
}

/**
 * Per figure, the largest time scale k of those measured (1, 10, 60, 600, 3000) such that at k
 * and every smaller one the drift stayed within the tolerance on both settings of the benchmark
 * (small topology's day, paper-7's first day; 3 seeds each): `npm run bench -- time-scale` on
 * 2026-11-25; docs/time-scale.md has the table.
 */
export const MEASURED: Record<FigureKey, number> = {
  server: 60,
  p2p: 60,
  cache: 60,
  trackerSuccess: 600,
  overlaySuccess: 600,
  stutters: 60,
  neverStarted: 60,
  noNeighbours: 60,
  // no CPU time in the simulation: a container's latency under a scale also carries its CPU's load
  latencyP50: 3000,
  latencyP90: 3000,
};

/** the figures a run at `scale` distorts beyond their tolerance, in words; empty at scale 1 */
export function distortedAt(scale: number): string[] {
  if (scale <= 1) return [];
  return FIGURES.filter((f) => scale > MEASURED[f.key]).map((f) => `${f.label} (within ±${f.tolerance}${f.unit === 'ms' ? ' ms' : ''} up to scale ${MEASURED[f.key]})`);
}
