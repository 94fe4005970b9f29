// `testbed serve` in a real browser: Debian's Chromium, headless, driven by puppeteer-core (which
// never downloads a browser; bin/setup.js installs the `chromium` package). The index's shares are
// summary.json's, clicking a header reorders the rows, typing in the filter hides rows, every
// chart of a run's page is a live Chart.js chart holding the run's numbers, a comparison's and a
// scaling experiment's charts answer the mouse (tooltips, legend toggles; the comparison's interval
// whiskers drawn), the topology page of the paper's seven countries fits a 1366×768 screen, and a
// running run's live page follows its live.json as the run rewrites it. Waits are on events
// and selectors only. A failing test leaves a screenshot in a temporary folder and prints its path.
// Without Chromium the test fails, it does not skip: CI must have it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveState } from '../progress/live.ts';
import { buildServer } from './server.ts';
import { makeResults, type TestResults } from './test/results.ts';

const CHROMIUM = '/usr/bin/chromium';

let results: TestResults;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing (${CHROMIUM}): the browser test needs Debian's chromium package; bin/setup.js installs it (npm test does, as root), or apt-get install -y chromium`);
  }
  results = await makeResults();
  app = await buildServer(results.root, { label: 'results' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  // --no-sandbox: the tests run as root, where Chromium's own sandbox cannot start
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  await page.setViewport({ width: 1400, height: 900 });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  results?.remove();
});

/** runs a test's steps; on failure saves a screenshot of the page and prints where */
async function shot(name: string, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (err) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-serve-browser-'));
    const file = path.join(dir, `${name}.png`);
    await page.screenshot({ path: file as `${string}.png`, fullPage: true }).then(
      () => process.stderr.write(`browser test "${name}" failed at ${page.url()}; screenshot: ${file}\n`),
      (e) => process.stderr.write(`browser test "${name}" failed; no screenshot (${e})\n`),
    );
    throw err;
  }
}

/** what these tests use of a Chart.js chart in the page */
type ChartLike = {
  config: { type: string; options: { plugins?: { title?: { text?: string } } } };
  data: { datasets: { label?: string; data: unknown[]; whiskers?: unknown }[] };
  getDatasetMeta(i: number): { data: { x: number; y: number }[] };
  isDatasetVisible(i: number): boolean;
  scales: Record<string, { getPixelForValue(v: number): number }>;
  currentDevicePixelRatio: number;
  tooltip: { getActiveElements(): unknown[]; opacity: number; dataPoints?: { formattedValue: string }[] };
  legend: { legendHitBoxes: { left: number; top: number; width: number; height: number }[] };
};

/** every canvas of the page once its Chart.js chart is drawn and its animation over: title, type and datasets */
async function settledCharts(): Promise<{ title: string; type: string; datasets: { label?: string; data: unknown[] }[] }[]> {
  await page.waitForFunction(() => {
    const w = window as unknown as { Chart?: { getChart(c: Element): unknown; animator: { running(c: unknown): boolean } } };
    const canvases = [...document.querySelectorAll('canvas')];
    return w.Chart !== undefined && canvases.length > 0 && canvases.every((c) => w.Chart!.getChart(c) !== undefined && !w.Chart!.animator.running(w.Chart!.getChart(c)));
  });
  return page.$$eval('canvas', (canvases) =>
    canvases.map((c) => {
      const chart = (window as unknown as { Chart: { getChart(c: Element): ChartLike } }).Chart.getChart(c);
      return { title: chart.config.options.plugins?.title?.text ?? '', type: chart.config.type, datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) };
    }),
  );
}

/**
 * The mouse over the first point (the middle of the first bar) of chart `i`'s first dataset shows a
 * tooltip with its value; a click on its first legend entry hides that dataset, a second shows it
 * again. Chart.js handles mouse events on its next animation frame: each step waits for the chart.
 */
