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
import { escapeHtml } from '../report/html.ts';
import { buildServer } from './server.ts';
import { HOSTILE, makeResults, SECRET, type TestResults } from './test/results.ts';

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
function raw(p: string, method = 'GET', headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { port } = new URL(base);
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
    expect(rows).toEqual(['broken:run', 'compare-abc:comparison', 'r1:run', 'r2:run', 'scal:scaling']);
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
  it("serves a run's report.html as it is, and a folder without the slash redirected", async () => {
    const res = await fetch(`${base}/runs/r1/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain('sandbox allow-scripts');
    expect(await res.text()).toBe(fs.readFileSync(path.join(results.root, 'r1', 'report.html'), 'utf8'));
    const moved = await raw('/runs/r1');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/runs/r1/');
  });

  it('makes the page from report.md when report.html is missing, and says how to write it', async () => {
    const page = await (await fetch(`${base}/runs/r2/`)).text();
    expect(page).toContain('<code>npx testbed report results/r2</code>');
    expect(page).toContain('<h2>Offload</h2>');
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
