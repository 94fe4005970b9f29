import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/random.ts';
import { bootstrap, mean, meanInterval, pairedDifference, stdev, tQuantile } from './stats.ts';

// Expected values come from printed t tables and from R, not from this code.
describe('compare statistics', () => {
  it('gives the t quantiles of the tables', () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764, 4);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.2622, 4);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.0423, 4);
    expect(tQuantile(0.025, 9)).toBeCloseTo(-2.2622, 4);
  });

  it('takes the mean and the sample standard deviation', () => {
    expect(mean([1, 2, 3, 4, 5])).toBe(3);
    // Σ(x − 3)² = 10, over n − 1 = 4
    expect(stdev([1, 2, 3, 4, 5])).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(stdev([7])).toBeNaN();
  });

  it('gives the one-sample interval of R t.test(1:5)', () => {
    // by hand: 3 ± 2.776445 · √2.5/√5 = 3 ± 1.963243; R prints 1.036757 4.963243
    const iv = meanInterval([1, 2, 3, 4, 5]);
    expect(iv.n).toBe(5);
    expect(iv.mean).toBe(3);
    expect(iv.lo).toBeCloseTo(1.036757, 5);
    expect(iv.hi).toBeCloseTo(4.963243, 5);
    // 90%: t(0.95, 4) = 2.131847, so 3 ± 1.507443
    const iv90 = meanInterval([1, 2, 3, 4, 5], 0.9);
    expect(iv90.lo).toBeCloseTo(1.492557, 5);
  });

  it("matches R on Student's sleep data, paired", () => {
    // t.test(extra ~ group, data = sleep, paired = TRUE), group 2 − group 1:
    // mean difference 1.58, 95% CI [0.7001142, 2.4598858], t = 4.0621, df = 9, p = 0.002833
    const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const d = pairedDifference(g1, g2);
    expect(d.n).toBe(10);
    expect(d.mean).toBeCloseTo(1.58, 10);
    expect(d.lo).toBeCloseTo(0.7001, 4);
    expect(d.hi).toBeCloseTo(2.4599, 4);
    expect(d.p).toBeCloseTo(0.002833, 6);
    // swapped, the difference changes sign and p stays
    const r = pairedDifference(g2, g1);
    expect(r.mean).toBeCloseTo(-1.58, 10);
    expect(r.hi).toBeCloseTo(-0.7001, 4);
    expect(r.p).toBeCloseTo(0.002833, 6);
  });

  it('gives no interval for one value', () => {
    expect(meanInterval([4.2])).toEqual({ n: 1, mean: 4.2, lo: null, hi: null });
    expect(pairedDifference([1], [3])).toEqual({ n: 1, mean: 2, lo: null, hi: null, p: null });
    expect(meanInterval([]).n).toBe(0);
    expect(() => pairedDifference([1, 2], [1])).toThrow(/length/);
  });

  it('handles zero variance', () => {
    expect(meanInterval([0.5, 0.5, 0.5])).toEqual({ n: 3, mean: 0.5, lo: 0.5, hi: 0.5 });
    // every pair differs by exactly 1: certain
    const d = pairedDifference([1, 2, 3], [2, 3, 4]);
    expect([d.mean, d.lo, d.hi, d.p]).toEqual([1, 1, 1, 0]);
    // identical samples: no difference at all
    const z = pairedDifference([1, 2, 3], [1, 2, 3]);
    expect([z.mean, z.lo, z.hi, z.p]).toEqual([0, 0, 0, 1]);
  });
});

describe('percentile bootstrap', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  const meanOf = (idx: readonly number[]) => idx.reduce((s, i) => s + xs[i], 0) / idx.length;
  it('gives the mean of 1..100 the interval the normal theory gives, 50.5 ± 1.96 · 28.87 / 10', () => {
    const b = bootstrap(xs.length, meanOf, { resamples: 4000, random: seededRandom(7) })!;
    expect(b.estimate).toBe(50.5);
    // sd of 1..100 with n − 1 is 29.011; the bootstrap's is with n, 28.866: half-width 5.66
    expect(b.lo!).toBeGreaterThan(44.3);
    expect(b.lo!).toBeLessThan(45.5);
    expect(b.hi!).toBeGreaterThan(55.5);
    expect(b.hi!).toBeLessThan(56.7);
    expect(b.p).toBe(0);
    // the same seed, the same interval
    expect(bootstrap(xs.length, meanOf, { resamples: 4000, random: seededRandom(7) })).toEqual(b);
  });
  it('has no interval below two units and a point interval for constant data', () => {
    expect(bootstrap(1, () => 3, { random: seededRandom(1) })).toEqual({ estimate: 3, lo: null, hi: null, p: null, resamples: 0 });
    expect(bootstrap(5, () => 0, { random: seededRandom(1) })).toMatchObject({ estimate: 0, lo: 0, hi: 0, p: 1 });
    expect(bootstrap(5, () => null, { random: seededRandom(1) })).toBeNull();
  });
});
