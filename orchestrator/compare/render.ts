// What a person reads of `testbed compare`: a Markdown report of the comparison (model.ts) and
// its charts, plain data as a single run's are (report/charts.ts): drawn to plots/*.png and, from
// the same configurations, interactively in comparison.html (write.ts).
import type { ChartConfiguration } from 'chart.js';
import type { BaseDiff, Comparison, MetricGroup, MetricResult, RunSample, Unit, VariantStat } from './model.ts';

/** each group's table, and the charts (plots/<file>) shown under it */
const GROUPS: { group: MetricGroup; title: string; charts: { file: string; alt: string }[] }[] = [
  {
    group: 'offload',
    title: 'Offload: where played bytes came from',
    charts: [
      { file: 'shares.png', alt: 'share of played bytes by source, per variant' },
      { file: 'p2p-over-time.png', alt: 'share of played bytes from peers per workload hour' },
    ],
  },
  {
    group: 'playback',
    title: 'Playback: latency and stutters',
    charts: [
      { file: 'latency.png', alt: 'playback latency, per variant' },
      { file: 'latency-cdf.png', alt: 'playback latency, CDF' },
    ],
  },
  { group: 'discovery', title: 'Peer discovery', charts: [{ file: 'discovery.png', alt: 'searches answered with peers, per variant' }] },
  { group: 'other', title: 'Other', charts: [] },
];

/**
 * x [lo, hi] in the metric's unit, all three to one number of decimals, chosen from the largest of
 * them so that the interval's width shows (≈ three significant digits). Differences (`diff`) carry a
 * sign, and fractions are shown in percentage points instead of %.
 */
function cell(x: number, ci: [number, number] | null, unit: Unit, diff: boolean): string {
  const scale = unit === 'fraction' ? 100 : unit === 'bytes' ? 1e-6 : 1;
  const vs = [x, ...(ci ?? [])].map((v) => v * scale);
  const top = Math.max(...vs.map(Math.abs));
  const decimals = unit === 'fraction' ? 1 : top >= 100 || top === 0 ? 0 : top >= 10 ? 1 : top >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(top)));
  const f = (v: number) => {
    const t = v.toFixed(decimals);
    const neg = t.startsWith('-') && Number(t) !== 0;
    return `${neg ? '−' : diff && Number(t) !== 0 ? '+' : ''}${t.replace(/^-/, '')}`;
  };
  const u = unit === 'fraction' ? (diff ? ' pp' : '%') : unit === 'ms' ? ' ms' : unit === 'bytes' ? ' MB' : '';
  return `${f(vs[0])}${u}${ci ? ` [${f(vs[1])}, ${f(vs[2])}]` : ''}`;
}

function meanCell(s: VariantStat, unit: Unit): string {
  if (s.mean === null) return 'no value';
  return `${cell(s.mean, s.ci, unit, false)}${s.missing ? ` (n=${s.n}, ${s.missing} without)` : ''}`;
}

function deltaCell(d: BaseDiff, unit: Unit): string {
  if (d.meanDiff === null) return 'no pairs';
  const rel = d.relative === null ? '' : ` (${d.relative < 0 ? '−' : '+'}${Math.abs(100 * d.relative).toFixed(0)}%)`;
  return `${cell(d.meanDiff, d.ci, unit, true)}${rel}`;
}

// benchstat's habit: the verdict with the test's p and sample size beside it
function verdictCell(d: BaseDiff, method: MetricResult['method']): string {
  const n = method === 'bootstrap' ? `${d.pairs} units` : `n=${d.pairs}`;
  if (d.verdict === '?') return `? (${method === 'bootstrap' ? n : `${d.pairs} pair${d.pairs === 1 ? '' : 's'}`})`;
  const word = d.verdict === 'better' || d.verdict === 'worse' ? `**${d.verdict}**` : d.verdict;
  return `${word} (${d.p === null ? 'p –' : d.p < 0.001 ? 'p<0.001' : `p=${d.p.toFixed(3)}`} ${n})`;
}

const esc = (s: string) => s.replace(/\|/g, '\\|');
const better = (m: MetricResult) => (m.better === 'none' ? '' : ` (${m.better} is better)`);

