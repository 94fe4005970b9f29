// The topology page of a run (`/runs/<folder>/topology`): its topology.yaml drawn as one SVG made
// here, on the server, from the parsed topology (config/topology.ts) and the peers as the planner
// places them (plan/plan.ts placePeers: the same counts by router category and access type the run
// had). Aggregated, never one node per peer, so that the paper's seven countries with thousands of
// peers fit a 1366×768 screen: the two data centres on top, the countries side by side below (seven
// to a row), each a box with its peers by NAT category and by access link, and a line to each data
// centre its DNS rule names. Every part has a <title> (the browser's hover text) with its counts.
// Clicking a country shows its numbers in full below the picture (CSS :target, no script); for a
// run in progress, what its live.json says (live.json has no figure per country) and, when it runs
// in Docker, a link to each country's nodes as the engine has them now (nodes-page.ts).
// Built with el() (elements.ts): every text from the folder is escaped.
import type { Access, DcName, RouterCategory, Topology } from '../config/topology.ts';
import { CATEGORIES, DCS } from '../config/topology.ts';
import { placePeers } from '../plan/plan.ts';
import { type Element, el, toHtml } from './elements.ts';

/** what live.json of a running run says, as the page shows it */
export interface LiveNote {
  workloadMs: number;
  durationMs: number;
  plays: number;
  peersOnline: number;
  updatedAt: string;
}

const ACCESS: Access[] = ['dsl', 'cable', 'fibre', 'mobile'];

/** the three NAT categories of the issue, with Table II's two ways UPnP misleads apart */
const GROUPS: { key: string; label: string; cats: RouterCategory[]; color: string; text: string }[] = [
  { key: 'noNat', label: 'no NAT', cats: ['noNat'], color: '#2ca02c', text: 'a public address, no home router (mobile broadband among them)' },
  { key: 'upnp', label: 'NAT with UPnP', cats: ['upnp'], color: '#1f77b4', text: 'a home router whose UPnP maps a port that works' },
  {
    key: 'misleads',
    label: 'UPnP, wrong addr.',
    cats: ['mismatch', 'private'],
    color: '#ff7f0e',
    text: 'a home router whose UPnP answers a wrong public address (mismatch) or its private WAN address behind a second NAT (private)',
  },
  { key: 'noUpnp', label: 'NAT without UPnP', cats: ['noUpnp'], color: '#d62728', text: 'a home router without UPnP: reachable only by connection reversal' },
];

const CATEGORY_TEXT: Record<RouterCategory, string> = {
  noNat: 'no NAT',
  upnp: 'NAT, UPnP worked',
  mismatch: 'NAT, UPnP mismatch (answers a wrong public address)',
  private: 'NAT, private IP (UPnP answers the private address behind a second NAT)',
  noUpnp: 'NAT without UPnP',
};

const DC_COLOR: Record<DcName, string> = { stockholm: '#6a3d9a', london: '#b15928' };

