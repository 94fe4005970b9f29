// Seeded randomness for workloads and placement; the generator and the name hash live in the
// protocol core (node-image/core/random.ts), where the programs derive their own streams the same way.
import { hashName, seededRandom } from '../../node-image/core/random.ts';

export { hashName, seededRandom };

/**
 * The cumulative weights of ranks 1..n. The last table is kept: a workload's population, its days
 * and its warm-up each sample the same catalogue, and at [1]'s 8 million tracks a table is 64 MB
 * and most of a second to make.
 */
let lastTable: { n: number; s: number; cdf: Float64Array; sum: number } | null = null;
function zipfTable(n: number, s: number): { cdf: Float64Array; sum: number } {
  if (lastTable?.n === n && lastTable.s === s) return lastTable;
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  lastTable = { n, s, cdf, sum };
  return lastTable;
}

/** Zipf-distributed ranks 0..n-1 with exponent s, by inverse CDF over a precomputed table. */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  const { cdf, sum } = zipfTable(n, s);
  return () => {
    const x = random() * sum;
    let lo = 0,
      hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Fisher-Yates, in place, by the given generator */
export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
