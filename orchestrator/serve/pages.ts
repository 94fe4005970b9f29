// The pages `testbed serve` makes itself: the index of results folders (a table sorted by
// clicking a column's header and filtered by a text box, with a few lines of inline script), and
// a folder's Markdown (a comparison's without comparison.html, a cross-check's, a scaling
// experiment's, or a run's report.md when report.html is missing) rendered by report/html.ts, its
// charts drawn interactively where the server has their configurations and its other PNGs inline;
// each folder's page gets a line of links on top (withNav); a run in progress gets a link to its
// live page (live-page.ts). Every value from a results folder goes through escapeHtml; Markdown is
// rendered with raw HTML off.
import type { ChartConfiguration } from 'chart.js';
import { escapeHtml, reportHtml } from '../report/html.ts';
import { el, toHtml } from './elements.ts';
import type { Entry } from './scan.ts';

/** the URL of a results folder's page */
const folderUrl = (rel: string) => `/runs/${rel.split('/').map(encodeURIComponent).join('/')}/`;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** a cell; `value` is what it sorts by when that is not its text */
const td = (text: string, value?: string | number, cls?: string) =>
  `<td${value === undefined ? '' : ` data-value="${escapeHtml(String(value))}"`}${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;

function validity(e: Entry): { text: string; cls: string } {
  if (e.errors.length) return { text: `error: ${e.errors.join('; ')}`, cls: 'broken' };
  const notes = e.notes.length ? `: ${e.notes.join('; ')}` : '';
  if (e.valid === true) return { text: `valid${notes}`, cls: 'valid' };
  if (e.valid === false) return { text: `not valid${notes}`, cls: 'invalid' };
  return { text: e.notes.join('; ') || '–', cls: '' };
}

const COLUMNS: [label: string, type: 'text' | 'number'][] = [
  ['folder', 'text'],
  ['kind', 'text'],
  ['run id', 'text'],
  ['experiment', 'text'],
  ['runtime', 'text'],
  ['variant', 'text'],
  ['date', 'text'],
  ['validity', 'text'],
  ['server', 'number'],
  ['peers', 'number'],
  ['cache', 'number'],
];

function row(e: Entry): string {
  const v = validity(e);
  const share = (k: 'server' | 'p2p' | 'cache') => (e.shares ? td(pct(e.shares[k]), e.shares[k], 'num') : td('', '', 'num'));
  return [
    `<tr data-path="${escapeHtml(e.path)}" data-kind="${e.kind}"${e.errors.length ? ' class="broken"' : ''}>`,
    `<td><a href="${escapeHtml(folderUrl(e.path))}">${escapeHtml(e.path)}</a>${e.live ? ` <a class="live" href="${escapeHtml(`${folderUrl(e.path)}live`)}">live</a>` : ''}</td>`,
    td(e.kind),
    td(e.runId ?? ''),
    td(e.experiment ?? ''),
    td(e.runtime ?? ''),
    td(e.variant ?? ''),
    td(e.date ? e.date.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : '', e.date ?? ''),
    td(v.text, undefined, v.cls),
    share('server'),
    share('p2p'),
    share('cache'),
    '</tr>',
  ].join('');
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em auto;padding:0 1em;max-width:1400px;color:#222}
table{border-collapse:collapse;font-size:.9em;width:100%}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td.num{text-align:right;white-space:nowrap}a.live{font-size:.8em;padding:0 .4em;border-radius:.3em;background:#c00;color:#fff;text-decoration:none}td.invalid,tr.broken td.broken{color:#a00}td.valid{color:#070}input{font-size:1em;padding:.2em .4em;margin:0 0 1em;width:20em}`;

// sorts by a cell's data-value when it has one (numbers, ISO dates), else its text; empty cells
// last in either direction. The filter hides rows whose text does not contain what was typed.
const SCRIPT = `const table = document.getElementById('results');
const body = table.tBodies[0];
const heads = [...table.tHead.rows[0].cells];
const shown = document.getElementById('shown');
const filter = document.getElementById('filter');
filter.addEventListener('input', () => {
  const q = filter.value.trim().toLowerCase();
  for (const r of body.rows) r.hidden = q !== '' && !r.textContent.toLowerCase().includes(q);
  shown.textContent = String([...body.rows].filter((r) => !r.hidden).length);
});
heads.forEach((th, i) => th.addEventListener('click', () => {
  const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
  for (const h of heads) h.removeAttribute('aria-sort');
  th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
  const key = (r) => r.cells[i].dataset.value ?? r.cells[i].textContent;
  const numeric = th.dataset.type === 'number';
  const rows = [...body.rows].sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === '' || y === '') return (x === '') - (y === '');
    return dir * (numeric ? Number(x) - Number(y) : x.localeCompare(y));
  });
  body.append(...rows);
}));`;

/** the index: one row per results folder */
export function indexPage(entries: Entry[], resultsLabel: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>results: ${escapeHtml(resultsLabel)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Results in ${escapeHtml(resultsLabel)}</h1>
<p><span id="shown">${entries.length}</span> of ${entries.length} folders (runs, comparisons, cross-checks, scaling experiments). Click a column's header to sort by it. Shares are of the bytes played. A run in progress has a <em>live</em> link: its figures as they come.</p>
<input id="filter" type="search" placeholder="filter rows" aria-label="filter rows">
<table id="results">
<thead><tr>${COLUMNS.map(([l, t]) => `<th data-type="${t}">${escapeHtml(l)}</th>`).join('')}</tr></thead>
<tbody>
${entries.map(row).join('\n')}
</tbody>
</table>
<script>
${SCRIPT}
</script>
</body>
</html>
`;
}

/** a page of the folder's own, besides its report: its topology */
export interface PageLink {
  href: string;
  text: string;
}

/**
 * A page from a results folder (report.html, comparison.html, or one made from Markdown) with a
 * line on top: a link back to the index, the folder, and `links`. Pages that have no `<body>`
 * line as report/html.ts writes it are left as they are.
 */
export function withNav(page: string, rel: string, links: PageLink[] = []): string {
  const nav = toHtml(
    el(
      'p',
      { class: 'nav' },
      el('a', { href: '/' }, 'all results'),
      ' · ',
      rel,
      links.map((l) => [' · ', el('a', { href: l.href }, l.text)]),
    ),
  );
  return page.replace('<body>\n', () => `<body>\n${nav}\n`);
}

/**
 * A folder's Markdown as a page of its own (report/html.ts), a link back to the index on top:
 * `charts` maps an image path of the Markdown to the chart drawn there interactively, `images`
 * other image paths to PNG bytes, shown inline.
 */
export function markdownPage(markdown: string, o: { title: string; rel: string; images: Record<string, Buffer>; charts?: Record<string, ChartConfiguration>; links?: PageLink[] }): string {
  return withNav(reportHtml(markdown, { title: o.title, charts: o.charts ?? {}, images: o.images }), o.rel, o.links);
}
