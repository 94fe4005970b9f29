// README.md's picture of `testbed serve` (docs/img/serve.png), made again:
//   node --import tsx bench/screenshot.ts [out.png]
// A small simulated run (experiments/quick.yaml on the simulated runtime, no time scale, seconds)
// into a temporary results folder through the real `testbed` command; then `testbed serve`'s server over that folder, and
// Debian's Chromium, headless, driven by puppeteer-core as serve/browser.int.test.ts drives it:
// the run's page at 1280×920 (its heading and its first chart), the mouse over the chart so that a
// tooltip shows. Nothing
// is downloaded; the temporary folder is removed at the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import puppeteer from 'puppeteer-core';
import { buildServer } from '../orchestrator/serve/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '..');
const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'img', 'serve.png'));
const RUN_ID = 'quick1';

if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing (${CHROMIUM}): apt-get install -y chromium (bin/setup.js installs it for npm test)`);

const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-screenshot-'));
const testbed = (...args: string[]) => execa(process.execPath, [path.join(ROOT, 'bin', 'testbed.js'), ...args, '--results', results], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' });
try {
  await testbed('run', 'experiments/quick.yaml', '--runtime', 'sim', '--time-scale', '1', '--run-id', RUN_ID);

  const app = await buildServer(results, { label: 'results' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  // --no-sandbox: Chromium's own sandbox cannot start as root
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 920, deviceScaleFactor: 1 });
    await page.goto(`${base}/runs/${RUN_ID}/`, { waitUntil: 'load' });
    // every chart drawn and still
    await page.waitForFunction(() => {
      const w = window as unknown as { Chart?: { getChart(c: Element): unknown; animator: { running(c: unknown): boolean } } };
      const canvases = [...document.querySelectorAll('canvas')];
      return w.Chart !== undefined && canvases.length > 0 && canvases.every((c) => w.Chart!.getChart(c) !== undefined && !w.Chart!.animator.running(w.Chart!.getChart(c)));
    });
    // the mouse on the middle hour of the offload chart, the page's first
    const at = await page.$eval('canvas', (c) => {
      const chart = (window as unknown as { Chart: { getChart(c: Element): { getDatasetMeta(i: number): { data: { x: number; y: number }[] } } } }).Chart.getChart(c);
      const points = chart.getDatasetMeta(1).data;
      const p = points[Math.floor(points.length / 2)];
      const b = c.getBoundingClientRect();
      return { x: b.left + p.x, y: b.top + p.y };
    });
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction(() => {
      const chart = (window as unknown as { Chart: { getChart(c: Element): { tooltip: { opacity: number } } } }).Chart.getChart(document.querySelector('canvas')!);
      return chart.tooltip.opacity === 1;
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out as `${string}.png` });
    process.stderr.write(`wrote ${out} (${Math.round(fs.statSync(out).size / 1024)} KB)\n`);
  } finally {
    await browser.close();
    await app.close();
  }
} finally {
  fs.rmSync(results, { recursive: true, force: true });
}