interface CountryStats {
  code: string;
  name: string;
  peers: number;
  categories: Record<RouterCategory, number>;
  access: Record<Access, number>;
  homes: number;
  dcs: DcName[];
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const countryName = (code: string) => {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
};

/** the peers of each country by category and access type, and its homes, in one pass over the placed peers (a scaling run may hold a million) */
function countryStats(t: Topology): CountryStats[] {
  const stats = new Map(
    Object.entries(t.countries).map(([code, spec]) => [
      code,
      {
        code,
        name: countryName(code),
        peers: spec.peers,
        categories: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<RouterCategory, number>,
        access: Object.fromEntries(ACCESS.map((a) => [a, 0])) as Record<Access, number>,
        homes: 0,
        dcs: [...(t.dnsRules[code] ?? t.dnsRules.default)],
      },
    ]),
  );
  const homes = new Map<string, Set<number>>();
  for (const p of placePeers(t)) {
    const c = stats.get(p.country)!;
    c.categories[p.category]++;
    c.access[p.access]++;
    if (p.home >= 0) homes.set(p.country, (homes.get(p.country) ?? new Set()).add(p.home));
  }
  for (const c of stats.values()) c.homes = homes.get(c.code)?.size ?? 0;
  return [...stats.values()];
}

const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)} %` : '–');
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const num = (n: number) => n.toLocaleString('en');

/** 8000 → "8", 512 → "0.512": Mbit/s */
const mbit = (kbit: number) => String(+(kbit / 1000).toFixed(3));
const linkText = (t: Topology, a: Access) => {
  const l = t.links[a];
  return `${num(l.downKbit)} kbit/s down, ${num(l.upKbit)} kbit/s up, ${l.delayMs} ms delay ± ${l.jitterMs} ms jitter, ${l.lossPct} % loss`;
};
const groupCount = (c: CountryStats, g: (typeof GROUPS)[number]) => g.cats.reduce((s, k) => s + c.categories[k], 0);

// ---- the picture ----

const BOX_W = 176;
const BOX_H = 262;
const GAP = 10;
const MARGIN = 6;
const PER_ROW = 7;
const DC_W = 250;
const DC_H = 56;
const DC_Y = MARGIN;
/** where the first row of countries starts: room for the lines from the data centres */
const ROW_Y = DC_Y + DC_H + 84;

const svgText = (x: number, y: number, text: string, attrs: Record<string, string | number> = {}) => el('text', { x, y, ...attrs }, text);

function countryBox(c: CountryStats, t: Topology, x: number, y: number): Element {
  const parts: Element[] = [
    el('rect', { class: 'box', x, y, width: BOX_W, height: BOX_H, rx: 6 }),
    svgText(x + 10, y + 20, c.code, { class: 'code' }),
    svgText(x + 40, y + 20, c.name.length > 17 ? `${c.name.slice(0, 16)}…` : c.name, { class: 'name' }),
    svgText(x + 10, y + 38, `${plural(c.peers, 'peer')} → ${c.dcs.length > 1 ? 'either DC' : c.dcs[0]}`, { class: 'small' }),
  ];
  // the peers by category as one stacked bar
  let bx = x + 10;
  const barW = BOX_W - 20;
  for (const g of GROUPS) {
    const n = groupCount(c, g);
    const w = c.peers ? (barW * n) / c.peers : 0;
    if (w > 0)
      parts.push(
        el(
          'rect',
          { x: +bx.toFixed(2), y: y + 46, width: +w.toFixed(2), height: 10, fill: g.color },
          el('title', {}, `${c.code}, ${g.label}: ${num(n)} of ${num(c.peers)} peers (${pct(n, c.peers)})`),
        ),
      );
    bx += w;
  }
  parts.push(svgText(x + 10, y + 76, 'home routers', { class: 'head' }));
  GROUPS.forEach((g, i) => {
    const ry = y + 92 + 16 * i;
    const n = groupCount(c, g);
    const detail = g.cats.length > 1 ? ` (${g.cats.map((k) => `${k} ${num(c.categories[k])}`).join(', ')})` : '';
    parts.push(
      el(
        'g',
        { class: 'row', 'data-group': g.key, 'data-count': n },
        el('title', {}, `${c.code}, ${g.label}: ${num(n)} of ${num(c.peers)} peers (${pct(n, c.peers)})${detail}: ${g.text}`),
        el('rect', { x: x + 10, y: ry - 8, width: 9, height: 9, fill: g.color }),
        svgText(x + 24, ry, g.label),
        svgText(x + BOX_W - 10, ry, num(n), { 'text-anchor': 'end' }),
      ),
    );
  });
  parts.push(svgText(x + 10, y + 170, 'access links, Mbit/s', { class: 'head' }));
  ACCESS.forEach((a, i) => {
    const ry = y + 186 + 16 * i;
    const l = t.links[a];
    parts.push(
      el(
        'g',
        { class: 'row', 'data-access': a, 'data-count': c.access[a] },
        el('title', {}, `${c.code}, ${a}: ${num(c.access[a])} of ${num(c.peers)} peers (${pct(c.access[a], c.peers)}); the ${a} link: ${linkText(t, a)}`),
        svgText(x + 10, ry, a),
        svgText(x + 86, ry, num(c.access[a]), { 'text-anchor': 'end' }),
        svgText(x + BOX_W - 10, ry, `${mbit(l.downKbit)}/${mbit(l.upKbit)}`, { 'text-anchor': 'end', class: 'rate' }),
      ),
    );
  });
  parts.push(svgText(x + 10, y + BOX_H - 10, `${plural(c.homes, 'home')} behind NAT`, { class: 'small' }));
  const summary = [
    `${c.code} (${c.name}): ${plural(c.peers, 'peer')}`,
    ...GROUPS.map((g) => `${g.label} ${num(groupCount(c, g))}`),
    ...ACCESS.map((a) => `${a} ${num(c.access[a])}`),
    `DNS: ${c.dcs.join(', ')}`,
  ].join('; ');
  return el('a', { href: `#country-${c.code}`, class: 'country', 'data-country': c.code, 'data-peers': c.peers }, el('title', {}, `${summary}. Click for the numbers in full.`), parts);
}

