// `testbed serve`: the results folder over HTTP, read-only (docs/architecture.md, "Results").
// It starts, stops and writes nothing: every page is made from the files as they are at the
// request. Routes (fastify):
//   /                     the index of results folders (pages.ts)
//   /runs/<folder>/       a run's report.html (made from report.md when it is missing), a
//                         comparison's comparison.html (its Markdown when it has none), a
//                         cross-check's Markdown, or a scaling experiment's Markdown with its charts
//                         drawn from scaling.json (report/scaling-charts.ts); each with a line of
//                         links on top (pages.ts withNav)
//   /runs/<folder>/<file> a file inside, with its content type
//   /runs/<folder>/live   a run's live page, while it runs and after (live-page.ts), for a folder
//                         with live.json; /runs/<folder>/live/events its server-sent events (live.ts)
//   /runs/<folder>/topology  the picture of a run's topology.yaml (topology-page.ts)
//   /runs/<folder>/topology/nodes?country=XX  while the run goes on in Docker, that country's
//                         nodes as `testbed inspect` lists them, read from the engine (nodes-page.ts;
//                         &format=json for JSON); asked at most every few seconds, given up after 5 s
// Every path goes through safe.ts: refused (400) when it could name a parent or carries an encoded
// separator, not found (404) when it resolves, symlinks and all, outside the results folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ChartConfiguration } from 'chart.js';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { parseTopology } from '../config/topology.ts';
import { UserError } from '../errors.ts';
import { withPeers } from '../plan/plan.ts';
import type { Plan } from '../plan/types.ts';
import { type ScalingChartRow, scalingCharts } from '../report/scaling-charts.ts';
import { describeRuntime } from '../runtime/describe.ts';
import { type InspectFilter, inspectRun, type RunInspection } from '../runtime/docker/inspect.ts';
import { liveEvents, readLive } from './live.ts';
import { livePage } from './live-page.ts';
import { nodesPage } from './nodes-page.ts';
import { indexPage, markdownPage, type PageLink, withNav } from './pages.ts';
import { BadPath, countryOf, openInside, readInside, resolveInside, runIdOf, urlSegments } from './safe.ts';
import { scanResults } from './scan.ts';
import { type LiveNote, topologyPage } from './topology-page.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.mmd': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.sh': 'text/plain; charset=utf-8',
};
const contentType = (file: string) => TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

// the index runs its own inline script and loads nothing
const INDEX_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'";
// a page from a results folder (report.html and the like) runs its inline Chart.js in a sandbox:
// an origin of its own, so whatever a folder holds cannot read the rest through this server
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; sandbox allow-scripts";
// the live page is the server's own, its values put in as text: it may ask this server for its events
const LIVE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'";
// the topology page is the server's own, a picture and CSS: nothing runs
const TOPOLOGY_CSP = "default-src 'none'; style-src 'unsafe-inline'";
// any other file is data: nothing in it runs
const FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/** `![alt](src)` sources of a Markdown text */
const imageSources = (md: string) => [...md.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)/g)].map((m) => m[1]);

/** the URL of a results folder's page */
const folderUrlOf = (rel: string) => `/runs/${rel.split('/').map(encodeURIComponent).join('/')}/`;

/** scaling.json's rows when every one has what its charts need, else null (a scaling.json of another version: its PNGs are shown instead) */
function scalingRows(json: Buffer | null): ScalingChartRow[] | null {
  let rows: unknown;
  try {
    rows = json ? (JSON.parse(json.toString('utf8')) as { rows?: unknown })?.rows : undefined;
  } catch {
    return null;
  }
  const n = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  type Loose = { plays?: unknown; online?: { mean?: unknown }; shares?: Record<string, unknown>; tracker?: unknown; overlay?: unknown } | null;
  const ok = (r: Loose) => r !== null && typeof r === 'object' && n(r.plays) && n(r.online?.mean) && ['server', 'p2p', 'cache'].every((k) => n(r.shares?.[k])) && n(r.tracker) && n(r.overlay);
  return Array.isArray(rows) && rows.length > 0 && rows.every(ok) ? (rows as ScalingChartRow[]) : null;
}

/** what live.json of a running run says for the topology page, or null */
function liveNote(text: string): LiveNote | null {
  const x = JSON.parse(text) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return x.state === 'running'
    ? { workloadMs: n(x.workloadMs), durationMs: n(x.durationMs), plays: n(x.plays), peersOnline: n(x.peersOnline), updatedAt: typeof x.updatedAt === 'string' ? x.updatedAt : '?' }
    : null;
}

