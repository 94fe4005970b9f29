// `testbed serve` over real HTTP on loopback (port 0), against a results folder made in the test:
// the index lists every kind of results folder with what its files say, a broken file as a row
// saying so; pages and files are served with their content types; and no path leads out of the
// folder, however it is spelled or linked.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseTopology, tableIIDefaults } from '../config/topology.ts';
import { apportion } from '../plan/plan.ts';
import type { Plan } from '../plan/types.ts';
import { escapeHtml } from '../report/html.ts';
import { scalingCharts } from '../report/scaling-charts.ts';
import type { ContainerRow } from '../runtime/docker/containers.ts';
import { inspectRows } from '../runtime/docker/inspect.ts';
import { buildServer } from './server.ts';
import { HOSTILE, makeResults, SECRET, type TestResults, TOPOLOGY } from './test/results.ts';

let results: TestResults;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  results = await makeResults();
  app = await buildServer(results.root, { label: 'results' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address() as { port: number };
  base = `http://127.0.0.1:${a.port}`;
}, 60_000);
afterAll(async () => {
  await app?.close();
  results?.remove();
});

/** a request sent with its path exactly as written: fetch would normalise `..` and `%2e` first */
function raw(p: string, method = 'GET', headers: http.OutgoingHttpHeaders = {}, at = base): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { port } = new URL(at);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

type Config = {
  options?: { plugins?: { title?: { text?: string } } };
  data: { datasets: { label?: string; whiskers?: unknown[] }[] };
};
/** the chart configurations a page made by report/html.ts draws, in order */
function chartConfigs(page: string): Config[] {
  const m = /<script type="application\/json" id="chart-configs">(.*?)<\/script>/s.exec(page);
  expect(m, 'the page has no chart configurations').not.toBeNull();
  return Object.values(JSON.parse(m![1]) as Record<string, Config>);
}

/** the cells of the index's row for a folder */
async function indexRow(folder: string): Promise<{ html: string; cells: string[]; values: (string | undefined)[] }> {
  const page = await (await fetch(`${base}/`)).text();
  const m = new RegExp(`<tr data-path="${folder}"[^>]*>(.*?)</tr>`).exec(page);
  expect(m, `the index has no row for ${folder}`).not.toBeNull();
  const cells = [...m![1].matchAll(/<td([^>]*)>(.*?)<\/td>/g)];
  return { html: m![0], cells: cells.map((c) => c[2].replace(/<[^>]+>/g, '')), values: cells.map((c) => /data-value="([^"]*)"/.exec(c[1])?.[1]) };
}