function picture(t: Topology, stats: CountryStats[]): Element {
  // countries that share data centres side by side: the lines then hardly cross
  const rank = (c: CountryStats) => (c.dcs.length === 1 ? (c.dcs[0] === 'stockholm' ? 0 : 2) : 1);
  const order = [...stats].sort((a, b) => rank(a) - rank(b) || b.peers - a.peers || a.code.localeCompare(b.code));
  const perRow = Math.max(1, Math.min(PER_ROW, order.length));
  const rows = Math.ceil(order.length / perRow);
  const width = 2 * MARGIN + perRow * BOX_W + (perRow - 1) * GAP;
  const height = ROW_Y + rows * BOX_H + (rows - 1) * GAP + MARGIN;
  const at = new Map(
    order.map((c, i) => {
      const inRow = i % perRow;
      const row = Math.floor(i / perRow);
      const left = row === rows - 1 ? (perRow - (order.length - row * perRow)) * ((BOX_W + GAP) / 2) : 0;
      return [c.code, { x: MARGIN + left + inRow * (BOX_W + GAP), y: ROW_Y + row * (BOX_H + GAP) }];
    }),
  );
  // each data centre above the countries its DNS rule names, the two apart
  const centre = (c: CountryStats) => at.get(c.code)!.x + BOX_W / 2;
  const dcX = Object.fromEntries(
    DCS.map((dc, i) => {
      const served = order.filter((c) => c.dcs.includes(dc));
      return [dc, served.length ? served.reduce((s, c) => s + centre(c), 0) / served.length : ((i + 1) * width) / (DCS.length + 1)];
    }),
  ) as Record<DcName, number>;
  const [a, b] = DCS;
  const apart = DC_W + 40;
  if (Math.abs(dcX[a] - dcX[b]) < apart) {
    const mid = (dcX[a] + dcX[b]) / 2;
    const sign = dcX[a] <= dcX[b] ? 1 : -1;
    dcX[a] = mid - (sign * apart) / 2;
    dcX[b] = mid + (sign * apart) / 2;
  }
  for (const dc of DCS) dcX[dc] = Math.min(width - MARGIN - DC_W / 2, Math.max(MARGIN + DC_W / 2, dcX[dc]));

  const lines = order.flatMap((c) =>
    c.dcs.map((dc) => {
      const p = at.get(c.code)!;
      return el(
        'line',
        {
          x1: +centre(c).toFixed(1),
          y1: p.y,
          x2: +dcX[dc].toFixed(1),
          y2: DC_Y + DC_H,
          stroke: DC_COLOR[dc],
          'stroke-width': c.dcs.length > 1 ? 2 : 3,
          'stroke-dasharray': c.dcs.length > 1 ? '6 4' : undefined,
          class: 'dns',
        },
        el('title', {}, `${c.code} → ${dc}: DNS sends the ${plural(c.peers, 'peer')} of ${c.name} ${c.dcs.length > 1 ? `to ${c.dcs.join(' or ')}, equal weight` : `to ${dc}`}`),
      );
    }),
  );
  const dcs = DCS.map((dc) => {
    const only = order.filter((c) => c.dcs.length === 1 && c.dcs[0] === dc);
    const shared = order.filter((c) => c.dcs.length > 1 && c.dcs.includes(dc));
    const peers = only.reduce((s, c) => s + c.peers, 0);
    const sharedPeers = shared.reduce((s, c) => s + c.peers, 0);
    const x = dcX[dc] - DC_W / 2;
    const memory = t.dataCentres[dc]?.memoryMB;
    const says = `${dc} data centre${memory ? ` (${memory} MB)` : ''}: DNS sends ${only.length ? `${only.map((c) => c.code).join(', ')} (${plural(peers, 'peer')})` : 'no country'} here${shared.length ? `, and ${shared.map((c) => c.code).join(', ')} (${plural(sharedPeers, 'peer')}) here or to the other` : ''}`;
    return el(
      'g',
      { class: 'dc', 'data-dc': dc },
      el('title', {}, says),
      el('rect', { class: 'box', x, y: DC_Y, width: DC_W, height: DC_H, rx: 6, stroke: DC_COLOR[dc], 'stroke-width': 2 }),
      svgText(x + DC_W / 2, DC_Y + 22, `${dc} data centre`, { 'text-anchor': 'middle', class: 'code' }),
      svgText(x + DC_W / 2, DC_Y + 42, `${plural(peers, 'peer')}${sharedPeers ? ` + ${num(sharedPeers)} shared` : ''} by DNS`, { 'text-anchor': 'middle', class: 'small' }),
    );
  });
  return el(
    'svg',
    {
      id: 'topology',
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': `topology ${t.name}: ${order.length} countries, two data centres`,
    },
    el(
      'title',
      {},
      `${t.name}: ${plural(
        order.reduce((s, c) => s + c.peers, 0),
        'peer',
      )} in ${plural(order.length, 'country', 'countries')}`,
    ),
    lines,
    dcs,
    order.map((c) => countryBox(c, t, at.get(c.code)!.x, at.get(c.code)!.y)),
  );
}

