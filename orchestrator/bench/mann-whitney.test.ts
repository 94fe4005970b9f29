import { describe, expect, it } from 'vitest';
import { exactCounts, mannWhitney, ranks, smallestP } from './mann-whitney.ts';

describe('Mann-Whitney U', () => {
  it('matches the textbook exact case: Hollander & Wolfe (1973), p. 69, the example of R ?wilcox.test', () => {
    // permeability constants of the human chorioamnion membrane at term (x) and at 12 to 26 weeks (y).
    // R's help page runs wilcox.test(x, y, alternative = "g"): W = 35, p-value = 0.1272, so the
    // two-sided p is twice that; scipy.stats.mannwhitneyu(x, y, method='exact') gives 35.0 and
    // 0.2544122544122544.
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitney(x, y);
    expect(r.method).toBe('exact');
    expect(r.u).toBe(35);
    expect(r.p).toBeCloseTo(0.2544122544, 9);
    // swapping the sides gives U' = m·n − U and the same two-sided p
    expect(mannWhitney(y, x).u).toBe(15);
    expect(mannWhitney(y, x).p).toBeCloseTo(r.p, 12);
  });

  it('with ties uses the normal approximation with tie and continuity corrections', () => {
    // the formula of R's wilcox.test(a, b, exact = FALSE, correct = TRUE); the expected values are
    // scipy.stats.mannwhitneyu(a, b, method='asymptotic', use_continuity=True): 7.5, 0.012340098004562493
    const a = [1, 2, 2, 3, 4, 5, 5, 5, 7];
    const b = [3, 6, 6, 8, 9, 9, 10];
    const r = mannWhitney(a, b);
    expect(r.method).toBe('normal');
    expect(r.u).toBe(7.5);
    expect(r.p).toBeCloseTo(0.012340098, 8);
  });

  it('completely separated samples of 5 and 5 give the smallest exact p, 2 / C(10, 5)', () => {
    const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.u).toBe(0);
    expect(r.p).toBeCloseTo(2 / 252, 12);
    expect(smallestP(5, 5)).toBeCloseTo(2 / 252, 12);
    expect(smallestP(1, 1)).toBe(1);
  });

  it('identical values everywhere give p = 1, not a division by zero', () => {
    expect(mannWhitney([3, 3, 3], [3, 3]).p).toBe(1);
  });

  it('the exact distribution sums to C(m+n, m) and is symmetric', () => {
    const c = exactCounts(4, 6);
    expect(c.reduce((a, b) => a + b, 0)).toBe(210);
    expect(c).toEqual([...c].reverse());
  });

  it('ranks ties by their mean rank', () => {
    expect(ranks([10, 20, 20, 30])).toEqual({ ranks: [1, 2.5, 2.5, 4], tieGroups: [2] });
  });
});