describe('testbed serve: the index', () => {
  it('lists a run with its experiment, runtime, date, validity and the shares of its summary.json', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const { cells, values } = await indexRow('r1');
    const s = results.summaries.r1;
    expect(cells.slice(0, 8)).toEqual(['r1', 'run', 'r1aaaa', 'quick', 'sim', '', '2026-11-25 00:00 UTC', 'valid']);
    expect(values.slice(8).map(Number)).toEqual([s.shares.server, s.shares.p2p, s.shares.cache]);
    expect(cells.slice(8)).toEqual([s.shares.server, s.shares.p2p, s.shares.cache].map((x) => `${(100 * x).toFixed(1)} %`));
  });

  it('lists comparisons and scaling experiments, skips folders that are no result and symlinks', async () => {
    const page = await (await fetch(`${base}/`)).text();
    const rows = [...page.matchAll(/<tr data-path="([^"]+)" data-kind="([^"]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(rows).toEqual(['broken:run', 'cmp:comparison', 'compare-abc:comparison', 'r1:run', 'r2:run', 'scal:scaling', 'scaling:scaling', 'scaling/peers-10:run', 'scaling/peers-30:run']);
    const c = await indexRow('compare-abc');
    expect(c.cells.slice(3, 8)).toEqual(['compare-discovery', '', 'a, b', '2026-11-27 00:00 UTC', 'one warning']);
    const sc = await indexRow('scal');
    expect(sc.cells.slice(3, 6)).toEqual(['scaling', 'sim', 'populations 1000, 3000']);
  });

  it('shows a malformed summary.json as a row saying what is wrong', async () => {
    const { html, cells } = await indexRow('broken');
    expect(html).toContain('class="broken"');
    expect(cells[2]).toBe('brkn00');
    expect(cells[7]).toMatch(/^error: summary\.json: not valid JSON \(.+\)$/);
  });

  it("escapes a run's text", async () => {
    const page = await (await fetch(`${base}/`)).text();
    expect(page).not.toContain(HOSTILE);
    expect((await indexRow('r2')).html).toContain(escapeHtml(HOSTILE));
    expect([...page.matchAll(/<script\b/g)].length).toBe(1);
  });
});

describe('testbed serve: pages and files', () => {
  it("serves a run's report.html as it is under a line of links (the index, its topology), and a folder without the slash redirected", async () => {
    const res = await fetch(`${base}/runs/r1/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain('sandbox allow-scripts');
    const nav = '<p class="nav"><a href="/">all results</a> · r1 · <a href="/runs/r1/topology">topology</a></p>\n';
    expect(await res.text()).toBe(fs.readFileSync(path.join(results.root, 'r1', 'report.html'), 'utf8').replace('<body>\n', `<body>\n${nav}`));
    const moved = await raw('/runs/r1');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/runs/r1/');
  });

  it('makes the page from report.md when report.html is missing, and says how to write it', async () => {
    const page = await (await fetch(`${base}/runs/r2/`)).text();
    expect(page).toContain('<code>npx testbed report results/r2</code>');
    expect(page).toContain('<h2>Offload</h2>');
    // r2 has no topology.yaml: no link to a picture of it
    expect(page).not.toContain('/topology"');
    const inline = [...page.matchAll(/<img src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
    expect(inline).toContainEqual(fs.readFileSync(path.join(results.root, 'r2', 'plots', 'offload.png')));
    // table3.png leads out of the folder: not inlined
    expect(inline.length).toBe(3);
    expect(page).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(page).not.toContain(HOSTILE);
  });

  it('serves the files of a run with their content types', async () => {
    for (const [file, type] of [
      ['summary.json', 'application/json; charset=utf-8'],
      ['plots/offload.png', 'image/png'],
      ['tables/offload.csv', 'text/csv; charset=utf-8'],
      ['report.md', 'text/markdown; charset=utf-8'],
    ]) {
      const res = await fetch(`${base}/runs/r1/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(type);
      expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(results.root, 'r1', file))), file).toBe(true);
    }
    expect((await fetch(`${base}/runs/r1/nothing.json`)).status).toBe(404);
  });

  it("renders a comparison's and a scaling experiment's Markdown with their PNGs inline", async () => {
    for (const [folder, png] of [
      ['compare-abc', 'plots/server-share.png'],
      ['scal', 'scaling-shares.png'],
    ]) {
      const res = await fetch(`${base}/runs/${folder}/`);
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toMatch(/<h1>(Comparison|scaling)/);
      expect(page).toContain(`<img src="data:image/png;base64,${fs.readFileSync(path.join(results.root, folder, png)).toString('base64')}"`);
      expect(page).toContain('<a href="/">all results</a>');
    }
    expect((await fetch(`${base}/runs/compare-abc/`)).status).toBe(200);
    expect((await fetch(`${base}/runs/notes/`)).status).toBe(404);
  });

  it("serves a comparison's comparison.html, its charts drawn from the configurations its PNGs were drawn from", async () => {
    const res = await fetch(`${base}/runs/cmp/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain('sandbox allow-scripts');
    const page = await res.text();
    const file = fs.readFileSync(path.join(results.root, 'cmp', 'comparison.html'), 'utf8');
    expect(page).toBe(file.replace('<body>\n', '<body>\n<p class="nav"><a href="/">all results</a> · cmp</p>\n'));
    const md = fs.readFileSync(path.join(results.root, 'cmp', 'comparison.md'), 'utf8');
    const shown = [...md.matchAll(/!\[[^\]]*\]\((plots\/[^)]+)\)/g)].map((m) => m[1]);
    expect(shown.sort()).toEqual(
      fs
        .readdirSync(path.join(results.root, 'cmp', 'plots'))
        .map((f) => `plots/${f}`)
        .sort(),
    );
    // every plot a chart on a canvas, none a picture; the bars carry their intervals
    const charts = chartConfigs(page);
    expect(charts.length).toBe(shown.length);
    expect(page.includes('<img')).toBe(false);
    const shares = charts.find((c) => c.options?.plugins?.title?.text?.startsWith('Share of played bytes by source'));
    expect(shares?.data.datasets.map((d) => d.label)).toEqual(['a', 'b']);
    expect(shares?.data.datasets.every((d) => Array.isArray(d.whiskers) && d.whiskers.length === 3)).toBe(true);
    expect(page).toContain("Chart.register({ id: 'whiskers'");
  });

  it('shows the plots of a comparison made before comparison.md showed them, and says how to get them drawn interactively', async () => {
    const dir = path.join(results.root, 'old-cmp');
    fs.mkdirSync(path.join(dir, 'plots'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'comparison.md'), '# old: 2 variants compared\n\n| metric | a | b |\n| --- | --- | --- |\n| plays | 1 | 2 |\n');
    const png = fs.readFileSync(path.join(results.root, 'cmp', 'plots', 'shares.png'));
    fs.writeFileSync(path.join(dir, 'plots', 'shares.png'), png);
    const page = await (await fetch(`${base}/runs/old-cmp/`)).text();
    expect(page).toContain('<code>npx testbed compare results/old-cmp</code>');
    expect(page).toContain('<h2>Plots</h2>');
    expect(page).toContain(`<img src="data:image/png;base64,${png.toString('base64')}" alt="shares.png">`);
  });

  it("draws a scaling experiment's charts from its scaling.json, as its PNGs are drawn", async () => {
    const page = await (await fetch(`${base}/runs/scaling/`)).text();
    expect(page).toContain('<a href="/">all results</a> · scaling');
    const json = JSON.parse(fs.readFileSync(path.join(results.root, 'scaling', 'scaling.json'), 'utf8'));
    expect(chartConfigs(page)).toEqual(Object.values(scalingCharts(json.rows)).map((c) => JSON.parse(JSON.stringify(c))));
    // the table of populations is the page's too
    expect(/<th[^>]*>online \(mean \/ peak\)<\/th>/.test(page)).toBe(true);
    expect(page.includes('<img')).toBe(false);
  });

  it('changes nothing: only GET and HEAD are answered', async () => {
    expect((await raw('/runs/r1/summary.json', 'HEAD')).status).toBe(200);
    for (const m of ['POST', 'PUT', 'DELETE']) expect((await raw('/runs/r1/summary.json', m)).status).toBe(404);
  });
});

describe('testbed serve: what a request cannot reach', () => {
  it("answers only requests that name loopback as their Host: another site's page whose name was rebound to 127.0.0.1 gets nothing", async () => {
    const { port } = new URL(base);
    expect((await raw('/runs/r1/summary.json', 'GET', { host: `localhost:${port}` })).status).toBe(200);
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`]) {
      const res = await raw('/runs/r1/summary.json', 'GET', { host });
      expect(res.status, host).toBe(403);
      expect(res.body).not.toContain('"shares"');
    }
  });

  it('reads no file that is not a regular one: a FIFO as a run.json would hang the index', async () => {
    const dir = path.join(results.root, 'fifo-run');
    fs.mkdirSync(dir);
    execFileSync('mkfifo', [path.join(dir, 'run.json'), path.join(dir, 'summary.json')]);
    try {
      // nothing ever writes into the FIFOs: a read of one would wait for good
      const index = await raw('/');
      expect(index.status).toBe(200);
      expect(index.body).toContain('r1aaaa');
      expect((await raw('/runs/fifo-run/summary.json')).status).toBe(404);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the bytes a file had when it was opened, whatever is appended meanwhile', async () => {
    const f = path.join(results.root, 'r1', 'growing.jsonl');
    fs.writeFileSync(f, '{"a":1}\n');
    const res = await raw('/runs/r1/growing.jsonl');
    fs.appendFileSync(f, '{"b":2}\n');
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"a":1}\n');
    fs.rmSync(f);
  });
});

