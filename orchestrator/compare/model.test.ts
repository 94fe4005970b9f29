import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildComparison, type Comparison, comparisonSchema, type RunSample } from './model.ts';
import { machineOf, type Unit } from './units.ts';

interface S {
  server: number;
  p2p: number;
  cache: number;
  p50: number | null;
  p90: number | null;
  stutter: number;
  tracker: number;
  overlay: number;
  p2pBytes: number;
  peers: number;
  lost: number;
  plays: number;
}
/** a summary.json with the fields the comparison reads */
function summary(s: S): Record<string, any> {
  return {
    experiment: 'e',
    runId: 'r',
    seed: 1,
    timeScale: 1,
    peers: s.peers,
    plays: s.plays,
    bytes: { server: 0, p2p: s.p2pBytes, cache: 0, total: 0 },
    shares: { server: s.server, p2p: s.p2p, cache: s.cache },
    latencyMs: { p50: s.p50, p75: null, p90: s.p90, scaled: false },
    stutterRate: s.stutter,
    reportsLost: s.lost,
    discovery: { tracker: s.tracker, overlay: s.overlay, overlayD1: 0, overlayD2: 0 },
    nat: {},
    linkCheck: [],
  };
}
const run = (variant: string, repetition: number, s: S): RunSample => ({ variant, repetition, runId: `${variant}-${repetition}`, dir: `results/${variant}-${repetition}`, summary: summary(s) });

// three paired repetitions of the default protocol and of one with peers switched off
const def = (i: number): S => ({
  server: [0.85, 0.83, 0.81][i],
  p2p: [0.1, 0.12, 0.14][i],
  cache: 0.05,
  p50: [100, 120, 110][i],
  p90: [300, 320, 340][i],
  stutter: 0.01,
  tracker: 0.8,
  overlay: 0.6,
  p2pBytes: [1000, 1200, 1400][i],
  peers: 10,
  lost: 0,
  plays: 100,
});
const off = (i: number): S => ({
  server: 0.95,
  p2p: 0,
  cache: 0.05,
  p50: [105, 115, 112][i],
  p90: [310, 330, null][i],
  stutter: 0.01,
  tracker: 0,
  overlay: 0,
  p2pBytes: 0,
  peers: 10,
  lost: [0, 1, 0][i],
  plays: [90, 91, 92][i],
});
const runs = [0, 1, 2].flatMap((i) => [run('default', i, def(i)), run('server-only', i, off(i))]);
// a variant that ran once: one pair says nothing about noise
runs.push(run('once', 0, def(0)));

function build(): Comparison {
  return buildComparison({
    experiment: 'offload',
    base: 'default',
    variants: [{ name: 'default', description: 'the protocol as in the paper' }, { name: 'server-only' }, { name: 'once' }],
    runs,
    warnings: ['given warning'],
  });
}
const metric = (c: Comparison, key: string) => c.metrics.find((m) => m.key === key)!;

