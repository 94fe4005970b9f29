// Two attacks on a data centre's memory over loopback TCP, and a well-behaved client to time
// meanwhile: used by dc-budget.int.test.ts (against a data centre in the test's process) and by
// bench/dc-memory.ts (against the program). Each attacking connection stays below its own
// per-connection limits (maxFrameBytes, maxQueuedBytes); only their sum is too much.
import net from 'node:net';
import { tcpDialer } from '../../node-image/adapters/tcp.ts';
import { Channel, channelOptions } from '../../node-image/core/channel.ts';
import type { Clock } from '../../node-image/core/clock.ts';
import { encode } from '../../node-image/core/codec.ts';
import { trackBytes } from '../../node-image/core/content.ts';
import type { MessageOf } from '../../node-image/core/messages.ts';
import type { ProtocolParams } from '../../node-image/core/params.ts';

const login = (id: string): MessageOf<'login'>['body'] => ({ clientId: id, user: id, country: 'GB', listenHost: '127.0.0.1', listenPort: 1 });

/** a raw socket to the data centre; `closed` settles when it is gone, `written` when `bytes` are handed to the kernel */
function connect(port: number, bytes: Buffer, read: boolean): Promise<{ sock: net.Socket; written: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      // the data centre may close it at any time: that is the point
      sock.on('error', () => {});
      if (!read) sock.pause();
      const written = new Promise<void>((done) => {
        sock.write(bytes, () => done());
        sock.once('close', () => done());
      });
      resolve({ sock, written });
    });
  });
}

/**
 * `n` connections that each begin a frame of maxFrameBytes and send all of it but `short` bytes:
 * each holds just under one frame in the data centre's decoder until partialFrameMs
 */
export async function partialFrames(port: number, n: number, maxFrameBytes: number, short = 1): Promise<net.Socket[]> {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(maxFrameBytes);
  const bytes = Buffer.concat([head, Buffer.alloc(maxFrameBytes - short, 0x5a)]);
  const conns = await Promise.all(Array.from({ length: n }, () => connect(port, bytes, true)));
  await Promise.all(conns.map((c) => c.written));
  return conns.map((c) => c.sock);
}

/** a q9 track of at least `bytes` */
function trackOfAtLeast(bytes: number): number {
  for (let t = 1; ; t++) if (trackBytes(t, 'q9') >= bytes) return t;
}

/**
 * `n` clients that log in, ask for `bytes` of a track and never read: the data centre queues what
 * the sockets do not take, a little under `bytes` each (kept under maxQueuedBytes, so its own limit
 * never closes them). With `pingMs` each sends a ping that often, so that the keep-alive timeout
 * (deadAfterMs) does not close them either.
 */
export async function slowReaders(port: number, n: number, bytes: number, pingMs?: number): Promise<net.Socket[]> {
  const track = trackOfAtLeast(bytes);
  const conns = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      connect(port, Buffer.concat([encode({ type: 'login', body: login(`slow-${i}`) }), encode({ type: 'dataRequest', body: { rid: 1, track, quality: 'q9', offset: 0, length: bytes } })]), false),
    ),
  );
  await Promise.all(conns.map((c) => c.written));
  if (pingMs !== undefined) {
    const ping = encode({ type: 'ping', body: {} });
    for (const { sock } of conns) {
      const timer = setInterval(() => sock.write(ping), pingMs);
      sock.once('close', () => clearInterval(timer));
    }
  }
  return conns.map((c) => c.sock);
}

/**
 * A well-behaved client: logs in, then asks one thing at a time (a tracker query, then a chunk of
 * data), reading everything. `ask()` resolves with the real ms to the whole answer.
 */
export async function normalClient(port: number, clock: Clock, params: ProtocolParams, id = 'good') {
  const ch = new Channel(await tcpDialer.dial('127.0.0.1', port, 5000), clock, channelOptions(params, id));
  let waiting: { want: (t: string, bytes: number) => boolean; done: () => void; fail: (e: Error) => void } | null = null;
  let got = 0;
  let closed = '';
  ch.onMessage = (m) => {
    const bytes = m.type === 'data' ? (m.payload?.length ?? 0) : 0;
    if (waiting?.want(m.type, bytes)) {
      const w = waiting;
      waiting = null;
      w.done();
    }
  };
  ch.onClosed = (r) => {
    closed = r;
    waiting?.fail(new Error(`the well-behaved client's connection closed: ${r}`));
  };
  const exchange = (send: () => void, want: (t: string, bytes: number) => boolean) =>
    new Promise<void>((done, fail) => {
      waiting = { want, done, fail };
      send();
    });
  await exchange(
    () => ch.send('login', login(id)),
    (t) => t === 'loginOk',
  );
  let qid = 0;
  return {
    ch,
    closed: () => closed,
    /** one tracker query and one chunk of data, in turn; real ms to both answers */
    async ask(): Promise<number> {
      const t0 = performance.now();
      const q = ++qid;
      await exchange(
        () => ch.send('trackerQuery', { qid: q, track: 3, quality: 'q5' }),
        (t) => t === 'trackerAnswer',
      );
      got = 0;
      await exchange(
        () => ch.send('dataRequest', { rid: q, track: 3, quality: 'q5', offset: 0, length: params.chunkBytes }),
        (t, bytes) => t === 'data' && (got += bytes) >= params.chunkBytes,
      );
      return performance.now() - t0;
    },
  };
}

/** asks in turn until `stop` settles; the latencies */
export async function askUntil(client: Awaited<ReturnType<typeof normalClient>>, stop: Promise<unknown>): Promise<number[]> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const out: number[] = [];
  while (!stopped && client.ch.isOpen) out.push(await client.ask());
  return out;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