async function expectInteractive(i: number): Promise<void> {
  const canvas = (await page.$$('canvas'))[i];
  await canvas.scrollIntoView();
  const where = await canvas.evaluate((c) => {
    const chart = (window as unknown as { Chart: { getChart(c: Element): ChartLike } }).Chart.getChart(c)!;
    const b = c.getBoundingClientRect();
    const p = chart.getDatasetMeta(0).data[0] as { x: number; y: number; base?: number };
    const l = chart.legend.legendHitBoxes[0];
    return { point: { x: b.left + p.x, y: b.top + (p.base === undefined ? p.y : (p.y + p.base) / 2) }, legend: { x: b.left + l.left + l.width / 2, y: b.top + l.top + l.height / 2 } };
  });
  const waitFor = (want: 'tooltip' | 'hidden' | 'shown', what: string) =>
    page
      .waitForFunction(
        (c, w) => {
          const chart = (window as unknown as { Chart: { getChart(c: Element): ChartLike } }).Chart.getChart(c)!;
          return w === 'tooltip' ? chart.tooltip.getActiveElements().length > 0 && chart.tooltip.opacity > 0 : chart.isDatasetVisible(0) === (w === 'shown');
        },
        { timeout: 5000 },
        canvas,
        want,
      )
      .catch((err: Error) => {
        throw new Error(`chart ${i}: ${what}: ${err.message}`);
      });
  await page.mouse.move(where.point.x, where.point.y);
  await waitFor('tooltip', 'a tooltip under the mouse');
  const value = await canvas.evaluate((c) => (window as unknown as { Chart: { getChart(c: Element): ChartLike } }).Chart.getChart(c)!.tooltip.dataPoints?.[0]?.formattedValue);
  expect(value, `chart ${i}: the tooltip's value`).toBeTruthy();
  await page.mouse.move(where.legend.x, where.legend.y);
  await page.mouse.click(where.legend.x, where.legend.y);
  await waitFor('hidden', 'its first dataset hidden by a click on the legend');
  await page.mouse.click(where.legend.x, where.legend.y);
  await waitFor('shown', 'and shown again by a second');
  await page.mouse.move(0, 0);
}

