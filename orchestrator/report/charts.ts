// PNG plots with chart.js on node-canvas. Charts are plain data (no functions): the same
// configuration object is drawn to PNG here and handed as JSON to Chart.js in report.html,
// comparison.html and the pages of `testbed serve` (html.ts). What Chart.js cannot draw from data
// alone, interval whiskers over bars, is a dataset's `whiskers` and one plugin (whiskers.ts), which
// both renderers run: here on node-canvas, and from its source text in the page.

import type { ChartConfiguration } from 'chart.js';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import { title } from './chart-title.ts';
import { drawWhiskers } from './whiskers.ts';

const canvas = new ChartJSNodeCanvas({ width: 900, height: 500, backgroundColour: 'white' });
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

/** a copy of the plain objects and arrays of `x`; anything else (a plugin's hooks in another module's charts) is shared */
const copyData = <T>(x: T): T =>
  (Array.isArray(x)
    ? x.map(copyData)
    : x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype
      ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copyData(v)]))
      : x) as T;

/** draws `config` to PNG; the renderer and Chart.js change the object they are given, so they get a copy and `config` stays as it was */
export function render(config: ChartConfiguration): Promise<Buffer> {
  const copy = copyData(config);
  return canvas.renderToBuffer({ ...copy, plugins: [...(copy.plugins ?? []), { id: 'whiskers', afterDatasetsDraw: drawWhiskers }] });
}

const axis = (x: string, y: string) => ({ x: { title: { display: true, text: x } }, y: { title: { display: true, text: y }, beginAtZero: true } });

/**
 * Fig. 1's rows are bins of `periodMinutes` that held reports; every bin from the first period to
 * the last row is on the axis, a bin without reports a gap in the lines (null: no report, not zero neighbours).
 */
export function figure1Chart(rows: { minutes: number; p10: number; p25: number; p50: number; p75: number; p90: number }[], periodMinutes = 30): ChartConfiguration {
  const keys = ['p90', 'p75', 'p50', 'p25', 'p10'] as const;
  const last = rows.length ? Math.max(...rows.map((r) => r.minutes)) : 0;
  const byMinute = new Map(rows.map((r) => [r.minutes, r]));
  const minutes = [...new Set([...Array.from({ length: Math.floor(last / periodMinutes) }, (_, i) => (i + 1) * periodMinutes), ...rows.map((r) => r.minutes)])].sort((a, b) => a - b);
  return {
    type: 'line',
    data: {
      labels: minutes.map(String),
      datasets: keys.map((k, i) => ({
        label: `${k.slice(1)}th percentile`,
        data: minutes.map((m) => byMinute.get(m)?.[k] ?? null),
        borderColor: COLORS[i],
        backgroundColor: COLORS[i],
        pointRadius: 0,
        tension: 0,
      })),
    },
    options: { plugins: title("Peer connections against time since login (cf. the paper's Fig. 1)"), scales: axis('minutes since login', 'peer connections') },
  };
}

/** one point per row: the rows must hold every hour of the run, zero where nothing played (analysis/paper.ts offloadOverTime with the run's window) */
export function offloadChart(rows: { hour: number; server: number; p2p: number; cache: number }[]): ChartConfiguration {
  const mb = (x: number) => +(x / 1e6).toFixed(3);
  return {
    type: 'line',
    data: {
      labels: rows.map((r) => String(r.hour)),
      datasets: (['server', 'p2p', 'cache'] as const).map((k, i) => ({
        label: k,
        data: rows.map((r) => mb(r[k])),
        borderColor: COLORS[i],
        backgroundColor: COLORS[i] + '88',
        fill: i === 0 ? 'origin' : '-1',
        pointRadius: 0,
      })),
    },
    options: {
      plugins: title('Bytes played by source per workload hour'),
      scales: { ...axis('workload hour (0 = Monday 00:00 UTC)', 'MB played'), y: { stacked: true, beginAtZero: true, title: { display: true, text: 'MB played' } } },
    },
  };
}

/** the CDF at most `maxPoints` points (every play's own up to that many, then evenly spaced ranks and the last), so that report.html stays small for a large run */
export function latencyCdfChart(latencies: number[], maxPoints = 2000): ChartConfiguration {
  const s = [...latencies].sort((a, b) => a - b);
  const step = Math.max(1, s.length / maxPoints);
  const ranks = s.length <= maxPoints ? s.map((_, i) => i) : [...new Set([...Array.from({ length: maxPoints }, (_, j) => Math.floor(j * step)), s.length - 1])];
  const pts = ranks.map((i) => ({ x: s[i], y: (i + 1) / s.length }));
  return {
    type: 'scatter',
    data: { datasets: [{ label: 'plays', data: pts, borderColor: COLORS[0], backgroundColor: COLORS[0], showLine: true, pointRadius: 0 }] },
    options: {
      plugins: title('Playback latency, CDF (real ms, measured under the time scale)'),
      scales: { x: { type: 'linear', title: { display: true, text: 'ms from play request to first audio' } }, y: { min: 0, max: 1, title: { display: true, text: 'share of plays' } } },
    },
  };
}

export function tableIIIChart(t3: Record<string, { weekday: { any: number; d1: number; d2: number }; weekend: { any: number; d1: number; d2: number } }>): ChartConfiguration {
  const countries = Object.keys(t3);
  const series = [
    ['any d, weekday', (c: string) => t3[c].weekday.any],
    ['any d, weekend', (c: string) => t3[c].weekend.any],
    ['d = 1, weekday', (c: string) => t3[c].weekday.d1],
    ['d = 1, weekend', (c: string) => t3[c].weekend.d1],
    ['d = 2, weekday', (c: string) => t3[c].weekday.d2],
    ['d = 2, weekend', (c: string) => t3[c].weekend.d2],
  ] as const;
  return {
    type: 'bar',
    data: { labels: countries, datasets: series.map(([label, f], i) => ({ label, data: countries.map((c) => +(100 * f(c)).toFixed(1)), backgroundColor: COLORS[i] })) },
    options: {
      plugins: title("Overlay searches that found peers, % (cf. the paper's Table III)"),
      scales: { ...axis('country', '% of searches'), y: { min: 0, max: 100, title: { display: true, text: '% of searches' } } },
    },
  };
}
