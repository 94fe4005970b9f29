// Interval whiskers over bars, drawn after the datasets: chart.js has no error bars, and
// chartjs-chart-error-bars brings its own chart types. A bar dataset's `whiskers` holds [lo, hi]
// per bar in data units (null: none), so that a chart stays plain data; this one function draws
// them, on node-canvas for the PNG (charts.ts) and in the browser from its source text (html.ts).
// Kept apart from charts.ts so that a page can be made without loading node-canvas.
import type { Chart } from 'chart.js';

/**
 * Chart.js's `afterDatasetsDraw` hook; a dataset hidden from the legend has its whiskers hidden
 * too. It runs in the browser from its source text: it may use nothing but its argument, and no
 * named function inside it (a transpiler may wrap those in a helper of its own).
 */
export function drawWhiskers(chart: Chart): void {
  const y = chart.scales.y;
  if (!y) return;
  const ctx = chart.ctx;
  ctx.save();
  ctx.strokeStyle = '#222';
  ctx.lineWidth = 1.5;
  chart.data.datasets.forEach((dataset, i) => {
    const intervals = (dataset as { whiskers?: ([number, number] | null)[] }).whiskers;
    if (!Array.isArray(intervals) || !chart.isDatasetVisible(i)) return;
    const bars = chart.getDatasetMeta(i).data as unknown as ({ x: number; width: number } | undefined)[];
    intervals.forEach((iv, j) => {
      const bar = bars[j];
      if (!iv || !bar) return;
      const top = y.getPixelForValue(iv[1]);
      const bottom = y.getPixelForValue(iv[0]);
      const w = Math.min(8, bar.width / 4);
      ctx.beginPath();
      ctx.moveTo(bar.x, top);
      ctx.lineTo(bar.x, bottom);
      ctx.moveTo(bar.x - w, top);
      ctx.lineTo(bar.x + w, top);
      ctx.moveTo(bar.x - w, bottom);
      ctx.lineTo(bar.x + w, bottom);
      ctx.stroke();
    });
  });
  ctx.restore();
}