describe('buildComparison', () => {
  const c = build();

  it('matches its schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    expect(ajv.validate(comparisonSchema, JSON.parse(JSON.stringify(c))), ajv.errorsText()).toBe(true);
    expect(c.kind).toBe('testbed-comparison');
    expect(c.confidence).toBe(0.95);
    expect(c.variants[0]).toEqual({
      name: 'default',
      description: 'the protocol as in the paper',
      runs: [0, 1, 2].map((i) => ({ repetition: i, runId: `default-${i}`, dir: `results/default-${i}` })),
    });
    expect(c.warnings[0]).toBe('given warning');
  });

  it('gives each variant its mean and t interval', () => {
    const p2p = metric(c, 'shares.p2p').perVariant.default;
    // 0.12 ± t(0.975, 2) · 0.02/√3 = 0.12 ± 4.302653 · 0.011547 = 0.12 ± 0.049683
    expect(p2p.n).toBe(3);
    expect(p2p.mean).toBeCloseTo(0.12, 12);
    expect(p2p.ci![0]).toBeCloseTo(0.070317, 5);
    expect(p2p.ci![1]).toBeCloseTo(0.169683, 5);
    expect(p2p.values).toEqual([0.1, 0.12, 0.14]);
    expect(metric(c, 'shares.p2p').perVariant['server-only']).toEqual({ n: 3, mean: 0, ci: [0, 0], values: [0, 0, 0], missing: 0 });
    // bytes.p2p / peers
    expect(metric(c, 'p2pBytesPerPeer').perVariant.default.values).toEqual([100, 120, 140]);
  });

  it("finds that switching peers off loses the p2p share, by the metric's direction", () => {
    const p2p = metric(c, 'shares.p2p').vsBase['server-only'];
    // differences −0.10, −0.12, −0.14: the same interval as above, mirrored
    expect(p2p.pairs).toBe(3);
    expect(p2p.meanDiff).toBeCloseTo(-0.12, 12);
    expect(p2p.ci![0]).toBeCloseTo(-0.169683, 5);
    expect(p2p.ci![1]).toBeCloseTo(-0.070317, 5);
    expect(p2p.relative).toBeCloseTo(-1, 12);
    expect(p2p.verdict).toBe('worse');
    expect(p2p.p!).toBeLessThan(0.05);
    // the server share goes up by the same: worse too, since lower is better there
    expect(metric(c, 'shares.server').vsBase['server-only'].verdict).toBe('worse');
    // plays has no better side: a clear difference only "differs"
    expect(metric(c, 'plays').vsBase['server-only']).toMatchObject({ meanDiff: -9, verdict: 'differs' });
  });

  it('marks noise with ~', () => {
    // latency p50 differences 5, −5, 2: mean 0.67, half-width 4.30 · 5.13/√3 = 12.7
    const p50 = metric(c, 'latencyMs.p50').vsBase['server-only'];
    expect(p50.meanDiff).toBeCloseTo(2 / 3, 12);
    expect(p50.ci![0]).toBeLessThan(0);
    expect(p50.ci![1]).toBeGreaterThan(0);
    expect(p50.verdict).toBe('~');
    // identical in every pair: interval [0, 0], p = 1
    expect(metric(c, 'shares.cache').vsBase['server-only']).toEqual({ pairs: 3, meanDiff: 0, ci: [0, 0], relative: 0, p: 1, verdict: '~' });
    // base mean 0: no relative change
    expect(metric(c, 'reportsLost').vsBase['server-only']).toMatchObject({ relative: null, verdict: '~' });
  });

  it('gives ? below two pairs', () => {
    const once = metric(c, 'shares.p2p').vsBase.once;
    expect(once).toEqual({ pairs: 1, meanDiff: 0, ci: null, relative: 0, p: null, verdict: '?' });
    expect(metric(c, 'shares.p2p').perVariant.once).toMatchObject({ n: 1, ci: null });
    expect(c.metrics.every((m) => !('default' in m.vsBase))).toBe(true);
  });

  it('leaves missing values out of the sample and the pairs, and counts them', () => {
    const p90 = metric(c, 'latencyMs.p90');
    expect(p90.perVariant['server-only']).toMatchObject({ n: 2, values: [310, 330], missing: 1 });
    // pairs 0 and 1 only, each +10: certain, and higher latency is worse
    expect(p90.vsBase['server-only']).toMatchObject({ pairs: 2, meanDiff: 10, ci: [10, 10], p: 0, verdict: 'worse' });
    expect(c.warnings).toContain('latencyMs.p90: 1 of 3 runs of server-only have no value and are left out');
  });

  it('with two repetitions only a large, steady difference leaves the noise', () => {
    // the server-only case with p2p shares 0.10 and 0.14 in the default: differences 0.10 and
    // 0.14, half-width t(0.975, 1) · 0.02 = 12.7062 · 0.02 = 0.2541, so [−0.1341, 0.3741] holds 0
    const two = buildComparison({
      experiment: 'x',
      base: 'server-only',
      variants: [{ name: 'server-only' }, { name: 'default' }],
      runs: [0, 1].flatMap((i) => [run('server-only', i, off(i)), run('default', i, def(2 * i))]),
    });
    const d = metric(two, 'shares.p2p').vsBase.default;
    expect(d.ci![0]).toBeCloseTo(-0.134124, 5);
    expect(d.ci![1]).toBeCloseTo(0.374124, 5);
    expect(d.verdict).toBe('~');
    expect(d.relative).toBeNull();
  });

  it('refuses a base that is not a variant', () => {
    expect(() => buildComparison({ experiment: 'x', base: 'nope', variants: [{ name: 'a' }], runs: [] })).toThrow(/base variant nope/);
  });
});

