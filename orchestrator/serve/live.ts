// A run in progress for `testbed serve`: its live.json (written by the run, progress/live.ts) read
// through safe.ts, and pushed to a page as server-sent events. The server keeps to reading: it
// polls the file (every 500 ms; a poll works on any file system, where fs.watch misses renames on
// some and cannot see a folder shared over the network), sends it when its text changed, and ends
// the stream with an `end` event once the run is no longer running.
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import { LIVE_FILE } from '../progress/live.ts';
import { readInside } from './safe.ts';

/** live.json of folder `dir` (a real path inside the results folder) on one line, and its state; null when there is none or it is not a live state */
export async function readLive(rootReal: string, dir: string): Promise<{ text: string; state: string } | null> {
  const bytes = await readInside(rootReal, path.join(dir, LIVE_FILE));
  if (!bytes) return null;
  try {
    const x = JSON.parse(bytes.toString('utf8')) as { state?: unknown };
    if (x === null || typeof x !== 'object' || typeof x.state !== 'string') return null;
    // one line whatever the file's layout: an event's data may not hold a bare newline
    return { text: JSON.stringify(x), state: x.state };
  } catch {
    return null;
  }
}

/**
 * The event stream of folder `dir`: live.json at once, again whenever it changes, then `end`
 * (its data the last state, or "gone" when the file went away) and the response closed.
 */
export function liveEvents(reply: FastifyReply, rootReal: string, dir: string, pollMs = 500): void {
  // the stream is written by hand: fastify's reply would wait for a payload that never ends
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  let last = '';
  let busy = false;
  const stop = () => {
    clearInterval(poll);
    clearInterval(keepAlive);
    if (!res.writableEnded) res.end();
  };
  const end = (state: string) => {
    res.write(`event: end\ndata: ${JSON.stringify({ state })}\n\n`);
    stop();
  };
  const check = async () => {
    // a slow disk must not stack reads up
    if (busy || res.writableEnded) return;
    busy = true;
    try {
      const live = await readLive(rootReal, dir);
      if (res.writableEnded) return;
      if (!live) return end('gone');
      if (live.text !== last) {
        last = live.text;
        res.write(`data: ${live.text}\n\n`);
      }
      if (live.state !== 'running') end(live.state);
    } finally {
      busy = false;
    }
  };
  const poll = setInterval(check, pollMs);
  // a comment now and then: a proxy or the browser must not take a quiet run for a dead connection
  const keepAlive = setInterval(() => res.write(': still here\n\n'), 15_000);
  res.on('close', stop);
  void check();
}