describe('testbed serve: paths that lead out are refused', () => {
  const refused: [path: string, status: 400 | 404][] = [
    ['/runs/..', 400],
    ['/runs/../package.json', 400],
    ['/runs/r1/../../../../etc/passwd', 400],
    ['/runs/./r1/summary.json', 400],
    ['/runs/%2e%2e/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/runs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', 400],
    ['/runs/r1%2F..%2F..%2F..%2Fetc%2Fpasswd', 400],
    ['/runs/r1/..%2f..%2f..%2fetc%2fpasswd', 400],
    ['/runs/..%5c..%5cetc%5cpasswd', 400],
    ['/runs/%2Fetc%2Fpasswd', 400],
    ['/runs//etc/passwd', 400],
    ['/runs/r1/%00', 400],
    ['/runs/%E0%A4%A', 400],
    ['/etc/passwd', 404],
    ['//etc/passwd', 404],
    ['/runs/leak', 404],
    ['/runs/r1/passwd', 404],
    ['/runs/outside/secret.txt', 404],
    ['/runs/outside/', 404],
    ['/runs/r1/plots/secret.png', 404],
  ];
  it.each(refused)('%s → %i', async (p, status) => {
    const res = await raw(p);
    expect(res.status).toBe(status);
    expect(res.body).not.toContain('root:');
    expect(res.body).not.toContain(SECRET);
  });
});

