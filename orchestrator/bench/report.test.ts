import { describe, expect, it } from 'vitest';
import { gate, gateEach } from './gate.ts';
import type { RunRecord } from './measures.ts';
import { plotFile, reportMarkdown, trend, trendChart } from './report.ts';

const rec = (i: number, v: number, baseline = false): RunRecord => ({
  commit: `c${i}`,
  date: `2025-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
  machine: { kind: '2c-24g-linux', cores: 2, memGiB: 24, kernel: '6.1', docker: null },
  measures: [{ name: 'rss/idle', unit: 'MB', better: 'lower', samples: [0.99, 1, 1.01, 0.98, 1.02].map((f) => f * v * (1 + i / 1000)) }],
  ...(baseline ? { baseline } : {}),
});

describe('the benchmark report', () => {
  const records = [...Array.from({ length: 6 }, (_, i) => rec(i, 80)), rec(6, 100), rec(7, 100, true)];

  it('marks the regressed run of the trend red and the baseline as a triangle', () => {
    const points = trend(records, gateEach(records), 'rss/idle');
    expect(points.map((p) => p.regressed)).toEqual([false, false, false, false, false, false, true, false]);
    const ds = trendChart('rss/idle', 'MB', 'lower', points).data.datasets[0] as unknown as { backgroundColor: string[]; pointStyle: string[] };
    expect(ds.backgroundColor[6]).toBe('#d62728');
    expect(ds.backgroundColor[5]).not.toBe('#d62728');
    expect(ds.pointStyle[7]).toBe('triangle');
  });

  it('writes a table row per measure with both medians, the change, p and the verdict', () => {
    const md = reportMarkdown(gate(records.slice(0, 7)), [plotFile('rss/idle')], 2);
    expect(md).toContain('| rss/idle | 100.6 MB | 80.2 MB | +25.4% |');
    expect(md).toContain('**regressed**');
    expect(md).toContain('2 lines of the history could not be read');
    expect(md).toContain('![rss_idle.png](plots/rss_idle.png)');
  });
});
