// The timer-slip histogram (its quantiles within a bucket of the exact ones, pooling equal to
// counting together) and the check of a program's `load` record (report-check.ts), which refuses
// what no real measurement can be.
import { describe, expect, it } from 'vitest';
import { type HostLoad, SlipHistogram, slipBucket } from './host-load.ts';
import { seededRandom } from './random.ts';
import { hostLoadProblem } from './report-check.ts';

const exact = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.max(1, Math.ceil(q * xs.length)) - 1];

describe('SlipHistogram', () => {
  it('gives quantiles at most one bucket (9 %) above the exact ones, never above the largest slip', () => {
    const random = seededRandom(7);
    // mostly under a millisecond, a tail to seconds: a loaded host's shape
    const xs = Array.from({ length: 5000 }, () => (random() < 0.97 ? random() : 10 ** (random() * 3.5)));
    const h = new SlipHistogram();
    for (const x of xs) h.add(x);
    expect(h.count).toBe(5000);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const e = exact(xs, q);
      expect(h.quantile(q)).toBeGreaterThanOrEqual(e);
      expect(h.quantile(q)).toBeLessThanOrEqual(Math.max(e * 2 ** (1 / 8), 0.01) + 1e-9);
    }
    expect(h.quantile(1)).toBe(Math.max(...xs));
    expect(h.max).toBe(Math.max(...xs));
    const q = h.quantiles();
    expect(q.p50).toBeLessThanOrEqual(q.p99);
    expect(q.p99).toBeLessThanOrEqual(q.max);
  });

  it('pools programs: merging their buckets is counting their slips together', () => {
    const a = new SlipHistogram();
    const b = new SlipHistogram();
    const both = new SlipHistogram();
    [0.2, 0.3, 4, 12].forEach((x) => (a.add(x), both.add(x)));
    [0.001, 50, 700].forEach((x) => (b.add(x), both.add(x)));
    const pooled = new SlipHistogram();
    pooled.merge(a.pairs(), a.max);
    pooled.merge(b.pairs(), b.max);
    expect(pooled.pairs()).toEqual(both.pairs());
    expect(pooled.count).toBe(7);
    expect(pooled.max).toBe(700);
    for (const q of [0.5, 0.99]) expect(pooled.quantile(q)).toBe(both.quantile(q));
  });

  it('counts no negative or non-finite slip, and says 0 with none', () => {
    const h = new SlipHistogram();
    for (const x of [-1, Number.NaN, Number.POSITIVE_INFINITY]) h.add(x);
    expect(h.count).toBe(0);
    expect(h.quantiles()).toEqual({ p50: 0, p99: 0, max: 0 });
    expect(slipBucket(0)).toBe(0);
    expect(slipBucket(0.01)).toBe(1);
    expect(slipBucket(0.02)).toBe(9);
  });
});

describe('a load record, as core/report-check.ts checks it', () => {
  const h = new SlipHistogram();
  for (const x of [0.1, 0.5, 2]) h.add(x);
  const good: HostLoad = { ms: 60_000, slipMs: h.quantiles(), timers: 3, slipHist: h.pairs(), loopDelayMs: { p50: 0.1, p99: 3, max: 7 }, loopSamples: 120 };
  const json = (x: unknown) => JSON.parse(JSON.stringify(x));

  it('takes what a program prints', () => {
    expect(hostLoadProblem(json(good))).toBeNull();
    expect(hostLoadProblem({ ...good, timers: 0, slipHist: [], slipMs: { p50: 0, p99: 0, max: 0 } })).toBeNull();
  });

  it('refuses negative, NaN, infinite and 1e308 durations', () => {
    expect(hostLoadProblem({ ...good, ms: -1 })).toMatch(/"ms" is not real ms from 0 to 31622400000/);
    expect(hostLoadProblem({ ...good, ms: 1e308 })).toMatch(/"ms" is not real ms/);
    expect(hostLoadProblem({ ...good, slipMs: { p50: -1, p99: 0, max: 0 } })).toMatch(/"slipMs" is not \{p50, p99, max\}/);
    expect(hostLoadProblem({ ...good, slipMs: { p50: 0, p99: Number.NaN, max: 0 } })).toMatch(/"slipMs"/);
    expect(hostLoadProblem({ ...good, slipMs: { p50: 0, p99: 1, max: 1e308 } })).toMatch(/"slipMs"/);
    expect(hostLoadProblem({ ...good, loopDelayMs: { p50: 0, p99: 1, max: Number.POSITIVE_INFINITY } })).toMatch(/"loopDelayMs"/);
    // NaN and Infinity reach the orchestrator as null through JSON
    expect(hostLoadProblem(json({ ...good, loopDelayMs: { p50: Number.NaN, p99: 1, max: 2 } }))).toMatch(/"loopDelayMs"/);
  });

  it('refuses quantiles out of order, stray or missing fields, and a histogram that does not add up', () => {
    expect(hostLoadProblem({ ...good, slipMs: { p50: 3, p99: 2, max: 4 } })).toMatch(/in order/);
    expect(hostLoadProblem({ ...good, slipMs: { ...good.slipMs, p90: 1 } })).toMatch(/"slipMs"/);
    expect(hostLoadProblem({ ...good, extra: 1 })).toMatch(/unknown field "extra"/);
    const { loopSamples: _, ...missing } = good;
    expect(hostLoadProblem(missing)).toMatch(/without "loopSamples"/);
    expect(hostLoadProblem({ ...good, timers: 4 })).toMatch(/"slipHist" counts 3 slips, "timers" 4/);
    expect(hostLoadProblem({ ...good, timers: -3 })).toMatch(/"timers" is not a whole number/);
    expect(
      hostLoadProblem({
        ...good,
        slipHist: [
          [5, 1],
          [5, 2],
        ],
      }),
    ).toMatch(/buckets rising/);
    expect(hostLoadProblem({ ...good, slipHist: [[1e9, 3]] })).toMatch(/buckets rising from 0 to \d+/);
    expect(
      hostLoadProblem({
        ...good,
        slipHist: [
          [5, 0],
          [6, 3],
        ],
      }),
    ).toMatch(/counts >= 1/);
    expect(hostLoadProblem(null)).toMatch(/must be an object/);
  });
});