function groupTable(c: Comparison, metrics: MetricResult[]): string {
  const pct = Math.round(100 * c.confidence);
  const rows = [`| metric | variant | mean [${pct}% CI] | Δ vs ${esc(c.base)} [${pct}% CI] | verdict |`, '| --- | --- | --- | --- | --- |'];
  for (const m of metrics) {
    c.variants.forEach((v, i) => {
      const first = i === 0 ? `${m.label}${better(m)}` : '';
      const s = m.perVariant[v.name];
      const d = m.vsBase[v.name];
      rows.push(`| ${esc(first)} | ${esc(v.name)}${v.name === c.base ? ' (base)' : ''} | ${meanCell(s, m.unit)} | ${d ? deltaCell(d, m.unit) : ''} | ${d ? verdictCell(d, m.method) : ''} |`);
    });
  }
  return rows.join('\n') + '\n';
}

/** `charts`: the files of plots/ that were drawn (comparisonChartConfigs), each shown under its group's table */
export function comparisonMarkdown(c: Comparison, charts: readonly string[] = []): string {
  const pct = Math.round(100 * c.confidence);
  const reps = Math.max(0, ...c.variants.map((v) => v.runs.length));
  const variants = c.variants.map((v) => {
    const runs = v.runs.map((r) => `${r.repetition}: [${r.runId}](${r.dir})`).join(', ');
    return `- **${v.name}**${v.name === c.base ? ' (base)' : ''}${v.description ? `: ${v.description}` : ''}. Runs: ${runs || 'none'}.`;
  });
  const tables = GROUPS.map(({ group, title, charts: shown }) => {
    const ms = c.metrics.filter((m) => m.group === group);
    const images = shown.filter((x) => charts.includes(x.file)).map((x) => `\n![${x.alt}](plots/${x.file})\n`);
    return ms.length ? `## ${title}\n\n${groupTable(c, ms)}${images.join('')}` : '';
  }).filter(Boolean);
  return `# ${c.experiment}: ${c.variants.length} variants compared

${c.variants.length} variants, up to ${reps} repetition${reps === 1 ? '' : 's'} each; repetition i of every variant ran with the same seeds and placement. Base: **${c.base}**. Made ${c.createdAt}.

${variants.join('\n')}

${tables.join('\n')}
## How to read this

${c.method} Each cell gives the mean with its ${pct}% interval in brackets; Δ is the variant minus the base (shares in percentage points, with the change relative to the base in parentheses). The verdict is \`~\` when the interval of Δ contains 0: the runs cannot tell the variants apart, whatever the means say. **better**/**worse** follow the metric's direction, \`differs\` is for metrics with no better side, and \`?\` means too few pairs for an interval. For a bootstrap metric p is the bootstrap's (twice the share of resampled differences beyond 0) and the count is of paired units; for a t metric p is the paired t test's and n the number of paired repetitions. With a handful of repetitions the t quantile is large (12.7 for 2, 4.3 for 3, 2.8 for 5), so t intervals are wide and only large, steady differences leave the noise; a \`~\` says "not shown", not "equal".

## Warnings

${c.warnings.length ? c.warnings.map((w) => `- ${w}`).join('\n') : 'None.'}
`;
}

// ---- charts ----

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const color = (i: number) => COLORS[i % COLORS.length];
const title = (text: string) => ({ display: true, text, font: { size: 16 } });

/** bars of the given metrics (x), one per variant, with interval whiskers; null when no values */
function intervalBars(c: Comparison, keys: { key: string; label: string }[], scale: number, heading: string, yLabel: string): ChartConfiguration | null {
  const metrics = keys.map((k) => ({ ...k, m: c.metrics.find((m) => m.key === k.key) }));
  const stat = (key: string, variant: string) => metrics.find((x) => x.key === key)?.m?.perVariant[variant];
  if (!c.variants.some((v) => keys.some((k) => stat(k.key, v.name)?.mean != null))) return null;
  const intervals = c.variants.map((v) =>
    keys.map((k) => {
      const ci = stat(k.key, v.name)?.ci;
      return ci ? ([ci[0] * scale, ci[1] * scale] as [number, number]) : null;
    }),
  );
  const ends = intervals.flat().flatMap((iv) => iv ?? []);
  return {
    type: 'bar',
    data: {
      labels: keys.map((k) => k.label),
      datasets: c.variants.map((v, i) => ({
        label: v.name,
        data: keys.map((k) => {
          const m = stat(k.key, v.name)?.mean;
          return m == null ? null : m * scale;
        }),
        backgroundColor: color(i),
        // drawn by report/whiskers.ts, on the PNG and on the page
        whiskers: intervals[i],
      })),
    },
    options: {
      plugins: { title: title(`${heading} (per variant, whiskers: ${Math.round(100 * c.confidence)}% interval)`) },
      // whiskers are drawn outside chart.js's data range: make room for them
      scales: { y: { beginAtZero: true, suggestedMin: Math.min(0, ...ends), suggestedMax: Math.max(0, ...ends), title: { display: true, text: yLabel } } },
    },
  };
}