/**
 * Of a live.json (readLive) that says its run is running in a runtime whose nodes can be listed
 * live (its `runtime`, else run.json's; runtime/describe.ts, `liveNodes`: Docker's containers):
 * the run id its containers carry now (a repetition's, `<run><rep>`, when it has several) and the
 * folders below the run's that hold that repetition's plan.json. null for any other run.
 */
function liveDockerRun(live: { text: string; state: string } | null, infoRuntime: unknown): { runId: string; planIn: string[] } | null {
  if (live?.state !== 'running') return null;
  const x = JSON.parse(live.text) as Record<string, unknown>;
  const runtime = typeof x.runtime === 'string' ? x.runtime : infoRuntime;
  if (typeof runtime !== 'string' || !describeRuntime(runtime).liveNodes) return null;
  const runId = runIdOf(x.runId);
  if (!runId) return null;
  const rep = Number(x.repetition);
  if (Number(x.repetitions) > 1 && Number.isSafeInteger(rep) && rep >= 1) return { runId: `${runId}${rep - 1}`, planIn: [`rep-${rep - 1}`] };
  return { runId, planIn: [] };
}

/** how the server asks the Docker engine for a run's nodes (runtime/docker/inspect.ts inspectRun); a test gives its own */
export type InspectRun = (runId: string, plan: Plan | null, filter: InspectFilter) => Promise<RunInspection>;

/** a topology.yaml that a scaling experiment ran with another number of peers says so in its last comment (experiment/scaling.ts) */
const SCALED = /^# scaled by the experiment's populations to (\d+) peers/m;

/** the names a browser may use for a server bound to loopback: any other Host is a page of another site that rebound its name to 127.0.0.1 (DNS rebinding) */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * `host`: the address it will listen on. On loopback (the default) a request is answered only
 * when its Host header names loopback; bound elsewhere, the user has chosen to expose the results.
 */