// ---- a country in full, below the picture ----

function countryDetail(c: CountryStats, t: Topology, live: LiveNote | null, nodesUrl: string | undefined): Element {
  const given = t.countries[c.code];
  return el(
    'section',
    { id: `country-${c.code}`, class: 'detail' },
    el('h2', {}, `${c.code}: ${c.name}, ${plural(c.peers, 'peer')}`),
    el(
      'p',
      {},
      `DNS sends its users to ${c.dcs.join(' or ')}${c.dcs.length > 1 ? ' (equal weight)' : ''}. ${plural(c.homes, 'home')} behind NAT (${t.peersPerHome} peer${t.peersPerHome === 1 ? '' : 's'} per home).`,
    ),
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, el('th', {}, 'home router'), el('th', {}, 'peers'), el('th', {}, 'share'), el('th', {}, 'share in the topology'))),
      el(
        'tbody',
        {},
        CATEGORIES.map((k) =>
          el('tr', {}, el('td', {}, CATEGORY_TEXT[k]), el('td', {}, num(c.categories[k])), el('td', {}, pct(c.categories[k], c.peers)), el('td', {}, `${(100 * given.routers[k]).toFixed(2)} %`)),
        ),
      ),
    ),
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, el('th', {}, 'access'), el('th', {}, 'peers'), el('th', {}, 'share in the topology'), el('th', {}, 'link'))),
      el(
        'tbody',
        {},
        ACCESS.map((a) => el('tr', {}, el('td', {}, a), el('td', {}, num(c.access[a])), el('td', {}, `${(100 * given.access[a]).toFixed(1)} %`), el('td', {}, linkText(t, a)))),
      ),
    ),
    live
      ? el(
          'p',
          { class: 'live' },
          `While it runs, live.json counts peers for the whole run, not per country: ${plural(live.peersOnline, 'peer')} online in all countries, ${plural(live.plays, 'play')} so far (as of ${live.updatedAt}).`,
        )
      : null,
    nodesUrl
      ? el(
          'p',
          { class: 'nodes' },
          el('a', { href: `${nodesUrl}?country=${c.code}`, 'data-nodes': c.code }, `${c.code}'s peers and home routers now`),
          ': each container with its addresses, what UPnP gave it and its state, read from the Docker engine (as npx testbed inspect shows them).',
        )
      : null,
  );
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:.5em auto;padding:0 .5em;max-width:1320px;color:#222}
h1{font-size:1.3em;margin:.2em 0}p{margin:.3em 0}svg{display:block;max-width:100%;height:auto;font-family:system-ui,sans-serif;font-size:11px}
svg .box{fill:#fafafa;stroke:#999}svg a.country:hover .box,svg a.country:focus .box{fill:#eef4fb;stroke:#1f77b4}svg .code{font-weight:bold;font-size:15px}
svg .name{font-size:13px}svg .small{font-size:11px;fill:#444}svg .head{font-size:10px;fill:#666;text-transform:uppercase;letter-spacing:.04em}svg .rate{fill:#555}
.detail{display:none;border-top:1px solid #ccc;margin-top:.5em}.detail:target{display:block}table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}th{background:#f4f4f4}.live{color:#a00}`;

/**
 * The page; `rel` is the folder (relative to the results folder), `scaledFrom` the peers the file
 * itself names when a scaling experiment ran it with another number, `live` what live.json says
 * while the run is running, `nodesUrl` the page of a country's nodes while it runs in Docker.
 */
export function topologyPage(t: Topology, o: { rel: string; folderUrl: string; scaledFrom?: number; live: LiveNote | null; nodesUrl?: string }): string {
  const stats = countryStats(t);
  const peers = stats.reduce((s, c) => s + c.peers, 0);
  const page = el(
    'html',
    { lang: 'en' },
    el('head', {}, el('meta', { charset: 'utf-8' }), el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }), el('title', {}, `topology: ${o.rel}`), el('style', {}, STYLE)),
    el(
      'body',
      {},
      el('p', {}, el('a', { href: '/' }, 'all results'), ' · ', el('a', { href: o.folderUrl }, o.rel), ' · topology', o.live ? [' · ', el('a', { href: `${o.folderUrl}live` }, 'live')] : null),
      el('h1', {}, `Topology ${t.name}: ${plural(peers, 'peer')} in ${plural(stats.length, 'country', 'countries')}`),
      el(
        'p',
        {},
        `From the run's topology.yaml${o.scaledFrom !== undefined ? `, its ${num(o.scaledFrom)} peers scaled by the scaling experiment to ${num(peers)}` : ''}; peers placed as the planner places them (seed ${t.seed}). Lines: the data centres each country's DNS rule names (dashed: either). Hover for counts; click a country for its numbers in full${o.nodesUrl ? ' and a link to its nodes in Docker' : ''}.`,
      ),
      o.live
        ? el(
            'p',
            { class: 'live' },
            `Running (live.json of ${o.live.updatedAt}): ${o.live.durationMs ? `${Math.floor((100 * o.live.workloadMs) / o.live.durationMs)} % of the workload, ` : ''}${plural(o.live.plays, 'play')}, ${plural(o.live.peersOnline, 'peer')} online in all countries.`,
          )
        : null,
      picture(t, stats),
      stats.map((c) => countryDetail(c, t, o.live, o.nodesUrl)),
    ),
  );
  return `<!doctype html>\n${toHtml(page)}\n`;
}