describe('paired bootstrap over peer machines', () => {
  type U = Unit;
  /** a machine's plays: `p2p` of every 100 bytes came from peers, the rest from the server */
  const unit = (p2p: number, plays = 5): U => ({
    plays: Array.from({ length: plays }, () => ({ server: 100 - p2p, p2p, cache: 0, latencyMs: 10, stutters: 0 })),
    searches: [{ asked: true, trackerHit: p2p > 0, overlayHit: false }],
  });
  const sample = (variant: string, repetition: number, units: Map<string, U>, p2p: number): RunSample => ({
    ...run(variant, repetition, { server: 1 - p2p, p2p, cache: 0, p50: 10, p90: 10, stutter: 0, tracker: 0, overlay: 0, p2pBytes: 0, peers: units.size, lost: 0, plays: 5 * units.size }),
    units,
  });
  const machines = (f: (i: number) => number) => new Map(Array.from({ length: 12 }, (_, i) => [`se-${String(i).padStart(3, '0')}`, unit(f(i))]));

  it('names a unit by its machine, whatever run it was in', () => {
    expect(machineOf('tb-x1y2z3-p-se-003-1a2b3c4d')).toBe('se-003');
  });

  it('tells server-only from peers that serve in two repetitions, where the t interval cannot', () => {
    // peers serve 0-55% of each machine's bytes, differently in the two repetitions
    const paper = [
      sample(
        'paper',
        0,
        machines((i) => (i * 5) % 40),
        0.2,
      ),
      sample(
        'paper',
        1,
        machines((i) => (i * 7) % 56),
        0.3,
      ),
    ];
    const none = [
      sample(
        'server-only',
        0,
        machines(() => 0),
        0,
      ),
      sample(
        'server-only',
        1,
        machines(() => 0),
        0,
      ),
    ];
    const variants = [{ name: 'paper' }, { name: 'server-only' }];
    const boot = buildComparison({ experiment: 'e', base: 'paper', variants, runs: [...paper, ...none] });
    const p2p = boot.metrics.find((m) => m.key === 'shares.p2p')!;
    expect(p2p.method).toBe('bootstrap');
    const d = p2p.vsBase['server-only'];
    expect(d.pairs).toBe(24);
    expect(d.ci![1]).toBeLessThan(0);
    expect(d.verdict).toBe('worse');
    expect(new Ajv({ strict: false }).validate(comparisonSchema, boot)).toBe(true);
    // the same runs under the t method: two repetitions, t = 12.7, noise
    const t = buildComparison({ experiment: 'e', base: 'paper', variants, runs: [...paper, ...none], method: 't' });
    expect(t.metrics.find((m) => m.key === 'shares.p2p')!.vsBase['server-only'].verdict).toBe('~');
    // metrics that are not made of plays stay with the t interval
    expect(boot.metrics.find((m) => m.key === 'plays')!.method).toBe('t');
  });

  it('calls the same units in both variants noise', () => {
    const a = [
      sample(
        'a',
        0,
        machines((i) => i * 3),
        0.2,
      ),
      sample(
        'a',
        1,
        machines((i) => i * 2),
        0.1,
      ),
    ];
    const b = a.map((r) => ({ ...r, variant: 'b', runId: `b-${r.repetition}` }));
    const c = buildComparison({ experiment: 'e', base: 'a', variants: [{ name: 'a' }, { name: 'b' }], runs: [...a, ...b] });
    for (const m of c.metrics.filter((x) => x.method === 'bootstrap')) expect(m.vsBase.b.verdict, m.key).toBe('~');
  });
});
