// The nodes of one country of a run going on in Docker (`/runs/<folder>/topology/nodes?country=XX`):
// the rows `testbed inspect <run> --country XX` prints (runtime/docker/inspect.ts), its peers and
// their home routers, as a table; or, instead of the table, why there is none (the engine did not
// answer, or answered with an error). Built with el() (elements.ts): everything is escaped.
import type { InspectRow } from '../runtime/docker/inspect.ts';
import { el, toHtml } from './elements.ts';

const STYLE = `body{font-family:system-ui,sans-serif;margin:.5em auto;padding:0 .5em;max-width:1320px;color:#222}
h1{font-size:1.3em;margin:.2em 0}p{margin:.3em 0}table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f4f4f4}.problem{color:#a00}`;

const COLUMNS: { head: string; cell: (r: InspectRow) => string }[] = [
  { head: 'node', cell: (r) => r.node },
  { head: 'role', cell: (r) => r.role },
  { head: 'router category', cell: (r) => r.category ?? '' },
  { head: 'access', cell: (r) => r.access ?? '' },
  {
    head: 'addresses',
    cell: (r) =>
      Object.entries(r.addresses)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
  },
  { head: 'UPnP', cell: (r) => r.upnp ?? '' },
  { head: 'advertised', cell: (r) => r.advertised ?? '' },
  { head: 'state', cell: (r) => `${r.state} (${r.status})` },
  { head: 'host', cell: (r) => r.host ?? '' },
];

/**
 * The page of `country` in the run of folder `rel` (containers of run `runId`): `rows` as the
 * engine had them at `asOf`, or `problem` when it could not say; `notes` said above the table.
 */
export function nodesPage(o: { rel: string; folderUrl: string; runId: string; country: string; rows?: readonly InspectRow[]; asOf?: string; problem?: string; notes?: readonly string[] }): string {
  const rows = o.rows ?? [];
  const peers = rows.filter((r) => r.role === 'peer').length;
  const page = el(
    'html',
    { lang: 'en' },
    el(
      'head',
      {},
      el('meta', { charset: 'utf-8' }),
      el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      el('title', {}, `${o.country} nodes: ${o.rel}`),
      el('style', {}, STYLE),
    ),
    el(
      'body',
      {},
      el(
        'p',
        {},
        el('a', { href: '/' }, 'all results'),
        ' · ',
        el('a', { href: o.folderUrl }, o.rel),
        ' · ',
        el('a', { href: `${o.folderUrl}topology#country-${o.country}` }, 'topology'),
        ' · ',
        el('a', { href: `${o.folderUrl}live` }, 'live'),
        ` · ${o.country} nodes`,
      ),
      el('h1', {}, `${o.country}: its nodes in run ${o.runId}, as the Docker engine has them`),
      o.problem !== undefined
        ? el('p', { class: 'problem', id: 'problem' }, o.problem)
        : [
            el(
              'p',
              {},
              `${rows.length - peers} home router${rows.length - peers === 1 ? '' : 's'} and ${peers} peer${peers === 1 ? '' : 's'}, as \`npx testbed inspect ${o.runId} --country ${o.country}\` lists them${o.asOf ? ` (asked at ${o.asOf}; reload for news)` : ''}. UPnP: what the peer's own log says its port mapping gave.`,
            ),
            (o.notes ?? []).map((n) => el('p', { class: 'problem' }, n)),
            el(
              'table',
              { id: 'nodes' },
              el(
                'thead',
                {},
                el(
                  'tr',
                  {},
                  COLUMNS.map((c) => el('th', {}, c.head)),
                ),
              ),
              el(
                'tbody',
                {},
                rows.map((r) =>
                  el(
                    'tr',
                    { 'data-node': r.node, 'data-role': r.role },
                    COLUMNS.map((c) => el('td', {}, c.cell(r))),
                  ),
                ),
              ),
            ),
          ],
    ),
  );
  return `<!doctype html>\n${toHtml(page)}\n`;
}