export async function buildServer(
  resultsDir: string,
  o: {
    label?: string;
    host?: string;
    /** asks the engine for a live Docker run's nodes: reads only (list, logs) */
    inspect?: InspectRun;
    /** how long the engine has to answer (default 5 s) */
    inspectTimeoutMs?: number;
    /** how long an answer is shown again before the engine is asked anew (default 3 s) */
    inspectCacheMs?: number;
  } = {},
): Promise<FastifyInstance> {
  let rootReal: string;
  try {
    rootReal = await fs.realpath(resultsDir);
    if (!(await fs.stat(rootReal)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new UserError(`${resultsDir} is not a folder: give the results folder with --results DIR`);
  }
  const label = o.label ?? resultsDir;
  // closing drops open event streams: a live page left open must not keep the server from stopping
  const app = Fastify({ logger: false, forceCloseConnections: true });

  const loopbackOnly = ['127.0.0.1', '::1', 'localhost', undefined].includes(o.host);
  app.addHook('onRequest', async (req, reply) => {
    if (!loopbackOnly) return;
    const host = (req.headers.host ?? '').toLowerCase();
    const port = req.socket.localPort;
    if (LOOPBACK_NAMES.some((n) => host === `${n}:${port}` || (port === 80 && host === n))) return;
    return reply
      .code(403)
      .type('text/plain; charset=utf-8')
      .send(`refused: Host ${JSON.stringify(host).slice(0, 80)} is not this machine's loopback (open http://127.0.0.1:${port}/)\n`);
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-cache');
    return payload;
  });

  const html = (reply: FastifyReply, csp: string, body: string) => reply.type('text/html; charset=utf-8').header('content-security-policy', csp).send(body);
  const text = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/plain; charset=utf-8').send(`${body}\n`);

  app.get('/', async (_req, reply) => html(reply, INDEX_CSP, indexPage(await scanResults(rootReal), label)));

  /**
   * the Markdown `file` of folder `dir` as a page: the images `charts` names drawn interactively,
   * the other PNGs inline; `note` is put first, `more` (Markdown) after it
   */
  async function markdownOf(
    reply: FastifyReply,
    dir: string,
    rel: string,
    file: string,
    o: { note?: string; more?: (md: string) => Promise<string>; charts?: Record<string, ChartConfiguration>; links?: PageLink[] } = {},
  ) {
    const read = (await readInside(rootReal, path.join(dir, file)))?.toString('utf8');
    if (read === undefined) return text(reply, 404, `${rel}/${file} cannot be read`);
    const md = read + (o.more ? await o.more(read) : '');
    const charts = o.charts ?? {};
    const images: Record<string, Buffer> = {};
    for (const src of imageSources(md)) {
      if (charts[src] || !src.toLowerCase().endsWith('.png') || /^[a-z][a-z0-9+.-]*:|^\//i.test(src)) continue;
      const png = await readInside(rootReal, path.join(dir, src));
      if (png) images[src] = png;
    }
    const title = /^# (.+)$/m.exec(md)?.[1] ?? rel;
    return html(reply, PAGE_CSP, markdownPage(o.note ? `${o.note}\n\n${md}` : md, { title, rel, images, charts, links: o.links }));
  }

  /** the PNGs of a comparison's plots/ that its Markdown does not show (comparisons made before comparison.md showed them), as Markdown */
  async function unshownPlots(dir: string, md: string): Promise<string> {
    const plots = await resolveInside(rootReal, [...path.relative(rootReal, dir).split(path.sep).filter(Boolean), 'plots']);
    const names = plots ? await fs.readdir(plots).catch(() => [] as string[]) : [];
    const shown = new Set(imageSources(md));
    const more = names.filter((f) => f.toLowerCase().endsWith('.png') && !shown.has(`plots/${f}`)).sort();
    return more.length ? `\n## Plots\n\n${more.map((f) => `![${f}](plots/${encodeURI(f)})\n`).join('\n')}` : '';
  }

  /** the topology page of the run folder `dir` (a real path inside the results folder), or null when it has no topology.yaml */
  async function topologyOf(reply: FastifyReply, dir: string, rel: string) {
    const yaml = (await readInside(rootReal, path.join(dir, 'topology.yaml')))?.toString('utf8');
    if (yaml === undefined) return null;
    let t: ReturnType<typeof parseTopology>;
    try {
      t = parseTopology(yaml, `${rel}/topology.yaml`);
    } catch (err) {
      return text(reply, 422, `${rel}/topology.yaml is not a topology this testbed reads: ${(err as Error).message}`);
    }
    const fileSays = Object.values(t.countries).reduce((s, c) => s + c.peers, 0);
    const scaled = Number(SCALED.exec(yaml)?.[1]);
    const ran = Number.isSafeInteger(scaled) && scaled > 0 && scaled !== fileSays ? withPeers(t, scaled) : t;
    const live = await readLive(rootReal, dir);
    const inDocker = liveDockerRun(live, live?.state === 'running' ? await runtimeOfInfo(dir) : undefined) !== null;
    const page = topologyPage(ran, {
      rel,
      folderUrl: folderUrlOf(rel),
      scaledFrom: ran === t ? undefined : fileSays,
      live: live ? liveNote(live.text) : null,
      nodesUrl: inDocker ? `${folderUrlOf(rel)}topology/nodes` : undefined,
    });
    return html(reply, TOPOLOGY_CSP, page);
  }

  /** the runtime run.json of folder `dir` names, if it can be read */
  async function runtimeOfInfo(dir: string): Promise<unknown> {
    try {
      return (JSON.parse((await readInside(rootReal, path.join(dir, 'run.json')))?.toString('utf8') ?? '{}') as { runtime?: unknown } | null)?.runtime;
    } catch {
      return undefined;
    }
  }

  // the engine's answers, by folder, run and country: a page reloaded, or opened by several, asks
  // it once every few seconds; a question still unanswered is not asked again on top of itself
  const inspect = o.inspect ?? inspectRun;
  const inspectTimeoutMs = o.inspectTimeoutMs ?? 5000;
  const inspectCacheMs = o.inspectCacheMs ?? 3000;
  type Asked = { answer: Promise<RunInspection & { asOf: string }>; started: number; done?: number };
  const asked = new Map<string, Asked>();
  function ask(key: string, runId: string, plan: Plan | null, country: string): Promise<RunInspection & { asOf: string }> {
    const now = Date.now();
    for (const [k, a] of asked) if (a.done !== undefined ? now - a.done >= inspectCacheMs : now - a.started >= 60_000) asked.delete(k);
    const hit = asked.get(key);
    if (hit) return hit.answer;
    const a: Asked = { answer: inspect(runId, plan, { country }).then((r) => ({ ...r, asOf: new Date().toISOString() })), started: now };
    a.answer.then(
      () => (a.done = Date.now()),
      () => (a.done = Date.now()),
    );
    asked.set(key, a);
    return a.answer;
  }

  /**
   * `topology/nodes?country=XX` of the run folder `dir` (a real path inside the results folder,
   * holding topology.yaml): the country's nodes from the engine while the run goes on in Docker
   */
  async function nodesOf(reply: FastifyReply, dir: string, rel: string, query: Record<string, unknown>) {
    const inDir = path.relative(rootReal, dir).split(path.sep).filter(Boolean);
    const live = await readLive(rootReal, dir);
    const run = liveDockerRun(live, live?.state === 'running' ? await runtimeOfInfo(dir) : undefined);
    if (!run)
      return text(
        reply,
        404,
        `${rel} is not a run going on in Docker (${live ? `its live.json says ${live.state === 'running' ? 'it runs in another runtime' : live.state}` : 'it has no live.json'}): a country's nodes are read from the Docker engine only while the run is running there; its topology page has the numbers of its plan`,
      );
    let t: ReturnType<typeof parseTopology>;
    try {
      t = parseTopology((await readInside(rootReal, path.join(dir, 'topology.yaml')))?.toString('utf8') ?? '', `${rel}/topology.yaml`);
    } catch (err) {
      return text(reply, 422, `${rel}/topology.yaml is not a topology this testbed reads: ${(err as Error).message}`);
    }
    let country: string;
    try {
      country = countryOf(query.country, Object.keys(t.countries));
      if (query.format !== undefined && query.format !== 'json' && query.format !== 'html') throw new BadPath('format: json or html');
    } catch (err) {
      if (err instanceof BadPath) return text(reply, 400, `refused: ${err.message}`);
      throw err;
    }
    const json = query.format === 'json';
    const planFile = await resolveInside(rootReal, [...inDir, ...run.planIn, 'plan.json']);
    let plan: Plan | null = null;
    try {
      const read = planFile ? (JSON.parse((await readInside(rootReal, planFile))?.toString('utf8') ?? 'null') as Plan | null) : null;
      plan = Array.isArray(read?.containers) ? read : null;
    } catch {
      plan = null;
    }
    const folderUrl = folderUrlOf(rel);
    const page = { rel, folderUrl, runId: run.runId, country };
    const problem = (code: number, said: string) =>
      json ? reply.code(code).send({ runId: run.runId, country, error: said }) : html(reply.code(code), TOPOLOGY_CSP, nodesPage({ ...page, problem: said }));
    let answer: (RunInspection & { asOf: string }) | 'late';
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(resolve, inspectTimeoutMs, 'late');
      });
      answer = await Promise.race([ask(JSON.stringify([dir, run.runId, country]), run.runId, plan, country), late]);
    } catch (err) {
      return problem(502, `the Docker engine answered with an error: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (answer === 'late') return problem(504, `the Docker engine did not answer within ${inspectTimeoutMs / 1000} s: it may be busy with the run; reload to ask again`);
    const notes = [
      ...(plan ? [] : [`no plan.json of run ${run.runId} in ${rel}: the countries of the nodes are not known, so none is shown`]),
      ...(answer.containers ? [] : [`the Docker engine has no container of run ${run.runId} now: the run is between two repetitions, starting, or has just ended`]),
      ...answer.unreachable.map((u) => `not listed: ${u}`),
    ];
    if (json) return reply.send({ runId: run.runId, country, asOf: answer.asOf, containers: answer.containers, notes, rows: answer.rows });
    return html(reply, TOPOLOGY_CSP, nodesPage({ ...page, rows: answer.rows, asOf: answer.asOf, notes }));
  }

  async function folderPage(reply: FastifyReply, dir: string, rel: string) {
    const inDir = path.relative(rootReal, dir).split(path.sep).filter(Boolean);
    const has = async (f: string) => (await resolveInside(rootReal, [...inDir, f])) !== null;
    const report = `\`npx testbed report ${path.join(label, rel)}\``;
    if ((await has('run.json')) || (await has('summary.json')) || (await has('live.json'))) {
      const links = (await has('topology.yaml')) ? [{ href: `${folderUrlOf(rel)}topology`, text: 'topology' }] : [];
      const page = await readInside(rootReal, path.join(dir, 'report.html'));
      if (page) return html(reply, PAGE_CSP, withNav(page.toString('utf8'), rel, links));
      // no report yet: a run that says how far it got does so on its live page
      if (!(await has('report.md')) && (await readLive(rootReal, dir))) return reply.redirect(`${folderUrlOf(rel)}live`, 302);
      if (await has('report.md'))
        return markdownOf(reply, dir, rel, 'report.md', {
          note: `> This folder has no report.html, so this page is its report.md with the plots as pictures; ${report} writes report.html with the charts drawn interactively.`,
          links,
        });
      return text(reply, 404, `${rel} has no report.md yet: the run is still going, or was stopped before its analysis; ${report.replace(/`/g, '')} writes it from raw/`);
    }
    if (await has('comparison.md')) {
      const page = await readInside(rootReal, path.join(dir, 'comparison.html'));
      if (page) return html(reply, PAGE_CSP, withNav(page.toString('utf8'), rel));
      return markdownOf(reply, dir, rel, 'comparison.md', {
        note: `> This comparison has no comparison.html (it was made before \`testbed compare\` wrote one), so its plots are pictures; \`npx testbed compare ${path.join(label, rel)}\` compares its runs again into a new folder, with the charts drawn interactively.`,
        more: (md) => unshownPlots(dir, md),
      });
    }
    if (await has('crosscheck.md')) return markdownOf(reply, dir, rel, 'crosscheck.md');
    if (await has('scaling.md')) {
      // the charts drawn from the rows of scaling.json, as experiment/scaling.ts draws its PNGs
      const rows = scalingRows(await readInside(rootReal, path.join(dir, 'scaling.json')));
      return markdownOf(reply, dir, rel, 'scaling.md', rows ? { charts: scalingCharts(rows) } : {});
    }
    return text(reply, 404, `${rel} is not a results folder (no run.json, summary.json, comparison.md, crosscheck.md or scaling.md)`);
  }

  app.get('/runs/*', async (req, reply) => {
    let p: ReturnType<typeof urlSegments>;
    try {
      p = urlSegments(req.raw.url ?? '', '/runs/');
    } catch (err) {
      if (err instanceof BadPath) return text(reply, 400, `refused: ${err.message}`);
      throw err;
    }
    if (!p.segments.length) return reply.redirect('/', 302);
    // `live` and `live/events` after a folder that holds live.json (a run writes no file of that name)
    const last = p.trailingSlash ? undefined : p.segments.at(-1);
    const events = last === 'events' && p.segments.at(-2) === 'live';
    const liveOf = events ? p.segments.slice(0, -2) : last === 'live' ? p.segments.slice(0, -1) : [];
    const liveDir = liveOf.length ? await resolveInside(rootReal, liveOf) : null;
    if (liveDir && (await readLive(rootReal, liveDir))) {
      // HEAD: the headers alone, not a stream that never ends
      if (events && req.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send('');
      if (events) return liveEvents(reply, rootReal, liveDir);
      return html(reply, LIVE_CSP, livePage(liveOf.join('/'), { topology: (await resolveInside(rootReal, [...liveOf, 'topology.yaml'])) !== null }));
    }
    // `topology/nodes` after a folder that holds topology.yaml
    if (last === 'nodes' && p.segments.at(-2) === 'topology' && p.segments.length > 2) {
      const of = p.segments.slice(0, -2);
      const dir = await resolveInside(rootReal, of);
      if (dir && (await fs.stat(dir).catch(() => null))?.isDirectory() && (await resolveInside(rootReal, [...of, 'topology.yaml'])))
        return nodesOf(reply, dir, of.join('/'), (req.query ?? {}) as Record<string, unknown>);
    }
    // `topology` after a folder that holds topology.yaml (no run writes a file of that name)
    if (last === 'topology' && p.segments.length > 1) {
      const of = p.segments.slice(0, -1);
      const dir = await resolveInside(rootReal, of);
      if (dir && (await fs.stat(dir).catch(() => null))?.isDirectory()) {
        const sent = await topologyOf(reply, dir, of.join('/'));
        if (sent) return sent;
      }
    }
    const rel = p.segments.join('/');
    const real = await resolveInside(rootReal, p.segments);
    if (!real) return text(reply, 404, `not found: ${rel}`);
    const st = await fs.stat(real);
    if (st.isDirectory()) {
      if (!p.trailingSlash) return reply.redirect(`/runs/${p.segments.map(encodeURIComponent).join('/')}/`, 301);
      return folderPage(reply, real, rel);
    }
    if (!st.isFile() || p.trailingSlash) return text(reply, 404, `not found: ${rel}`);
    const f = await openInside(rootReal, real);
    if (!f) return text(reply, 404, `not found: ${rel}`);
    const type = contentType(real);
    // the bytes the file had when it was opened, without a length: a file a run still appends
    // to (raw/<dc>/reports.jsonl) must not break the response's framing
    const stream = f.size ? f.handle.createReadStream({ start: 0, end: f.size - 1 }) : (await f.handle.close(), '');
    return reply
      .type(type)
      .header('content-security-policy', type.startsWith('text/html') ? PAGE_CSP : FILE_CSP)
      .send(stream);
  });

  return app;
}
