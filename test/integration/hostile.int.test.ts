// The data centre against hostile clients over real TCP on loopback: one that asks for whole
// tracks and never reads, and slowloris connections that trickle a frame. Each is closed, the
// data centre's memory stays bounded, and a well-behaved client is answered promptly meanwhile.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, tcpDialer } from '../../node-image/adapters/tcp.ts';
import { Channel, channelOptions } from '../../node-image/core/channel.ts';
import { realClock } from '../../node-image/core/clock.ts';
import { encode } from '../../node-image/core/codec.ts';
import { DataCentre, type ReportSink } from '../../node-image/core/dc.ts';
import type { Message } from '../../node-image/core/messages.ts';
import { resolveParams } from '../../node-image/core/params.ts';

const params = resolveParams({ keepaliveMs: 500, deadAfterMs: 4000, partialFrameMs: 1500, maxQueuedBytes: 4 << 20 });
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function startDc() {
  const clock = realClock({ scale: 1 });
  const sink: ReportSink = { append: async () => {}, storedKeys: () => [] };
  const dc = new DataCentre('london', params, clock, sink);
  const reasons: string[] = [];
  const server = await listen('127.0.0.1', 0, (p) => {
    const ch = new Channel(p, clock, channelOptions(params, 'client'));
    dc.accept(ch);
    const closed = ch.onClosed;
    ch.onClosed = (r, c) => {
      reasons.push(r);
      closed(r, c);
    };
  });
  cleanups.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, reasons, clock };
}

const frame = (m: Message) => encode(m);
const login = (id: string): Message => ({ type: 'login', body: { clientId: id, user: id, country: 'GB', listenHost: '127.0.0.1', listenPort: 1 } });

/** a raw socket that never reads what it is sent */
async function rawClient(port: number): Promise<{ sock: net.Socket; closed: Promise<void> }> {
  // closed: when the data centre ends the connection (seen only by a socket that reads)
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise((r) => sock.once('connect', r));
  sock.pause();
  cleanups.push(() => sock.destroy());
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.on('error', () => {});
  return { sock, closed };
}

async function askTracker(port: number, clock: ReturnType<typeof realClock>): Promise<number> {
  const ch = new Channel(await tcpDialer.dial('127.0.0.1', port, 2000), clock, channelOptions(params, 'good'));
  cleanups.push(() => ch.close('done'));
  const t0 = Date.now();
  const answered = new Promise<void>((resolve) => {
    ch.onMessage = (m) => {
      if (m.type === 'trackerAnswer') resolve();
    };
  });
  ch.send('login', login('good').body as never);
  ch.send('trackerQuery', { qid: 1, track: 3, quality: 'q5' });
  await answered;
  return Date.now() - t0;
}

describe('data centre against hostile clients', () => {
  it('closes a client that requests whole tracks and never reads, with bounded memory, and keeps answering others', async () => {
    const { port, reasons, clock } = await startDc();
    const rss0 = process.memoryUsage().rss;
    const hostile = await rawClient(port);
    hostile.sock.write(frame(login('greedy')));
    // 40 whole tracks of ~5-10 MB each: hundreds of MB if the data centre queued them all
    for (let i = 0; i < 40; i++) hostile.sock.write(frame({ type: 'dataRequest', body: { rid: i, track: i + 1, quality: 'q9', offset: 0, length: 20 << 20 } }));
    // the client is paused, so it may never see the close: wait for the data centre's side
    const until = Date.now() + 10_000;
    while (!reasons.some((r) => /does not read/.test(r)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(
      reasons.some((r) => /does not read: \d+ bytes queued, the limit is 4194304/.test(r)),
      reasons.join('; '),
    ).toBe(true);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(150 << 20);
    expect(await askTracker(port, clock)).toBeLessThan(1000);
  });

  it('closes slowloris connections whose frame never completes, and keeps answering others', async () => {
    const { port, reasons, clock } = await startDc();
    const lorises = await Promise.all(Array.from({ length: 50 }, () => rawClient(port)));
    // announce a 4 KiB frame, then one byte every 300 ms: never silent, never complete
    for (const l of lorises) l.sock.write(Buffer.from([0, 0, 16, 0]));
    const drip = setInterval(() => {
      for (const l of lorises) if (!l.sock.destroyed) l.sock.write(Buffer.from([1]));
    }, 300);
    cleanups.push(() => clearInterval(drip));
    expect(await askTracker(port, clock)).toBeLessThan(1000);
    await Promise.race([Promise.all(lorises.map((l) => l.closed)), new Promise((_, rej) => setTimeout(() => rej(new Error('slowloris connections still open after 8 s')), 8000))]);
    expect(reasons.filter((r) => /took more than 1500 ms/.test(r))).toHaveLength(50);
  });
});
