// Neighbour bookkeeping and the paper's pruning heuristic (section III-C). Each neighbour keeps
// timestamped counters; when the client is above its soft limit it ranks all neighbours on six
// criteria, gives points by rank per criterion (the top one the most, slightly different weights
// per criterion, nothing for a raw score of 0), and disconnects the lowest totals.

/**
 * Bytes moved over one link, by the workload ms they moved at: one sample per chunk, kept for the
 * longest window (60 min). The samples sit in one flat array of numbers (time, bytes, time,
 * bytes...), which V8 stores as plain doubles: a pair array per chunk cost ~60 bytes and was, at
 * a thousand simulated peers, a third of the heap.
 */
export class ByteLog {
  private xs: number[] = [];
  /** index of the first sample still kept */
  private head = 0;
  add(t: number, bytes: number): void {
    this.xs.push(t, bytes);
  }
  /** bytes moved at or after `since` */
  since(since: number): number {
    let s = 0;
    const xs = this.xs;
    for (let i = this.head; i < xs.length; i += 2) if (xs[i] >= since) s += xs[i + 1];
    return s;
  }
  /** forget samples before `since` (they are in time order) */
  trim(since: number): void {
    const xs = this.xs;
    while (this.head < xs.length && xs[this.head] < since) this.head += 2;
    // compact once the dead prefix is most of the array, so trimming stays amortised O(1)
    if (this.head > 64 && this.head * 2 > xs.length) {
      this.xs = xs.slice(this.head);
      this.head = 0;
    }
  }
  get samples(): number {
    return (this.xs.length - this.head) / 2;
  }
}

export interface NeighbourStats {
  sent: ByteLog;
  received: ByteLog;
  /** times a search over this link found a peer */
  found: number[];
  /** times this neighbour had a track we were interested in */
  interesting: number[];
}

export const newStats = (): NeighbourStats => ({ sent: new ByteLog(), received: new ByteLog(), found: [], interesting: [] });

const MIN = 60_000;

const countSince = (xs: number[], since: number) => xs.filter((t) => t >= since).length;

/** Drop samples older than the longest window (60 min) so stats stay small. */
export function trimStats(s: NeighbourStats, now: number): void {
  const since = now - 60 * MIN;
  s.sent.trim(since);
  s.received.trim(since);
  s.found = s.found.filter((t) => t >= since);
  s.interesting = s.interesting.filter((t) => t >= since);
}

/** The six criteria in the paper's order, with their weights. */
const CRITERIA: { name: string; weight: number; score: (s: NeighbourStats, now: number) => number }[] = [
  { name: 'sent10', weight: 1.0, score: (s, now) => s.sent.since(now - 10 * MIN) },
  { name: 'sent60', weight: 0.9, score: (s, now) => s.sent.since(now - 60 * MIN) },
  { name: 'received10', weight: 1.1, score: (s, now) => s.received.since(now - 10 * MIN) },
  { name: 'received60', weight: 1.0, score: (s, now) => s.received.since(now - 60 * MIN) },
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
