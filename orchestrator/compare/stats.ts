// Small-sample statistics for `testbed compare`: Student t intervals over repetitions and the
// paired t test between two variants run with the same seeds.
//
// The t distribution comes from jstat (studentt.inv and studentt.cdf, through its regularised
// incomplete beta function): one package with no dependencies, widely used, and it matches the
// printed tables and R to every digit the tests check. stdlib's t-quantile/t-cdf are typed and more
// actively kept but pull in 224 packages (26 MB) for these two functions; simple-statistics has no
// t quantile. jstat ships no types, so the two functions used are typed here by hand.
import { createRequire } from 'node:module';

interface StudentT {
  inv(p: number, df: number): number;
  cdf(x: number, df: number): number;
}
const { jStat } = createRequire(import.meta.url)('jstat') as { jStat: { studentt: StudentT } };

export function mean(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** sample standard deviation (n − 1 in the denominator); NaN below two values */
export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** the p-quantile of Student's t with df degrees of freedom */
export function tQuantile(p: number, df: number): number {
  return jStat.studentt.inv(p, df);
}

export interface Interval {
  n: number;
  mean: number;
  /** null when n < 2: one value says nothing about the spread */
  lo: number | null;
  hi: number | null;
}

/** mean ± t(1 − α/2, n − 1) · s/√n: the interval that covers the true mean with `confidence` */
export function meanInterval(xs: readonly number[], confidence = 0.95): Interval {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) return { n, mean: m, lo: null, hi: null };
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * (stdev(xs) / Math.sqrt(n));
  return { n, mean: m, lo: m - half, hi: m + half };
}

export interface PairedDifference extends Interval {
  /** two-sided p-value of the paired t test (H0: mean difference 0); null when n < 2 */
  p: number | null;
}

/**
 * Mean of b_i − a_i over pairs (the same repetition, so the same seeds, in both variants), with
 * its t interval and p-value: R's `t.test(b, a, paired = TRUE)`. Pairing removes the variation
 * the seed causes in both variants alike, so it needs fewer repetitions than comparing two means.
 */
export function pairedDifference(a: readonly number[], b: readonly number[], confidence = 0.95): PairedDifference {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} and ${b.length}`);
  const d = a.map((x, i) => b[i] - x);
  const iv = meanInterval(d, confidence);
  if (d.length < 2) return { ...iv, p: null };
  const se = stdev(d) / Math.sqrt(d.length);
  // every pair differs by exactly the same amount: certain when that amount is not 0
  if (se === 0) return { ...iv, p: iv.mean === 0 ? 1 : 0 };
  // the lower tail at −|t| rather than 1 − cdf(|t|), which rounds small p-values to 0
  return { ...iv, p: 2 * jStat.studentt.cdf(-Math.abs(iv.mean / se), d.length - 1) };
}

export interface BootstrapResult {
  /** the estimate on the data as it is */
  estimate: number;
  lo: number | null;
  hi: number | null;
  /** two-sided: twice the share of resampled estimates on the far side of 0 (at most 1) */
  p: number | null;
  /** resamples whose estimate was defined */
  resamples: number;
}

/**
 * Percentile bootstrap over `n` units: `estimate` gets a multiset of unit indexes (the original
 * is 0..n−1) and returns the statistic, or null where it is undefined (no play in the sample).
 * `random` makes it reproducible: the same seed, the same interval.
 */
export function bootstrap(n: number, estimate: (units: readonly number[]) => number | null, o: { resamples?: number; confidence?: number; random: () => number }): BootstrapResult | null {
  const all = Array.from({ length: n }, (_, i) => i);
  const est = estimate(all);
  if (est === null || !Number.isFinite(est)) return null;
  if (n < 2) return { estimate: est, lo: null, hi: null, p: null, resamples: 0 };
  const B = o.resamples ?? 2000;
  const conf = o.confidence ?? 0.95;
  const xs: number[] = [];
  const pick = new Array<number>(n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) pick[i] = Math.floor(o.random() * n);
    const v = estimate(pick);
    if (v !== null && Number.isFinite(v)) xs.push(v);
  }
  if (xs.length < B / 2) return { estimate: est, lo: null, hi: null, p: null, resamples: xs.length };
  xs.sort((a, b) => a - b);
  const q = (p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.floor(p * xs.length)))];
  const below = xs.filter((x) => x <= 0).length / xs.length;
  const above = xs.filter((x) => x >= 0).length / xs.length;
  return { estimate: est, lo: q((1 - conf) / 2), hi: q(1 - (1 - conf) / 2), p: Math.min(1, 2 * Math.min(below, above)), resamples: xs.length };
}
