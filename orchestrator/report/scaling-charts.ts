// The charts of a scaling experiment (experiment/scaling.ts): the shares of played bytes and the
// search success against the peers online, each with the figure Spotify measured at its own scale
// ([1], analysis/reference.ts) as a dashed line. Plain data from scaling.json's rows: drawn to
// scaling-shares.png and scaling-search.png beside scaling.md, and interactively from the same
// configurations on the scaling experiment's page of `testbed serve`.
// experiment/scaling.ts draws its PNGs from these; scaling-charts.test.ts checks that scaling.json's
// rows give the very PNGs beside scaling.md.
import type { ChartConfiguration } from 'chart.js';
import { KN2010 } from '../analysis/reference.ts';
import { title } from './chart-title.ts';

/** what a chart needs of a row of scaling.json (experiment/scaling.ts ScalingRow) */
export interface ScalingChartRow {
  plays: number;
  online: { mean: number };
  shares: { server: number; p2p: number; cache: number };
  /** searches answered with peers by the tracker, by the overlay: fractions */
  tracker: number;
  overlay: number;
}

const COLORS = { server: '#d62728', p2p: '#2ca02c', cache: '#1f77b4', tracker: '#9467bd', overlay: '#ff7f0e' } as const;

function lineChart(heading: string, all: readonly ScalingChartRow[], series: { key: keyof typeof COLORS; label: string; value: (r: ScalingChartRow) => number; ref: number }[]): ChartConfiguration {
  // a population that played nothing has no shares to plot (its row in scaling.md says so)
  const rows = all.filter((r) => r.plays > 0);
  const xs = rows.map((r) => Math.max(1, r.online.mean));
  // whole decades, so that the log axis ends on a labelled tick
  const lo = 10 ** Math.floor(Math.log10(Math.min(...xs)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...xs) * 1.01));
  return {
    type: 'scatter',
    data: {
      datasets: series.flatMap((s) => [
        { label: s.label, data: rows.map((r, i) => ({ x: xs[i], y: +(100 * s.value(r)).toFixed(2) })), borderColor: COLORS[s.key], backgroundColor: COLORS[s.key], showLine: true, pointRadius: 4 },
        {
          label: `${s.label}: Spotify [1], ${(100 * s.ref).toFixed(1)}%`,
          data: [
            { x: lo, y: 100 * s.ref },
            { x: hi, y: 100 * s.ref },
          ],
          borderColor: COLORS[s.key],
          backgroundColor: COLORS[s.key],
          borderDash: [6, 4],
          showLine: true,
          pointRadius: 0,
        },
      ]),
    },
    options: {
      plugins: title(heading),
      scales: {
        x: { type: 'logarithmic', min: lo, max: hi, title: { display: true, text: 'peers online at once (mean over the run, log scale)' } },
        y: { min: 0, max: 100, title: { display: true, text: '%' } },
      },
    },
  };
}

/** file name beside scaling.md → its chart; none before a population has played anything (an interrupt in the first) */
export function scalingCharts(rows: readonly ScalingChartRow[]): Record<string, ChartConfiguration> {
  if (!rows.some((r) => r.plays > 0)) return {};
  const k = KN2010;
  return {
    'scaling-shares.png': lineChart('Played bytes by source against the peers online (dashed: Spotify, [1])', rows, [
      { key: 'server', label: 'servers', value: (r) => r.shares.server, ref: k.shares.server },
      { key: 'p2p', label: 'peers', value: (r) => r.shares.p2p, ref: k.shares.p2p },
      { key: 'cache', label: 'cache', value: (r) => r.shares.cache, ref: k.shares.cache },
    ]),
    'scaling-search.png': lineChart('Searches answered with peers against the peers online (dashed: Spotify, [1])', rows, [
      { key: 'tracker', label: 'tracker', value: (r) => r.tracker, ref: k.tracker },
      { key: 'overlay', label: 'overlay', value: (r) => r.overlay, ref: k.overlay },
    ]),
  };
}
