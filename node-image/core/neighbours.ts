// Neighbour bookkeeping and the paper's pruning heuristic (section III-C). Each neighbour keeps
// timestamped counters; when the client is above its soft limit it ranks all neighbours on six
// criteria, gives points by rank per criterion (the top one the most, slightly different weights
// per criterion, nothing for a raw score of 0), and disconnects the lowest totals.

export interface NeighbourStats {
  /** (workload ms, bytes) */
  sent: [number, number][];
  received: [number, number][];
  /** times a search over this link found a peer */
  found: number[];
  /** times this neighbour had a track we were interested in */
  interesting: number[];
}

export const newStats = (): NeighbourStats => ({ sent: [], received: [], found: [], interesting: [] });

const MIN = 60_000;

function sumSince(xs: [number, number][], since: number): number {
  let s = 0;
  for (const [t, b] of xs) if (t >= since) s += b;
  return s;
}
const countSince = (xs: number[], since: number) => xs.filter((t) => t >= since).length;

/** Drop samples older than the longest window (60 min) so stats stay small. */
export function trimStats(s: NeighbourStats, now: number): void {
  const since = now - 60 * MIN;
  s.sent = s.sent.filter(([t]) => t >= since);
  s.received = s.received.filter(([t]) => t >= since);
  s.found = s.found.filter((t) => t >= since);
  s.interesting = s.interesting.filter((t) => t >= since);
}

/** The six criteria in the paper's order, with their weights. */
export const CRITERIA: { name: string; weight: number; score: (s: NeighbourStats, now: number) => number }[] = [
  { name: 'sent10', weight: 1.0, score: (s, now) => sumSince(s.sent, now - 10 * MIN) },
  { name: 'sent60', weight: 0.9, score: (s, now) => sumSince(s.sent, now - 60 * MIN) },
  { name: 'received10', weight: 1.1, score: (s, now) => sumSince(s.received, now - 10 * MIN) },
  { name: 'received60', weight: 1.0, score: (s, now) => sumSince(s.received, now - 60 * MIN) },
  { name: 'found60', weight: 0.8, score: (s, now) => countSince(s.found, now - 60 * MIN) },
  { name: 'interest10', weight: 1.2, score: (s, now) => countSince(s.interesting, now - 10 * MIN) },
];

/** Points per neighbour: for each criterion the top scorer gets n*weight, the next (n-1)*weight... */
export function utility<K>(stats: Map<K, NeighbourStats>, now: number): Map<K, number> {
  const keys = [...stats.keys()];
  const n = keys.length;
  const points = new Map<K, number>(keys.map((k) => [k, 0]));
  for (const c of CRITERIA) {
    const ranked = keys
      .map((k) => ({ k, v: c.score(stats.get(k)!, now) }))
      .filter((x) => x.v > 0)
      .sort((a, b) => b.v - a.v);
    ranked.forEach((x, i) => points.set(x.k, points.get(x.k)! + (n - i) * c.weight));
  }
  return points;
}

/** The neighbours to disconnect to get down to `target`: the lowest totals (oldest first on ties). */
export function pruneVictims<K>(stats: Map<K, NeighbourStats>, now: number, target: number): K[] {
  const excess = stats.size - target;
  if (excess <= 0) return [];
  const u = utility(stats, now);
  const order = [...stats.keys()];
  return order
    .map((k, i) => ({ k, i, p: u.get(k)! }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .slice(0, excess)
    .map((x) => x.k);
}
