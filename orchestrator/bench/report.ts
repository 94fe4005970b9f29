// `testbed bench report`: bench-report.md (the newest run against its window, as the gate sees it)
// and one trend plot per measure over the whole history of the newest run's machine kind, the
// runs the gate flagged in red. Plots are drawn like the run reports' (orchestrator/report/charts.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { ChartConfiguration } from 'chart.js';
import { render } from '../report/charts.ts';
import { fmt, type GateOptions, type GateResult, gate, gateEach, median, span } from './gate.ts';
import type { RunRecord } from './measures.ts';

const BLUE = '#1f77b4';
const RED = '#d62728';

export interface TrendPoint {
  commit: string;
  date: string;
  median: number;
  min: number;
  max: number;
  regressed: boolean;
  baseline: boolean;
}

/** one measure's medians over the records of one machine kind, each marked with its own gate verdict */
export function trend(records: readonly RunRecord[], verdicts: readonly GateResult[], name: string): TrendPoint[] {
  const out: TrendPoint[] = [];
  records.forEach((r, i) => {
    const m = r.measures.find((x) => x.name === name);
    if (!m?.samples.length) return;
    out.push({
      commit: r.commit,
      date: r.date,
      median: median(m.samples),
      min: Math.min(...m.samples),
      max: Math.max(...m.samples),
      regressed: verdicts[i].measures.some((v) => v.name === name && (v.verdict === 'regressed' || v.verdict === 'changed')),
      baseline: r.baseline === true,
    });
  });
  return out;
}

export function trendChart(name: string, unit: string, better: string, points: readonly TrendPoint[]): ChartConfiguration {
  const labels = points.map((p) => `${p.date.slice(0, 10)} ${p.commit.slice(0, 7)}`);
  return {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          label: `median (${better} is better; red: regressed, triangle: baseline)`,
          data: points.map((p) => p.median),
          borderColor: BLUE,
          backgroundColor: points.map((p) => (p.regressed ? RED : BLUE)),
          pointBorderColor: points.map((p) => (p.regressed ? RED : BLUE)),
          pointRadius: points.map((p) => (p.regressed ? 6 : 3)),
          pointStyle: points.map((p) => (p.baseline ? 'triangle' : 'circle')),
          tension: 0,
        },
        { label: 'min', data: points.map((p) => p.min), borderColor: '#aaaaaa', backgroundColor: '#aaaaaa', borderDash: [4, 4], pointRadius: 0, tension: 0 },
        { label: 'max', data: points.map((p) => p.max), borderColor: '#aaaaaa', backgroundColor: '#aaaaaa', borderDash: [4, 4], pointRadius: 0, tension: 0 },
      ],
    },
    options: {
      plugins: { title: { display: true, text: name, font: { size: 16 } } },
      scales: { x: { title: { display: true, text: 'run (date, commit)' } }, y: { title: { display: true, text: unit }, beginAtZero: true } },
    },
  };
}

export const plotFile = (name: string) => `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`;

export function reportMarkdown(g: GateResult, plots: readonly string[], badLines: number): string {
  const out = ['# Benchmark report', ''];
  if (badLines) out.push(`${badLines} line${badLines === 1 ? '' : 's'} of the history could not be read and ${badLines === 1 ? 'was' : 'were'} skipped.`, '');
  if (g.message) out.push(g.message, '');
  if (g.newest && !g.message) {
    out.push(
      `Newest run: ${g.newest.commit} (${g.newest.date}) on a ${g.machineKind} machine, against the ${g.window.length} run${g.window.length === 1 ? '' : 's'} before it (${span(g.window)}).`,
      '',
      '| measure | newest median | window median | change | p | verdict |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...g.measures.map(
        (m) =>
          `| ${m.name} | ${fmt.value(m.newMedian, m.unit)} | ${fmt.value(m.oldMedian, m.unit)} | ${fmt.change(m.change)} | ${fmt.p(m.p)} | ${m.verdict === 'regressed' || m.verdict === 'changed' ? `**${m.verdict}**` : m.verdict}${m.note ? ` (${m.note})` : ''} |`,
      ),
      '',
      'p: two-sided Mann-Whitney U test of the newest samples against the pooled samples of the window. ' +
        'regressed: p < alpha and the median moved the bad way by more than the threshold; ~: not significant, or smaller than the threshold; =: an exact figure of the simulation, as in the previous run; changed: one that is not; ?: cannot be decided (see the note). docs/benchmarks.md explains.',
      '',
    );
  }
  if (plots.length) out.push('## Trends', '', ...plots.map((p) => `![${p}](plots/${p})`), '');
  return out.join('\n');
}

/** writes bench-report.md and plots/<measure>.png into dir; returns the gate of the newest run */
export async function writeBenchReport(dir: string, records: readonly RunRecord[], badLines: number, options: Partial<GateOptions> = {}): Promise<{ gate: GateResult; plots: string[] }> {
  const g = gate(records, options);
  const kind = g.machineKind;
  const same = records.filter((r) => r.machine.kind === kind);
  const verdicts = gateEach(same, options);
  const plots: string[] = [];
  fs.mkdirSync(path.join(dir, 'plots'), { recursive: true });
  for (const m of g.newest?.measures ?? []) {
    const points = trend(same, verdicts, m.name);
    const file = plotFile(m.name);
    fs.writeFileSync(path.join(dir, 'plots', file), await render(trendChart(m.name, m.unit, m.better, points)));
    plots.push(file);
  }
  fs.writeFileSync(path.join(dir, 'bench-report.md'), reportMarkdown(g, plots, badLines));
  return { gate: g, plots };
}
