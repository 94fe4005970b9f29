// The run's charts: every hour (and every Fig. 1 bin) of the run on the axis, not only those with
// data; plain data that the PNG renderer leaves as it found it, so report.html can embed it.
import { describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { figure1Chart, latencyCdfChart, offloadChart, render } from './charts.ts';
import { summarise } from './summarise.ts';
import { testRunInfo } from './test/run-info.ts';

const H = 3_600_000;
const info = testRunInfo({ peers: 1, durationMs: 7 * H });
const play = (seq: number, hour: number, server: number): Report => playReport({ seq, t: hour * H + 60_000, bytes: { server, p2p: 0, cache: 0 } });

describe('the offload chart', () => {
  it("puts every hour of the run's window on the axis, zero where nothing played (no plays at hours 3-5 of 0..6)", () => {
    const a = summarise({ info, reports: [play(0, 0, 1e6), play(1, 1, 2e6), play(2, 2, 3e6), play(3, 6, 4e6)], generated: new Map(), badLines: 0 });
    const c = offloadChart(a.offload);
    expect(c.data.labels).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(c.data.datasets.find((d) => d.label === 'server')!.data).toEqual([1, 2, 3, 0, 0, 0, 4]);
  });

  it('counts the window from where the run starts in its week', () => {
    const a = summarise({ info: { ...info, durationMs: 4 * H, workload: { startMs: 30 * H } }, reports: [play(0, 0, 1e6)], generated: new Map(), badLines: 0 });
    expect(offloadChart(a.offload).data.labels).toEqual(['30', '31', '32', '33']);
  });
});

describe('the Fig. 1 chart', () => {
  it('keeps a bin without reports on the axis, as a gap in the lines', () => {
    const row = (minutes: number, p: number) => ({ minutes, p10: p, p25: p, p50: p, p75: p, p90: p });
    const c = figure1Chart([row(30, 1), row(60, 2), row(150, 5)]);
    expect(c.data.labels).toEqual(['30', '60', '90', '120', '150']);
    expect(c.data.datasets[0].data).toEqual([1, 2, null, null, 5]);
  });
});

describe('the latency CDF chart', () => {
  it('is at most its number of points, from the fastest play to the slowest at 1', () => {
    const lat = Array.from({ length: 10_000 }, (_, i) => 10_000 - i);
    const pts = latencyCdfChart(lat, 500).data.datasets[0].data as { x: number; y: number }[];
    expect(pts.length).toBeLessThanOrEqual(501);
    expect(pts[0]).toEqual({ x: 1, y: 1e-4 });
    expect(pts.at(-1)).toEqual({ x: 10_000, y: 1 });
    expect(latencyCdfChart([3, 1, 2]).data.datasets[0].data).toEqual([
      { x: 1, y: 1 / 3 },
      { x: 2, y: 2 / 3 },
      { x: 3, y: 1 },
    ]);
  });
});

describe('a chart drawn to PNG', () => {
  it('is drawn from a copy: the configuration stays plain data, as it was', async () => {
    const c = offloadChart([{ hour: 0, server: 1e6, p2p: 0, cache: 0 }]);
    const before = JSON.stringify(c);
    const png = await render(c);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(JSON.stringify(c)).toBe(before);
    expect(c.options).not.toHaveProperty('responsive');
  });
});
