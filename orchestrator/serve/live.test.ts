// `testbed serve`'s view of runs in progress over real HTTP on loopback (port 0): the index marks a
// run whose live.json says running, its live page is the server's own, and its event stream sends
// live.json at once, again when the run rewrites it, and ends once the run is over. Paths are
// checked as for any other file. The tests wait on the stream's events, never on a clock.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveState } from '../progress/live.ts';
import { buildServer } from './server.ts';

const H = 3_600_000;
let root: string;
let outside: string;
let app: FastifyInstance;
let port: number;

const state = (o: Partial<LiveState> = {}): LiveState => ({
  state: 'running',
  runId: 'live01',
  experiment: 'quick',
  runtime: 'sim',
  durationMs: 4 * H,
  repetitions: 1,
  startedAt: '2026-12-10T12:00:00.000Z',
  updatedAt: new Date().toISOString(),
  warnings: [],
  repetition: 1,
  workloadMs: H,
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
});

/** as the run writes it: a whole new file renamed over the old */
function writeLive(dir: string, s: LiveState): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'live.json.tmp'), JSON.stringify(s));
  fs.renameSync(path.join(dir, 'live.json.tmp'), path.join(dir, 'live.json'));
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-serve-live-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-serve-live-outside-'));
  writeLive(path.join(root, 'running'), state());
  writeLive(path.join(root, 'cmp', 'paper-0'), state({ runId: 'cmp0', experiment: '<script>alert(1)</script>' }));
  // a run that died without a word: live.json still says running, an hour old
  writeLive(path.join(root, 'dead'), state({ runId: 'dead01', updatedAt: new Date(Date.now() - H).toISOString() }));
  // finished: its summary.json is what the index shows
  writeLive(path.join(root, 'done'), state({ runId: 'done01', state: 'finished' }));
  fs.writeFileSync(path.join(root, 'done', 'summary.json'), JSON.stringify({ runId: 'done01', experiment: 'quick', valid: true, shares: { server: 0.6, p2p: 0.3, cache: 0.1 } }));
  fs.mkdirSync(path.join(root, 'plain'));
  fs.writeFileSync(path.join(root, 'plain', 'run.json'), JSON.stringify({ runId: 'plain1', experiment: 'quick' }));
  writeLive(path.join(outside, 'secret'), state({ runId: 'secret' }));
  fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'linked'));
  app = await buildServer(root, { label: 'results' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

/** a request sent with its path exactly as written: fetch would normalise `..` and `%2e` first */
function raw(p: string, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Event {
  event: string;
  data: string;
}

/** an event stream, read event by event: `next()` resolves with the next whole event, `ended` once the server closes it */
function events(p: string): Promise<{ headers: http.IncomingHttpHeaders; next(): Promise<Event>; ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p }, (res) => {
      const queue: Event[] = [];
      const waiting: ((e: Event) => void)[] = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        for (let cut = buf.indexOf('\n\n'); cut >= 0; cut = buf.indexOf('\n\n')) {
          const block = buf.slice(0, cut).split('\n');
          buf = buf.slice(cut + 2);
          const data = block.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
          if (!data.length) continue; // a comment: the server's keep-alive
          const e = { event: block.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message', data: data.join('\n') };
          const w = waiting.shift();
          if (w) w(e);
          else queue.push(e);
        }
      });
      const ended = new Promise<void>((r) => res.on('end', () => r()));
      resolve({
        headers: res.headers,
        next: () => new Promise((r) => (queue.length ? r(queue.shift()!) : waiting.push(r))),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('testbed serve: runs in progress', () => {
  it('marks a running run in the index with a link to its live page; a finished or plain run has none', async () => {
    const page = (await raw('/')).body;
    const row = (folder: string) => new RegExp(`<tr data-path="${folder}"[^>]*>(.*?)</tr>`).exec(page)?.[1] ?? '';
    expect(row('running')).toContain('<a class="live" href="/runs/running/live">live</a>');
    expect(row('running')).toContain('running: 25 % of the workload, 12 plays so far');
    expect(row('running')).toContain('<td>live01</td>');
    expect(row('cmp/paper-0')).toContain('<a class="live" href="/runs/cmp/paper-0/live">live</a>');
    expect(row('cmp/paper-0')).not.toContain('<script>');
    expect(row('dead')).toMatch(/no news for 60 min: the run may have died/);
    for (const f of ['done', 'plain']) {
      expect(row(f), f).not.toBe('');
      expect(row(f), f).not.toContain('class="live"');
    }
    // the run outside the results folder is neither listed nor reachable
    expect(page).not.toContain('secret');
  });

  it("serves the live page as the server's own: the events' address, Chart.js inline, leave to connect to this server only", async () => {
    const res = await raw('/runs/cmp/paper-0/live');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
    expect(res.body).toContain('data-events="/runs/cmp/paper-0/live/events"');
    expect(res.body).toContain('<canvas id="hourly"');
    expect(res.body).toMatch(/Chart\.js v4/);
    expect(res.body).toContain('<a href="/runs/cmp/paper-0/">its report</a>');
    // the run's own text arrives by the events, as text
    expect(res.body).not.toContain('alert(1)');
  });

  it("sends a run's folder page to its live page until it has a report", async () => {
    const res = await raw('/runs/cmp/paper-0/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/runs/cmp/paper-0/live');
    expect((await raw('/runs/plain/')).status).toBe(404);
  });

  it('sends live.json at once, again when the run rewrites it, and ends when the run is over', async () => {
    const dir = path.join(root, 'stream');
    writeLive(dir, state({ runId: 'strm01' }));
    const s = await events('/runs/stream/live/events');
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-cache');
    const first = await s.next();
    expect(first.event).toBe('message');
    expect(JSON.parse(first.data)).toEqual(JSON.parse(fs.readFileSync(path.join(dir, 'live.json'), 'utf8')));
    writeLive(dir, state({ runId: 'strm01', plays: 42, workloadMs: 2 * H, peersOnline: 9, warnings: [{ at: '2026-12-10T12:01:00.000Z', text: '3 plays never started so far' }] }));
    const second = JSON.parse((await s.next()).data) as LiveState;
    expect(second).toMatchObject({ plays: 42, workloadMs: 2 * H, peersOnline: 9, state: 'running' });
    expect(second.warnings).toHaveLength(1);
    writeLive(dir, state({ runId: 'strm01', plays: 50, state: 'finished' }));
    expect(JSON.parse((await s.next()).data)).toMatchObject({ plays: 50, state: 'finished' });
    expect(await s.next()).toEqual({ event: 'end', data: '{"state":"finished"}' });
    await s.ended;
  });

  it('sends the last state and ends at once for a run already over, and answers HEAD without a stream', async () => {
    const s = await events('/runs/done/live/events');
    expect(JSON.parse((await s.next()).data)).toMatchObject({ runId: 'done01', state: 'finished' });
    expect((await s.next()).event).toBe('end');
    await s.ended;
    const head = await raw('/runs/running/live/events', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });

  it('ends the stream when live.json goes away', async () => {
    const dir = path.join(root, 'removed');
    writeLive(dir, state({ runId: 'rmvd01' }));
    const s = await events('/runs/removed/live/events');
    await s.next();
    fs.rmSync(dir, { recursive: true });
    expect(await s.next()).toEqual({ event: 'end', data: '{"state":"gone"}' });
    await s.ended;
  });

  const refused: [path: string, status: 400 | 404][] = [
    ['/runs/../live', 400],
    ['/runs/../live/events', 400],
    ['/runs/running/../../live/events', 400],
    ['/runs/%2e%2e/live/events', 400],
    ['/runs/running%2F..%2F..%2Flive/events', 400],
    ['/runs/..%5clive/events', 400],
    ['/runs//live/events', 400],
    ['/runs/live', 404],
    ['/runs/live/events', 404],
    ['/runs/plain/live', 404],
    ['/runs/plain/live/events', 404],
    ['/runs/linked/live', 404],
    ['/runs/linked/live/events', 404],
    ['/runs/running/alive', 404],
    ['/runs/running/live/', 404],
  ];
  it.each(refused)('%s → %i', async (p, status) => {
    const res = await raw(p);
    expect(res.status).toBe(status);
    expect(res.body).not.toContain('"secret"');
  });
});
