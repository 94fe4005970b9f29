// report.html: report.md for a browser, with its charts drawn interactively by Chart.js; the same
// page for comparison.html (compare/write.ts) and a scaling experiment's page in `testbed serve`.
//
// Self-contained on purpose: a results folder is copied, archived and mailed around, and opened
// from disk (file://) where there is no server and perhaps no network. So the page carries
// everything it needs inline: Chart.js's UMD build, each chart's configuration as JSON (the very
// object write.ts draws to plots/*.png, charts.ts), the one plugin those charts use (whiskers.ts)
// from its source text, and the other images as data: URLs. Its
// Content-Security-Policy lets it load nothing from anywhere. The Markdown is rendered by
// markdown-it with raw HTML off, so text from a run (an experiment's name, a note) comes out
// escaped; the few strings this module puts into HTML itself go through `escapeHtml`.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ChartConfiguration } from 'chart.js';
import MarkdownIt from 'markdown-it';
import { drawWhiskers } from './whiskers.ts';

const CHART_JS = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** script text that may stand inside <script>: "</script" in it (in a string or a comment) made harmless */
const inlineScript = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1');

/** Chart.js's UMD build, to stand inside <script>: the library's own text may not hold "</script" (it does not today); made harmless if it ever does */
export const chartJsInline = () => inlineScript(fs.readFileSync(CHART_JS, 'utf8'));

/** JSON that may stand inside <script>: nothing in it can close the element or start a comment */
const scriptJson = (x: unknown) =>
  JSON.stringify(x)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

type Page = {
  charts: Record<string, ChartConfiguration>;
  images: Record<string, Buffer>;
  /** canvas id → the chart drawn in it, in the order the page shows them */
  drawn: [string, ChartConfiguration][];
};

// html: false (the default) escapes any HTML in the Markdown instead of passing it through
const md = new MarkdownIt({ html: false, linkify: false });
const defaultImage = md.renderer.rules.image!;
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const page = env as Page;
  const src = tokens[idx].attrGet('src') ?? '';
  const alt = escapeHtml(self.renderInlineAsText(tokens[idx].children ?? [], options, env));
  const chart = page.charts[src];
  if (chart) {
    const id = `chart-${page.drawn.length + 1}`;
    page.drawn.push([id, chart]);
    return `<span class="chart"><canvas id="${id}" role="img" aria-label="${alt}"></canvas></span>`;
  }
  const image = page.images[src];
  if (image) return `<img src="data:image/png;base64,${image.toString('base64')}" alt="${alt}">`;
  return defaultImage(tokens, idx, options, env, self);
};

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}blockquote{color:#555;border-left:4px solid #ddd;margin:1em 0;padding:0 1em}
.chart{display:block;position:relative;width:100%;max-width:900px;margin:1em 0}img{max-width:100%}code{background:#f4f4f4;padding:0 .2em}`;

/**
 * report.md as one HTML file: `charts` maps an image path of the Markdown (`plots/offload.png`)
 * to the configuration its PNG was drawn from, which the page draws on a canvas in its place;
 * `images` maps other image paths to PNG bytes, shown inline.
 */
export function reportHtml(markdown: string, o: { title: string; charts: Record<string, ChartConfiguration>; images?: Record<string, Buffer> }): string {
  const page: Page = { charts: o.charts, images: o.images ?? {}, drawn: [] };
  const body = md.render(markdown, page);
  const chartJs = chartJsInline();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${chartJs}</script>
<script type="application/json" id="chart-configs">${scriptJson(Object.fromEntries(page.drawn))}</script>
<script>
Chart.register({ id: 'whiskers', afterDatasetsDraw: ${inlineScript(drawWhiskers.toString())} });
for (const [id, config] of Object.entries(JSON.parse(document.getElementById('chart-configs').textContent))) new Chart(document.getElementById(id), config);
</script>
</body>
</html>
`;
}