describe('testbed serve: the topology page', () => {
  /** each country box of the picture: its code, peers, and counts by NAT group and by access type */
  function countryBoxes(page: string) {
    const svg = /<svg id="topology"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    return [...svg.matchAll(/<a href="#country-([A-Z]{2})" class="country" data-country="\1" data-peers="(\d+)">([\s\S]*?)<\/a>/g)].map((m) => ({
      code: m[1],
      peers: Number(m[2]),
      groups: Object.fromEntries([...m[3].matchAll(/data-group="(\w+)" data-count="(\d+)"/g)].map((g) => [g[1], Number(g[2])])),
      access: Object.fromEntries([...m[3].matchAll(/data-access="(\w+)" data-count="(\d+)"/g)].map((g) => [g[1], Number(g[2])])),
    }));
  }
  const folder = (name: string, files: Record<string, string>) => {
    const dir = path.join(results.root, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    return dir;
  };

  it("draws the run's seven countries with their peers by NAT category and access link, as topology.yaml has them", async () => {
    const res = await fetch(`${base}/runs/r1/topology`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // the server's own page: a picture and CSS, nothing runs
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const page = await res.text();
    expect(page.includes('<script')).toBe(false);
    const file = parse(fs.readFileSync(TOPOLOGY, 'utf8')) as { countries: Record<string, { peers: number }> };
    const boxes = countryBoxes(page);
    expect(boxes.map((b) => b.code).sort()).toEqual(['ES', 'FI', 'FR', 'GB', 'NL', 'NO', 'SE']);
    expect(page).toContain('Topology paper-7: 300 peers in 7 countries');
    for (const b of boxes) {
      const peers = file.countries[b.code].peers;
      expect(b.peers, b.code).toBe(peers);
      // paper-7.yaml gives no routers: Table II's shares, apportioned as the planner does
      const cats = apportion(peers, tableIIDefaults(b.code));
      expect(b.groups, b.code).toEqual({ noNat: cats.noNat, upnp: cats.upnp, misleads: cats.mismatch + cats.private, noUpnp: cats.noUpnp });
      expect(
        Object.values(b.access).reduce((s, n) => s + n, 0),
        b.code,
      ).toBe(peers);
      expect(page, b.code).toContain(`<title>${b.code}, NAT with UPnP: ${cats.upnp} of ${peers} peers`);
    }
    // the data centres on top, a line to each one a country's DNS rule names (the paper's: NO both)
    expect([...page.matchAll(/<g class="dc" data-dc="(\w+)">/g)].map((m) => m[1])).toEqual(['stockholm', 'london']);
    const lines = [...page.matchAll(/<line [^>]*class="dns"><title>([A-Z]{2}) → (\w+):/g)].map((m) => `${m[1]}-${m[2]}`).sort();
    expect(lines).toEqual(['ES-london', 'FI-stockholm', 'FR-london', 'GB-london', 'NL-london', 'NO-london', 'NO-stockholm', 'SE-stockholm']);
    // a section per country with its numbers in full, shown when it is clicked
    for (const b of boxes) expect(page).toContain(`<section id="country-${b.code}" class="detail">`);
  });

  it("links from the run's page and back", async () => {
    expect(await (await fetch(`${base}/runs/r1/`)).text()).toContain('<a href="/runs/r1/topology">topology</a>');
    expect(await (await fetch(`${base}/runs/r1/topology`)).text()).toContain('<a href="/">all results</a> · <a href="/runs/r1/">r1</a> · topology');
  });

  it("draws a scaling experiment's population with the peers it ran, not those of the file it scaled", async () => {
    const yaml = `${fs.readFileSync(TOPOLOGY, 'utf8')}# scaled by the experiment's populations to 1000 peers: SE 233, GB 200\n`;
    folder('scaled-run', { 'run.json': '{}', 'topology.yaml': yaml });
    const page = await (await fetch(`${base}/runs/scaled-run/topology`)).text();
    expect(page).toContain('Topology paper-7: 1,000 peers in 7 countries');
    expect(countryBoxes(page).reduce((s, b) => s + b.peers, 0)).toBe(1000);
  });

  it("shows a running run's live.json and nothing more, and its live page links to it", async () => {
    const live = {
      state: 'running',
      runId: 'lv',
      experiment: 'quick',
      runtime: 'sim',
      durationMs: 4e6,
      repetitions: 1,
      workloadMs: 1e6,
      plays: 17,
      peersOnline: 9,
      updatedAt: '2026-12-01T10:00:00.000Z',
      warnings: [],
    };
    folder('live-topo', { 'live.json': JSON.stringify(live), 'topology.yaml': fs.readFileSync(path.resolve(import.meta.dirname, '../../topologies/small.yaml'), 'utf8') });
    const page = await (await fetch(`${base}/runs/live-topo/topology`)).text();
    expect(page).toContain('Running (live.json of 2026-12-01T10:00:00.000Z): 25 % of the workload, 17 plays, 9 peers online in all countries.');
    expect(page).toContain('<a href="/runs/live-topo/live">live</a>');
    expect(countryBoxes(page).map((b) => `${b.code}:${b.peers}`)).toEqual(['SE:5', 'NO:2', 'GB:5']);
    expect(await (await fetch(`${base}/runs/live-topo/live`)).text()).toContain('<a href="/runs/live-topo/topology">topology</a>');
  });

  it("escapes the folder's name, and says why a topology.yaml it cannot read is not drawn", async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    folder(hostile, { 'run.json': '{}', 'topology.yaml': fs.readFileSync(TOPOLOGY, 'utf8') });
    const res = await fetch(`${base}/runs/${encodeURIComponent(hostile)}/topology`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page.includes(hostile)).toBe(false);
    expect(page).toContain(escapeHtml(hostile));
    folder('bad-topology', { 'run.json': '{}', 'topology.yaml': 'name: Not A Name\ncountries: {}\n' });
    const bad = await raw('/runs/bad-topology/topology');
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(bad.body).toContain('bad-topology/topology.yaml is not a topology this testbed reads');
    expect(() => parseTopology('name: Not A Name\ncountries: {}\n')).toThrow();
  });

  it.each([
    ['/runs/../topology', 400],
    ['/runs/%2e%2e/topology', 400],
    ['/runs/r1%2Ftopology', 400],
    ['/runs/r1/..%2Ftopology', 400],
    ['/runs/./r1/topology', 400],
    ['/runs/%00/topology', 400],
    ['/runs/topology', 404],
    ['/runs/r1/topology/', 404],
    ['/runs/r2/topology', 404],
    ['/runs/nothing/topology', 404],
    ['/runs/leak/topology', 404],
    ['/runs/outside/topology', 404],
    ['/runs/%3Cscript%3Ealert(1)%3C%2Fscript%3E/topology', 400],
    ['/runs/%3Cscript%3E/topology', 404],
  ] as const)('refuses %s (%i)', async (p, status) => {
    // a topology.yaml outside the results folder, behind the symlink `outside`: not to be drawn
    fs.writeFileSync(path.join(results.outside, 'topology.yaml'), fs.readFileSync(TOPOLOGY, 'utf8'));
    const res = await raw(p);
    expect(res.status).toBe(status);
    // said in plain text (nosniff): a name from the URL is never HTML here
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body.includes('<svg')).toBe(false);
  });
});