/** at most n points of the empirical CDF, at evenly spaced ranks (thousands of plays draw slowly) */
function cdfPoints(xs: number[], n = 400): { x: number; y: number }[] {
  const s = [...xs].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(s.length / n));
  const pts: { x: number; y: number }[] = [];
  for (let i = step - 1; i < s.length; i += step) pts.push({ x: s[i], y: (i + 1) / s.length });
  if (pts.length && pts[pts.length - 1].y !== 1) pts.push({ x: s[s.length - 1], y: 1 });
  return pts;
}

function latencyCdf(c: Comparison, runs: RunSample[]): ChartConfiguration | null {
  const pooled = c.variants.map((v) =>
    runs
      .filter((r) => r.variant === v.name)
      .flatMap((r) => r.latencies ?? [])
      .filter((x) => x >= 0),
  );
  if (!pooled.some((l) => l.length)) return null;
  return {
    type: 'scatter',
    data: {
      datasets: c.variants.map((v, i) => ({
        label: `${v.name} (${pooled[i].length} plays)`,
        data: cdfPoints(pooled[i]),
        borderColor: color(i),
        backgroundColor: color(i),
        showLine: true,
        pointRadius: 0,
      })),
    },
    options: {
      plugins: { title: title('Playback latency, CDF, plays pooled over repetitions (real ms)') },
      scales: { x: { type: 'linear', title: { display: true, text: 'ms from play request to first audio' } }, y: { min: 0, max: 1, title: { display: true, text: 'share of plays' } } },
    },
  };
}

function p2pOverTime(c: Comparison, runs: RunSample[]): ChartConfiguration | null {
  // bytes added over repetitions per hour, then the share: hours with more traffic weigh more
  const series = c.variants.map((v) => {
    const byHour = new Map<number, { p2p: number; total: number }>();
    for (const r of runs.filter((x) => x.variant === v.name)) {
      for (const h of r.offload ?? []) {
        const e = byHour.get(h.hour) ?? { p2p: 0, total: 0 };
        e.p2p += h.p2p;
        e.total += h.server + h.p2p + h.cache;
        byHour.set(h.hour, e);
      }
    }
    return [...byHour]
      .filter(([, e]) => e.total > 0)
      .sort(([a], [b]) => a - b)
      .map(([hour, e]) => ({ x: hour, y: +((100 * e.p2p) / e.total).toFixed(2) }));
  });
  if (!series.some((s) => s.length)) return null;
  return {
    type: 'scatter',
    data: { datasets: c.variants.map((v, i) => ({ label: v.name, data: series[i], borderColor: color(i), backgroundColor: color(i), showLine: true, pointRadius: 2 })) },
    options: {
      plugins: { title: title('Share of played bytes from peers per workload hour, pooled over repetitions') },
      scales: {
        x: { type: 'linear', title: { display: true, text: 'workload hour (0 = Monday 00:00 UTC)' } },
        y: { min: 0, suggestedMax: 10, title: { display: true, text: '% of played bytes from peers' } },
      },
    },
  };
}

/** file name in plots/ → the chart drawn there (plain data); a chart whose data no run has is left out */
export function comparisonChartConfigs(c: Comparison, runs: RunSample[]): Record<string, ChartConfiguration> {
  const configs: Record<string, ChartConfiguration | null> = {
    'shares.png': intervalBars(
      c,
      [
        { key: 'shares.server', label: 'server' },
        { key: 'shares.p2p', label: 'peers' },
        { key: 'shares.cache', label: 'cache' },
      ],
      100,
      'Share of played bytes by source',
      '% of played bytes',
    ),
    'latency.png': intervalBars(
      c,
      [
        { key: 'latencyMs.p50', label: 'median' },
        { key: 'latencyMs.p90', label: '90th percentile' },
      ],
      1,
      'Playback latency',
      'ms from play request to first audio',
    ),
    'discovery.png': intervalBars(
      c,
      [
        { key: 'discovery.tracker', label: 'tracker' },
        { key: 'discovery.overlay', label: 'overlay' },
      ],
      100,
      'Searches answered with peers',
      '% of searches',
    ),
    'latency-cdf.png': latencyCdf(c, runs),
    'p2p-over-time.png': p2pOverTime(c, runs),
  };
  return Object.fromEntries(Object.entries(configs).filter((e): e is [string, ChartConfiguration] => e[1] !== null));
}
