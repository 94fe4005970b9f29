import { describe, expect, it } from 'vitest';
import { render } from '../report/charts.ts';
import { buildComparison, type RunSample } from './model.ts';
import { comparisonChartConfigs, comparisonMarkdown } from './render.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function run(variant: string, repetition: number, p2p: number, p50: number): RunSample {
  return {
    variant,
    repetition,
    runId: `${variant}-${repetition}`,
    dir: `results/${variant}-${repetition}`,
    summary: {
      peers: 4,
      plays: 20,
      bytes: { server: 0, p2p: 4e6 * p2p, cache: 0, total: 4e6 },
      shares: { server: 0.95 - p2p, p2p, cache: 0.05 },
      latencyMs: { p50, p75: null, p90: 2 * p50, scaled: false },
      stutterRate: 0,
      reportsLost: 0,
      discovery: { tracker: p2p ? 0.8 : 0, overlay: p2p ? 0.5 : 0, overlayD1: 0, overlayD2: 0 },
    },
    latencies: Array.from({ length: 20 }, (_, i) => p50 / 2 + (i * p50) / 10),
    offload: [0, 1, 2].map((hour) => ({ hour, server: 1000, p2p: 1000 * p2p * (hour + 1), cache: 50 })),
  };
}
// p2p shares 0.10/0.12/0.14 against 0: differences −12.0 pp ± 4.97 pp, t = 10.39 with 2 df, p = 1 − t/√(2 + t²) = 0.0091; latency 100/120/110 against 105/115/112: noise
const runs = [0, 1, 2].flatMap((i) => [run('default', i, [0.1, 0.12, 0.14][i], [100, 120, 110][i]), run('server-only', i, 0, [105, 115, 112][i])]);
const c = buildComparison({
  experiment: 'offload',
  base: 'default',
  variants: [{ name: 'default', description: 'as in the paper' }, { name: 'server-only' }],
  runs,
  warnings: ['run x was interrupted'],
});

describe('comparison rendering', () => {
  it('writes the tables in Markdown', () => {
    const md = comparisonMarkdown(c);
    expect(md).toMatch(/^# offload: 2 variants compared/);
    expect(md).toContain('- **default** (base): as in the paper. Runs: 0: [default-0](results/default-0)');
    expect(md).toContain('| metric | variant | mean [95% CI] | Δ vs default [95% CI] | verdict |');
    expect(md).toContain('| peer share of played bytes (higher is better) | default (base) | 12.0% [7.0, 17.0] |  |  |');
    expect(md).toContain('| server-only | 0.0% [0.0, 0.0] | −12.0 pp [−17.0, −7.0] (−100%) | **worse** (p=0.009 n=3) |');
    // 110.67 ± 4.3027 · 5.13/√3; Δ 0.667 ± 12.75, t = 0.225 with 2 df: p = 1 − t/√(2 + t²) = 0.843
    expect(md).toContain('| server-only | 111 ms [98, 123] | +0.7 ms [−12.1, +13.4] (+1%) | ~ (p=0.843 n=3) |');
    for (const h of ['## Offload', '## Playback', '## Peer discovery', '## Other', '## How to read this']) expect(md).toContain(h);
    expect(md).toContain('- run x was interrupted');
  });

  it('shows each chart drawn under its group, and no other', () => {
    const md = comparisonMarkdown(c, ['shares.png', 'latency-cdf.png']);
    const images = [...md.matchAll(/!\[[^\]]*\]\((plots\/[^)]+)\)/g)].map((m) => m[1]);
    expect(images).toEqual(['plots/shares.png', 'plots/latency-cdf.png']);
    expect(md.indexOf('plots/shares.png')).toBeGreaterThan(md.indexOf('## Offload'));
    expect(md.indexOf('plots/shares.png')).toBeLessThan(md.indexOf('## Playback'));
    expect(comparisonMarkdown(c)).not.toContain('![');
  });

  it('makes the charts as plain data (the same for the PNG and the page), and leaves out those without data', async () => {
    const charts = comparisonChartConfigs(c, runs);
    expect(Object.keys(charts).sort()).toEqual(['discovery.png', 'latency-cdf.png', 'latency.png', 'p2p-over-time.png', 'shares.png']);
    for (const config of Object.values(charts)) {
      // what comparison.html carries as JSON is the whole chart: no function, no plugin object
      expect(JSON.parse(JSON.stringify(config))).toEqual(config);
      expect((await render(config)).subarray(0, 8).equals(PNG)).toBe(true);
    }
    // the peer share's bars carry their intervals, in % as the bars are: 12.0% [7.0, 17.0] for the base
    const shares = charts['shares.png'].data.datasets as unknown as { label: string; data: number[]; whiskers: [number, number][] }[];
    expect(shares.map((d) => d.label)).toEqual(['default', 'server-only']);
    expect(shares[0].data[1]).toBeCloseTo(12, 6);
    expect(shares[0].whiskers[1].map((x) => +x.toFixed(1))).toEqual([7, 17]);
    const bare = runs.map(({ latencies: _l, offload: _o, ...r }) => r);
    expect(Object.keys(comparisonChartConfigs(c, bare)).sort()).toEqual(['discovery.png', 'latency.png', 'shares.png']);
  }, 30_000);
});
