// report.html: written beside report.md for every run folder, loading nothing from anywhere, its
// charts the configurations the PNGs were drawn from (their numbers the summary's), and the text
// of a run escaped however hostile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChartConfiguration } from 'chart.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { escapeHtml, reportHtml } from './html.ts';
import { runCharts } from './render.ts';
import { summarise } from './summarise.ts';
import type { Summary } from './summary.schema.ts';
import { testRunInfo } from './test/run-info.ts';
import { writeReport } from './write.ts';

const H = 3_600_000;
const HOSTILE = '<script>alert(1)</script>';
const info = testRunInfo({ experiment: HOSTILE, runId: 'h7ml', durationMs: 4 * H, notes: ['a note with <img src=x onerror="alert(2)"> in it'] });
// plays at hours 0, 0, 1 and 3 of a 4-hour window: hour 2 is quiet
const reports: Report[] = [
  playReport({ clientId: 'a', seq: 0, t: 60_000, bytes: { server: 600_000, p2p: 300_000, cache: 100_000 }, latencyMs: 40 }),
  playReport({ clientId: 'b', seq: 0, t: 120_000, bytes: { server: 0, p2p: 0, cache: 1_000_000 }, latencyMs: 5 }),
  playReport({ clientId: 'a', seq: 1, t: H + 60_000, bytes: { server: 250_000, p2p: 50_000, cache: 0 }, latencyMs: 90 }),
  playReport({ clientId: 'b', seq: 1, t: 3 * H + 60_000, bytes: { server: 10_000, p2p: 20_000, cache: 30_000 }, latencyMs: 12 }),
];

/** the JSON block of chart configurations a report.html carries, parsed */
const embedded = (html: string): Record<string, ChartConfiguration> => {
  const m = html.match(/<script type="application\/json" id="chart-configs">([^<]*)<\/script>/);
  expect(m, 'report.html has no chart-configs block').not.toBeNull();
  return JSON.parse(m![1]);
};

describe('report.html of a run folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-html-'));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(info));
  fs.mkdirSync(path.join(dir, 'raw', 'stockholm'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'raw', 'stockholm', 'reports.jsonl'), reports.map((r) => JSON.stringify(r)).join('\n') + '\n');
  let html = '';
  let summary: Summary;
  beforeAll(async () => {
    await writeReport(dir);
    html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is written beside report.md, with every section of it and a canvas where report.md has a plot', () => {
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    const sections = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections.length).toBeGreaterThan(4);
    for (const s of sections) expect(html).toContain(`<h2>${s}</h2>`);
    const plots = [...md.matchAll(/!\[[^\]]*\]\(plots\/[^)]+\.png\)/g)].length;
    expect(plots).toBe(4);
    expect([...html.matchAll(/<canvas id="chart-\d+"/g)].length).toBe(plots);
    expect(html).not.toMatch(/<img[^>]*plots\//);
  });

  it('loads nothing: no script, link or image from a URL, and a policy that forbids it', () => {
    expect(html).toContain('new Chart(');
    expect(html.length).toBeGreaterThan(150_000); // Chart.js itself is inline
    expect(html).not.toMatch(/<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<script\b[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain(`content="default-src 'none';`);
  });

  it("embeds the charts the PNGs were drawn from, their numbers the summary's", () => {
    const configs = Object.values(embedded(html));
    const analysis = summarise({ info, reports, generated: new Map(), badLines: 0 });
    // plain data: nothing in them is lost on the way to JSON (a function would be)
    expect(JSON.parse(JSON.stringify(runCharts(analysis)))).toEqual(runCharts(analysis));
    // in the order report.md shows them, which is not runCharts' order
    const byTitle = (cs: ChartConfiguration[]) => Object.fromEntries(cs.map((c) => [c.options?.plugins?.title?.text, c]));
    expect(byTitle(configs)).toEqual(byTitle(JSON.parse(JSON.stringify(Object.values(runCharts(analysis))))));
    expect(configs.length).toBe(4);
    const offload = configs.find((c) => c.data.datasets.some((d) => d.label === 'p2p'))!;
    expect(offload.data.labels).toEqual(Array.from({ length: summary.durationHours ?? 0 }, (_, h) => String(h)));
    for (const k of ['server', 'p2p', 'cache'] as const) {
      const mb = offload.data.datasets.find((d) => d.label === k)!.data as number[];
      expect(mb[2]).toBe(0);
      expect(Math.round(mb.reduce((x, y) => x + y, 0) * 1e6)).toBe(summary.bytes[k]);
    }
    const cdf = configs.find((c) => c.type === 'scatter')!.data.datasets[0].data as { x: number; y: number }[];
    expect(cdf.length).toBe(summary.plays);
    expect(cdf.find((p) => p.y >= 0.5)!.x).toBe(summary.latencyMs.p50);
    expect(cdf.find((p) => p.y >= 0.9)!.x).toBe(summary.latencyMs.p90);
  });

  it("escapes a run's hostile text: the experiment's name and a note", () => {
    expect(summary.experiment).toBe(HOSTILE);
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(`<title>${escapeHtml(`${HOSTILE}: run h7ml`)}</title>`);
    // Chart.js, the configurations and the script that draws them: nothing else
    expect([...html.matchAll(/<script\b/gi)].length).toBe(3);
  });
});

describe('reportHtml', () => {
  const chart = (text: string): ChartConfiguration => ({
    type: 'bar',
    data: { labels: [text], datasets: [{ label: 'x', data: [1] }] },
    options: { plugins: { title: { display: true, text } } },
  });

  it('keeps a chart whose text would close its script element inside it, and gives it back intact', () => {
    const evil = '</script><script>alert(3)</script><!--';
    const html = reportHtml('# t\n\n![c](plots/c.png)\n', { title: evil, charts: { 'plots/c.png': chart(evil) } });
    expect([...html.matchAll(/<script\b/gi)].length).toBe(3);
    expect(html).not.toContain('alert(3)</script>');
    expect(embedded(html)).toEqual({ 'chart-1': chart(evil) });
  });

  it('shows other images inline and leaves raw HTML of the Markdown as text', () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const html = reportHtml('![topology](topology.png)\n\n<b onclick="x()">bold</b>\n', { title: 't', charts: {} });
    expect(html).toContain('&lt;b onclick=&quot;x()&quot;&gt;bold&lt;/b&gt;');
    const inline = reportHtml('![topology](topology.png)\n', { title: 't', charts: {}, images: { 'topology.png': png } });
    expect(inline).toContain(`<img src="data:image/png;base64,${png.toString('base64')}" alt="topology">`);
  });
});
