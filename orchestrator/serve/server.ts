// `testbed serve`: the results folder over HTTP, read-only (docs/architecture.md, "Results").
// It starts, stops and writes nothing: every page is made from the files as they are at the
// request. Routes (fastify):
//   /                     the index of results folders (pages.ts)
//   /runs/<folder>/       a run's report.html (made from report.md when it is missing), or a
//                         comparison's, cross-check's or scaling experiment's Markdown as HTML
//   /runs/<folder>/<file> a file inside, with its content type
//   /runs/<folder>/live   a run's live page, while it runs and after (live-page.ts), for a folder
//                         with live.json; /runs/<folder>/live/events its server-sent events (live.ts)
// Every path goes through safe.ts: refused (400) when it could name a parent or carries an encoded
// separator, not found (404) when it resolves, symlinks and all, outside the results folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { UserError } from '../errors.ts';
import { liveEvents, readLive } from './live.ts';
import { livePage } from './live-page.ts';
import { indexPage, markdownPage } from './pages.ts';
import { BadPath, openInside, readInside, resolveInside, urlSegments } from './safe.ts';
import { scanResults } from './scan.ts';

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
// any other file is data: nothing in it runs
const FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/** `![alt](src)` sources of a Markdown text */
const imageSources = (md: string) => [...md.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)/g)].map((m) => m[1]);

/** the URL of a results folder's page */
const folderUrlOf = (rel: string) => `/runs/${rel.split('/').map(encodeURIComponent).join('/')}/`;

/** the names a browser may use for a server bound to loopback: any other Host is a page of another site that rebound its name to 127.0.0.1 (DNS rebinding) */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * `host`: the address it will listen on. On loopback (the default) a request is answered only
 * when its Host header names loopback; bound elsewhere, the user has chosen to expose the results.
 */
export async function buildServer(resultsDir: string, o: { label?: string; host?: string } = {}): Promise<FastifyInstance> {
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

  /** the Markdown `file` of folder `dir` as a page, its PNGs inline; `note` is put first */
  async function markdownOf(reply: FastifyReply, dir: string, rel: string, file: string, note?: string) {
    const md = (await readInside(rootReal, path.join(dir, file)))?.toString('utf8');
    if (md === undefined) return text(reply, 404, `${rel}/${file} cannot be read`);
    const images: Record<string, Buffer> = {};
    for (const src of imageSources(md)) {
      if (!src.toLowerCase().endsWith('.png') || /^[a-z][a-z0-9+.-]*:|^\//i.test(src)) continue;
      const png = await readInside(rootReal, path.join(dir, src));
      if (png) images[src] = png;
    }
    const title = /^# (.+)$/m.exec(md)?.[1] ?? rel;
    return html(reply, PAGE_CSP, markdownPage(note ? `${note}\n\n${md}` : md, { title, rel, images }));
  }

  async function folderPage(reply: FastifyReply, dir: string, rel: string) {
    const inDir = path.relative(rootReal, dir).split(path.sep).filter(Boolean);
    const has = async (f: string) => (await resolveInside(rootReal, [...inDir, f])) !== null;
    const report = `\`npx testbed report ${path.join(label, rel)}\``;
    if ((await has('run.json')) || (await has('summary.json')) || (await has('live.json'))) {
      const page = await readInside(rootReal, path.join(dir, 'report.html'));
      if (page) return html(reply, PAGE_CSP, page.toString('utf8'));
      // no report yet: a run that says how far it got does so on its live page
      if (!(await has('report.md')) && (await readLive(rootReal, dir))) return reply.redirect(`${folderUrlOf(rel)}live`, 302);
      if (await has('report.md'))
        return markdownOf(
          reply,
          dir,
          rel,
          'report.md',
          `> This folder has no report.html, so this page is its report.md with the plots as pictures; ${report} writes report.html with the charts drawn interactively.`,
        );
      return text(reply, 404, `${rel} has no report.md yet: the run is still going, or was stopped before its analysis; ${report.replace(/`/g, '')} writes it from raw/`);
    }
    for (const f of ['comparison.md', 'crosscheck.md', 'scaling.md']) if (await has(f)) return markdownOf(reply, dir, rel, f);
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
      return html(reply, LIVE_CSP, livePage(liveOf.join('/')));
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