describe('testbed serve: the nodes of a country of a run going on in Docker', () => {
  // a second server over the same folder, its engine a fake: the real rows (runtime/docker/inspect.ts)
  // from a listing and logs made up here
  let app2: FastifyInstance;
  let base2: string;
  const calls: { runId: string; country?: string; plan: string | undefined }[] = [];
  const SMALL = fs.readFileSync(path.resolve(import.meta.dirname, '../../topologies/small.yaml'), 'utf8');
  const listed: ContainerRow[] = [
    { name: 'tb-dock01-r-se-001', role: 'router', state: 'running', status: 'Up 1 minute' },
    { name: 'tb-dock01-p-se-001', role: 'peer', state: 'running', status: 'Up 1 minute' },
    { name: 'tb-dock01-p-gb-001', role: 'peer', state: 'running', status: 'Up 1 minute' },
  ];
  const plan = (runId: string) => ({
    runId,
    containers: [
      { name: `tb-${runId}-r-se-001`, meta: { country: 'SE', category: 'upnp' }, attachments: [{ network: `tb-${runId}-wan`, ip: '10.1.0.5' }] },
      { name: `tb-${runId}-p-se-001`, meta: { country: 'SE', category: 'upnp', access: 'dsl' }, attachments: [{ network: `tb-${runId}-h-se-001`, ip: '192.168.1.2' }] },
      { name: `tb-${runId}-p-gb-001`, meta: { country: 'GB', category: 'noNat', access: HOSTILE }, attachments: [{ network: `tb-${runId}-wan`, ip: '10.1.0.9' }] },
    ],
  });
  const live = (runId: string, runtime: string, state = 'running', more: Record<string, unknown> = {}) =>
    JSON.stringify({
      state,
      runId,
      experiment: 'quick',
      runtime,
      durationMs: 4e6,
      repetitions: 1,
      repetition: 1,
      workloadMs: 1e6,
      plays: 3,
      peersOnline: 12,
      updatedAt: '2026-12-01T10:00:00.000Z',
      warnings: [],
      ...more,
    });
  const folder = (name: string, files: Record<string, string>) => {
    const dir = path.join(results.root, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    }
  };

  beforeAll(async () => {
    folder('dock-live', { 'live.json': live('dock01', 'docker'), 'topology.yaml': SMALL, 'plan.json': JSON.stringify(plan('dock01')) });
    // the second of three repetitions: its containers are run dock021's (repetitions count from 0 there), its plan in rep-1/
    folder('dock-rep', { 'live.json': live('dock02', 'docker', 'running', { repetitions: 3, repetition: 2 }), 'topology.yaml': SMALL, 'rep-1/plan.json': JSON.stringify(plan('dock021')) });
    folder('dock-slow', { 'live.json': live('slow01', 'docker'), 'topology.yaml': SMALL, 'plan.json': JSON.stringify(plan('slow01')) });
    folder('dock-broken', { 'live.json': live('brok01', 'docker'), 'topology.yaml': SMALL });
    folder('dock-done', { 'live.json': live('done01', 'docker', 'finished'), 'topology.yaml': SMALL, 'plan.json': JSON.stringify(plan('done01')) });
    folder('sim-live', { 'live.json': live('simu01', 'sim'), 'topology.yaml': SMALL });
    app2 = await buildServer(results.root, {
      label: 'results',
      inspectTimeoutMs: 300,
      inspectCacheMs: 60_000,
      inspect: async (runId, p, filter) => {
        calls.push({ runId, country: filter.country, plan: p?.runId });
        if (runId === 'slow01') return new Promise(() => {});
        if (runId === 'brok01') throw new Error('connect ECONNREFUSED /var/run/docker.sock');
        const rows = await inspectRows(
          { logs: async (n) => (n.endsWith('p-se-001') ? '{"event":"portmap","ok":true,"externalAddress":"198.51.100.7","externalPort":40001}\n' : '') },
          runId,
          listed.map((c) => ({ ...c, name: c.name.replace('dock01', runId) })),
          p as Plan | null,
          filter,
        );
        return { rows, containers: listed.length, unreachable: [] };
      },
    });
    await app2.listen({ port: 0, host: '127.0.0.1' });
    base2 = `http://127.0.0.1:${(app2.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app2?.close();
  });

  it("links each country of a live Docker run's topology to its nodes; no such link for another run", async () => {
    const page = await (await fetch(`${base2}/runs/dock-live/topology`)).text();
    for (const cc of ['SE', 'GB', 'NO']) expect(page).toContain(`<a href="/runs/dock-live/topology/nodes?country=${cc}" data-nodes="${cc}">`);
    for (const other of ['sim-live', 'dock-done', 'r1']) expect(await (await fetch(`${base2}/runs/${other}/topology`)).text(), other).not.toContain('topology/nodes');
  });

  it("shows the country's peers and home routers as inspect lists them, escaped, and asks the engine once in a while", async () => {
    const res = await fetch(`${base2}/runs/dock-live/topology/nodes?country=se`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const page = await res.text();
    expect(page.includes('<script')).toBe(false);
    const rows = [...page.matchAll(/<tr data-node="([^"]+)" data-role="(\w+)">(.*?)<\/tr>/g)].map((m) => [m[1], m[2], ...[...m[3].matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1])]);
    expect(rows).toEqual([
      ['r-se-001', 'router', 'r-se-001', 'router', 'upnp', '', 'wan=10.1.0.5', '', '', 'running (Up 1 minute)', ''],
      ['p-se-001', 'peer', 'p-se-001', 'peer', 'upnp', 'dsl', 'h-se-001=192.168.1.2', 'mapped', '198.51.100.7:40001', 'running (Up 1 minute)', ''],
    ]);
    expect(page).toContain('1 home router and 1 peer, as `npx testbed inspect dock01 --country SE` lists them');
    expect(calls).toEqual([{ runId: 'dock01', country: 'SE', plan: 'dock01' }]);
    // again within the cache's time: the same answer, the engine not asked again
    await fetch(`${base2}/runs/dock-live/topology/nodes?country=SE`);
    expect(calls).toHaveLength(1);
    // as JSON; a text from the plan escaped in HTML
    const json = (await (await fetch(`${base2}/runs/dock-live/topology/nodes?country=GB&format=json`)).json()) as { runId: string; country: string; rows: { node: string; access: string }[] };
    expect(json).toMatchObject({ runId: 'dock01', country: 'GB', rows: [{ node: 'p-gb-001', access: HOSTILE, upnp: 'not asked' }] });
    const gb = await (await fetch(`${base2}/runs/dock-live/topology/nodes?country=GB`)).text();
    expect(gb).not.toContain(HOSTILE);
    expect(gb).toContain(escapeHtml(HOSTILE));
  });

  it("asks for a repetition's containers with that repetition's plan", async () => {
    const res = await fetch(`${base2}/runs/dock-rep/topology/nodes?country=SE&format=json`);
    expect(res.status).toBe(200);
    expect(calls.at(-1)).toEqual({ runId: 'dock021', country: 'SE', plan: 'dock021' });
    expect(((await res.json()) as { rows: unknown[] }).rows).toHaveLength(2);
  });

  it.each([
    ['dock-done', 'its live.json says finished'],
    ['sim-live', 'its live.json says it runs in another runtime'],
    ['r1', 'it has no live.json'],
  ])('answers 404 for %s, a run not going on in Docker, and does not ask the engine', async (name, why) => {
    const before = calls.length;
    const res = await raw(`/runs/${name}/topology/nodes?country=SE`, 'GET', {}, base2);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toContain(`${name} is not a run going on in Docker (${why})`);
    expect(calls.length).toBe(before);
  });

  it.each([
    ['country=XX', "country XX is not one of the topology's (SE, GB, NO)"],
    ['country=S', 'give ?country= and a two-letter country code'],
    ['country=%3Cscript%3E', 'give ?country= and a two-letter country code'],
    ['country=SE&country=GB', 'give ?country= and a two-letter country code'],
    ['', 'give ?country= and a two-letter country code'],
    ['country=SE&format=xml', 'format: json or html'],
  ])('refuses ?%s (400)', async (q, said) => {
    const res = await fetch(`${base2}/runs/dock-live/topology/nodes?${q}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const body = await res.text();
    expect(body).toContain(said);
    expect(body).not.toContain('<script');
  });

  it('says the engine did not answer instead of waiting for it, and what it said when it failed', async () => {
    const t0 = Date.now();
    const res = await fetch(`${base2}/runs/dock-slow/topology/nodes?country=SE`);
    expect(res.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await res.text()).toContain('the Docker engine did not answer within 0.3 s');
    const json = await fetch(`${base2}/runs/dock-slow/topology/nodes?country=SE&format=json`);
    expect(json.status).toBe(504);
    expect(((await json.json()) as { error: string }).error).toMatch(/^the Docker engine did not answer/);
    // the question still open is not asked again
    expect(calls.filter((c) => c.runId === 'slow01')).toHaveLength(1);
    const failed = await fetch(`${base2}/runs/dock-broken/topology/nodes?country=SE`);
    expect(failed.status).toBe(502);
    const page = await failed.text();
    expect(page).toContain('the Docker engine answered with an error: connect ECONNREFUSED /var/run/docker.sock');
    expect(page).toContain('SE: its nodes in run brok01, as the Docker engine has them');
  });

  it.each([
    ['/runs/../topology/nodes?country=SE', 400],
    ['/runs/dock-live%2Ftopology/nodes?country=SE', 400],
    ['/runs/topology/nodes?country=SE', 404],
    ['/runs/nothing/topology/nodes?country=SE', 404],
    ['/runs/outside/topology/nodes?country=SE', 404],
  ] as const)('refuses %s (%i)', async (p, status) => {
    const res = await raw(p, 'GET', {}, base2);
    expect(res.status).toBe(status);
  });
});
