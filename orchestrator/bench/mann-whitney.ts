// The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, as R's wilcox.test(x, y) computes it:
// exact when both samples hold fewer than 50 values and no value is tied, else the normal
// approximation with the tie correction of the variance and a continuity correction of 0.5.
// Ranks, not values: a benchmark's timings are skewed (a slow outlier, never a fast one) and few,
// so a test assuming normal data would mistake one outlier for a shift. benchstat uses the same.
import { createRequire } from 'node:module';

const { jStat } = createRequire(import.meta.url)('jstat') as { jStat: { normal: { cdf(x: number, mean: number, sd: number): number } } };

export interface MannWhitney {
  /** U of x: the number of pairs (x_i, y_j) with x_i > y_j, ties counting a half (R's W) */
  u: number;
  /** two-sided */
  p: number;
  method: 'exact' | 'normal';
}

/** average ranks (1-based) of xs, ties sharing the mean of the ranks they span */
export function ranks(xs: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  const tieGroups: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    if (j > i) tieGroups.push(j - i + 1);
    i = j + 1;
  }
  return { ranks: out, tieGroups };
}

/**
 * counts[u] = how many of the C(m+n, m) equally likely rank assignments give U = u (no ties):
 * subsets of m ranks out of 1..m+n by their sum. Doubles are exact up to 2^53 and keep 16 digits
 * beyond, enough for C(98, 49) ≈ 2.5e28 at the largest exact case.
 */
export function exactCounts(m: number, n: number): number[] {
  const maxSum = (m * (2 * n + m + 1)) / 2;
  // dp[k][s]: subsets of size k of the ranks seen so far with sum s
  const dp = Array.from({ length: m + 1 }, () => new Array<number>(maxSum + 1).fill(0));
  dp[0][0] = 1;
  for (let r = 1; r <= m + n; r++)
    for (let k = Math.min(m, r); k >= 1; k--) {
      const row = dp[k];
      const prev = dp[k - 1];
      for (let s = maxSum; s >= r; s--) if (prev[s - r]) row[s] += prev[s - r];
    }
  const min = (m * (m + 1)) / 2;
  return dp[m].slice(min, min + m * n + 1);
}

export function mannWhitney(x: readonly number[], y: readonly number[]): MannWhitney {
  const m = x.length;
  const n = y.length;
  if (!m || !n) throw new Error('Mann-Whitney needs at least one value on each side');
  const { ranks: r, tieGroups } = ranks([...x, ...y]);
  let rx = 0;
  for (let i = 0; i < m; i++) rx += r[i];
  const u = rx - (m * (m + 1)) / 2;

  if (m < 50 && n < 50 && tieGroups.length === 0) {
    const counts = exactCounts(m, n);
    const total = counts.reduce((a, b) => a + b, 0);
    let below = 0;
    for (let k = 0; k <= u; k++) below += counts[k];
    let above = 0;
    for (let k = u; k <= m * n; k++) above += counts[k];
    return { u, p: Math.min(1, (2 * Math.min(below, above)) / total), method: 'exact' };
  }

  const N = m + n;
  const tieSum = tieGroups.reduce((a, t) => a + t ** 3 - t, 0);
  const sigma = Math.sqrt(((m * n) / 12) * (N + 1 - tieSum / (N * (N - 1))));
  // every value equal: nothing moved
  if (sigma === 0) return { u, p: 1, method: 'normal' };
  const d = u - (m * n) / 2;
  const z = (d - Math.sign(d) * 0.5) / sigma;
  // the lower tail at −|z| rather than 1 − cdf(|z|), which rounds small p-values to 0
  return { u, p: Math.min(1, 2 * jStat.normal.cdf(-Math.abs(z), 0, 1)), method: 'normal' };
}

/**
 * The smallest two-sided p any data could give with these sample sizes: 2 / C(m+n, m), the most
 * extreme of all rank orders. When it is not below alpha, no result can be significant.
 */
export function smallestP(m: number, n: number): number {
  let c = 1;
  for (let i = 1; i <= Math.min(m, n); i++) c = (c * (m + n - Math.min(m, n) + i)) / i;
  return Math.min(1, 2 / c);
}