/** the folders of the index's rows as shown, hidden rows left out */
const visibleRows = () => page.$$eval('#results tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.getAttribute('data-path')));

describe('testbed serve in Chromium', () => {
  it("shows the run's shares as summary.json has them", () =>
    shot('index-shares', async () => {
      await page.goto(`${base}/`, { waitUntil: 'load' });
      await page.waitForSelector('tr[data-path="r1"]');
      const cells = await page.$$eval('tr[data-path="r1"] td', (tds) => tds.map((td) => ({ text: td.textContent, value: td.getAttribute('data-value') })));
      const summary = JSON.parse(fs.readFileSync(path.join(results.root, 'r1', 'summary.json'), 'utf8'));
      const shares = [summary.shares.server, summary.shares.p2p, summary.shares.cache];
      expect(cells.slice(-3).map((c) => Number(c.value))).toEqual(shares);
      expect(cells.slice(-3).map((c) => c.text)).toEqual(shares.map((x: number) => `${(100 * x).toFixed(1)} %`));
      expect(pageErrors).toEqual([]);
    }));

  it('sorts by the column whose header is clicked, and the other way on a second click', () =>
    shot('index-sort', async () => {
      const before = await visibleRows();
      expect(before).toEqual(['broken', 'cmp', 'compare-abc', 'r1', 'r2', 'scal', 'scaling', 'scaling/peers-10', 'scaling/peers-30']);
      const server = (await page.$$('#results thead th'))[8];
      expect(await server.evaluate((th) => th.textContent)).toBe('server');
      await server.click();
      await page.waitForSelector('#results thead th[aria-sort="ascending"]');
      // r2 (mostly cache) first, r1 (mostly server) last of those with shares; folders without shares after them
      expect((await visibleRows()).slice(0, 4)).toEqual(['r2', 'scaling/peers-30', 'scaling/peers-10', 'r1']);
      const values = () => page.$$eval('#results tbody tr td:nth-child(9)', (tds) => tds.map((td) => td.getAttribute('data-value')).filter((v) => v !== ''));
      const up = (await values()).map(Number);
      expect(up).toEqual([...up].sort((a, b) => a - b));
      await server.click();
      await page.waitForSelector('#results thead th[aria-sort="descending"]');
      expect((await visibleRows()).slice(0, 4)).toEqual(['r1', 'scaling/peers-10', 'scaling/peers-30', 'r2']);
      expect((await values()).map(Number)).toEqual([...up].reverse());
    }));

  it('hides the rows that do not hold what is typed in the filter', () =>
    shot('index-filter', async () => {
      await page.type('#filter', 'compare-disc');
      await page.waitForFunction(() => document.getElementById('shown')?.textContent === '2');
      expect(await visibleRows()).toEqual(['cmp', 'compare-abc']);
      await page.$eval('#filter', (el) => {
        (el as HTMLInputElement).value = '';
      });
      await page.type('#filter', 'r');
      await page.type('#filter', '2');
      await page.waitForFunction(() => document.getElementById('shown')?.textContent === '1');
      expect(await visibleRows()).toEqual(['r2']);
    }));

  it("draws every chart of the run's page with the run's numbers", () =>
    shot('run-charts', async () => {
      await page.goto(`${base}/`, { waitUntil: 'load' });
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('tr[data-path="r1"] a')]);
      expect(new URL(page.url()).pathname).toBe('/runs/r1/');
      // every canvas has its Chart.js instance and something drawn (a pixel that is not transparent)
      await page.waitForFunction(() => {
        const canvases = [...document.querySelectorAll('canvas')];
        const C = (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): unknown } }).Chart;
        const painted = (c: HTMLCanvasElement) =>
          c.width > 0 &&
          c
            .getContext('2d')!
            .getImageData(0, 0, c.width, c.height)
            .data.some((v, i) => i % 4 === 3 && v !== 0);
        return canvases.length > 0 && C !== undefined && canvases.every((c) => C.getChart(c) !== undefined && painted(c));
      });
      const charts = await page.$$eval('canvas', (canvases) =>
        canvases.map((c) => {
          const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { config: { type: string }; data: { datasets: { label?: string; data: unknown[] }[] } } } }).Chart.getChart(c);
          return { type: chart.config.type, datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) };
        }),
      );
      const summary = JSON.parse(fs.readFileSync(path.join(results.root, 'r1', 'summary.json'), 'utf8'));
      const md = fs.readFileSync(path.join(results.root, 'r1', 'report.md'), 'utf8');
      expect(charts.length).toBe([...md.matchAll(/!\[[^\]]*\]\(plots\/[^)]+\.png\)/g)].length);
      // the offload chart: MB per hour by source, summing to summary.json's bytes
      const offload = charts.find((c) => c.datasets.some((d) => d.label === 'p2p'));
      expect(offload).toBeDefined();
      for (const k of ['server', 'p2p', 'cache']) {
        const mb = offload!.datasets.find((d) => d.label === k)!.data as number[];
        expect(Math.round(mb.reduce((x, y) => x + y, 0) * 1e6)).toBe(summary.bytes[k]);
      }
      // the latency CDF: one point per play, its median summary.json's p50
      const cdf = charts.find((c) => c.type === 'scatter')!.datasets[0].data as { x: number; y: number }[];
      expect(cdf.length).toBe(summary.plays);
      expect(cdf.find((p) => p.y >= 0.5)!.x).toBe(summary.latencyMs.p50);
      expect(pageErrors).toEqual([]);
    }));

  it("draws a comparison's charts from comparison.html's configurations, answering the mouse: tooltips, legend toggles, interval whiskers", () =>
    shot('comparison-charts', async () => {
      await page.goto(`${base}/runs/cmp/`, { waitUntil: 'load' });
      const charts = await settledCharts();
      const files = fs.readdirSync(path.join(results.root, 'cmp', 'plots'));
      expect(charts.length).toBe(files.length);
      const shares = charts.findIndex((c) => c.title.startsWith('Share of played bytes by source'));
      expect(shares).toBeGreaterThanOrEqual(0);
      // the mean bars of the two variants, and the whisker over the base's peer share drawn in the page
      const whisker = await page.evaluate((i) => {
        const c = document.querySelectorAll('canvas')[i];
        const chart = (window as unknown as { Chart: { getChart(c: Element): ChartLike } }).Chart.getChart(c)!;
        const ds = chart.data.datasets[0] as { whiskers: [number, number][] };
        const bar = chart.getDatasetMeta(0).data[1];
        const top = chart.scales.y.getPixelForValue(ds.whiskers[1][1]);
        const r = chart.currentDevicePixelRatio;
        const px = c.getContext('2d')!.getImageData(Math.round((bar.x + 4) * r), Math.round(top * r), 1, 1).data;
        return { interval: ds.whiskers[1], rgb: [px[0], px[1], px[2]] };
      }, shares);
      expect(whisker.interval[0]).toBeLessThan(whisker.interval[1]);
      expect(Math.max(...whisker.rgb)).toBeLessThan(120);
      await expectInteractive(shares);
      expect(pageErrors).toEqual([]);
    }));

  it("draws a scaling experiment's charts from its scaling.json, answering the mouse", () =>
    shot('scaling-charts', async () => {
      await page.goto(`${base}/runs/scaling/`, { waitUntil: 'load' });
      const charts = await settledCharts();
      const json = JSON.parse(fs.readFileSync(path.join(results.root, 'scaling', 'scaling.json'), 'utf8'));
      const shares = charts.find((c) => c.title.startsWith('Played bytes by source'))!;
      expect(shares.datasets.find((d) => d.label === 'peers')!.data).toEqual(
        json.rows.map((r: { online: { mean: number }; shares: { p2p: number } }) => ({ x: r.online.mean, y: +(100 * r.shares.p2p).toFixed(2) })),
      );
      for (const i of charts.keys()) await expectInteractive(i);
      expect(pageErrors).toEqual([]);
    }));

  it("draws the topology of the paper's seven countries to fit a 1366×768 screen, the countries side by side; a click shows a country in full", () =>
    shot('topology', async () => {
      await page.setViewport({ width: 1366, height: 768 });
      try {
        await page.goto(`${base}/runs/r1/`, { waitUntil: 'load' });
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[href="/runs/r1/topology"]')]);
        expect(new URL(page.url()).pathname).toBe('/runs/r1/topology');
        const boxes = await page.$$eval('#topology a.country rect.box, #topology g.dc rect.box', (rects) =>
          rects.map((r) => {
            const b = r.getBoundingClientRect();
            return { country: r.closest('a')?.getAttribute('data-country') ?? r.closest('g')?.getAttribute('data-dc'), left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width };
          }),
        );
        expect(boxes.map((b) => b.country).sort()).toEqual(['ES', 'FI', 'FR', 'GB', 'NL', 'NO', 'SE', 'london', 'stockholm']);
        for (const b of boxes) {
          expect(b.left, String(b.country)).toBeGreaterThanOrEqual(0);
          expect(b.right, String(b.country)).toBeLessThanOrEqual(1366);
          expect(b.bottom, String(b.country)).toBeLessThanOrEqual(768);
          expect(b.width, String(b.country)).toBeGreaterThan(100);
        }
        // side by side: the seven countries in one row, none over another
        const countries = boxes.filter((b) => /^[A-Z]{2}$/.test(String(b.country))).sort((a, b) => a.left - b.left);
        expect(new Set(countries.map((b) => Math.round(b.top))).size).toBe(1);
        for (let i = 1; i < countries.length; i++) expect(countries[i].left).toBeGreaterThanOrEqual(countries[i - 1].right);
        // nothing of the page's width is hidden: no horizontal scrolling
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
        expect(await page.$eval('#country-NO', (s) => getComputedStyle(s).display)).toBe('none');
        await page.click('#topology a[data-country="NO"] rect.box');
        await page.waitForFunction(() => getComputedStyle(document.getElementById('country-NO')!).display !== 'none');
        expect(await page.$eval('#country-NO h2', (h) => h.textContent)).toBe('NO: Norway, 30 peers');
        expect(await page.$eval('#topology a[data-country="NO"] > title', (t) => t.textContent)).toMatch(/^NO \(Norway\): 30 peers; no NAT \d+;/);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.setViewport({ width: 1400, height: 900 });
      }
    }));

  it("follows a running run's live.json: its numbers and chart change as the run rewrites it, and it says when the run is over", () =>
    shot('live-page', async () => {
      const dir = path.join(results.root, 'live-run');
      const H = 3_600_000;
      const write = (o: Partial<LiveState>) => {
        const s: LiveState = {
          state: 'running',
          runId: 'live01',
          experiment: 'quick',
          runtime: 'local',
          durationMs: 4 * H,
          repetitions: 1,
          startedAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          warnings: [],
          repetition: 1,
          workloadMs: H / 2,
          preRoll: false,
          plays: 12,
          bytes: { server: 600, p2p: 300, cache: 100 },
          shares: { server: 0.6, p2p: 0.3, cache: 0.1 },
          hourly: [{ hour: 0, bytes: 1000, shares: { server: 0.6, p2p: 0.3, cache: 0.1 } }],
          peersOnline: 5,
          search: { searches: 4, overlayFound: 3, trackerAsked: 4, trackerFound: 2 },
          reportsLost: 0,
          playsNeverStarted: 0,
          ...o,
        };
        // as the run writes it: whole, renamed over the old file
        fs.writeFileSync(path.join(dir, 'live.json.tmp'), JSON.stringify(s));
        fs.renameSync(path.join(dir, 'live.json.tmp'), path.join(dir, 'live.json'));
      };
      fs.mkdirSync(dir);
      try {
        write({});
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('tr[data-path="live-run"] a.live')]);
        expect(new URL(page.url()).pathname).toBe('/runs/live-run/live');
        const text = (id: string) => page.$eval(`#${id}`, (el) => el.textContent);
        await page.waitForFunction(() => document.getElementById('plays')?.textContent === '12');
        expect(await text('state')).toBe('running');
        expect(await text('workload')).toBe('day 0 00:30 of day 0 04:00');
        expect(await text('overlay')).toBe('75.0 % of 4');
        /** the hourly chart's datasets, as Chart.js holds them */
        const chart = () =>
          page.$eval('#hourly', (c) => {
            const ch = (window as unknown as { Chart: { getChart(c: Element): { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } } } }).Chart.getChart(c);
            return { labels: ch.data.labels, data: Object.fromEntries(ch.data.datasets.map((d) => [d.label, d.data])) };
          });
        expect(await chart()).toEqual({ labels: ['0'], data: { server: [60], p2p: [30], cache: [10] } });

        write({
          plays: 42,
          workloadMs: 2 * H + 15 * 60_000,
          peersOnline: 9,
          playsNeverStarted: 1,
          hourly: [
            { hour: 0, bytes: 1000, shares: { server: 0.6, p2p: 0.3, cache: 0.1 } },
            { hour: 2, bytes: 2000, shares: { server: 0.25, p2p: 0.5, cache: 0.25 } },
          ],
          warnings: [{ at: new Date().toISOString(), text: '1 plays never started so far: they ended before any audio was playable' }],
        });
        await page.waitForFunction(() => document.getElementById('plays')?.textContent === '42');
        expect(await text('online')).toBe('9');
        expect(await text('workload')).toBe('day 0 02:15 of day 0 04:00');
        expect(await page.$$eval('#warnings li', (lis) => lis.map((li) => li.textContent))).toEqual([expect.stringMatching(/: 1 plays never started so far/)]);
        // the hour without a play is a gap, not a zero
        expect(await chart()).toEqual({ labels: ['0', '1', '2'], data: { server: [60, null, 25], p2p: [30, null, 50], cache: [10, null, 25] } });
        expect(await page.$eval('#report', (el) => (el as HTMLElement).hidden)).toBe(true);

        write({ state: 'finished', plays: 50, workloadMs: 4 * H });
        await page.waitForFunction(() => document.getElementById('state')?.textContent === 'finished');
        expect(await text('plays')).toBe('50');
        expect(await page.$eval('#report', (el) => (el as HTMLElement).hidden)).toBe(false);
        expect(await page.$eval('#report a', (a) => a.getAttribute('href'))).toBe('/runs/live-run/');
        expect(pageErrors).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }));
});
