// The protocol over real TCP on loopback: the data centre and clients in this process, on the
// same adapters the programs use (node:net sockets, files for the cache and the sink).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maybeDelayed, type ReceiveDelay, withReceiveDelay } from '../../node-image/adapters/delay.ts';
import { FileSink } from '../../node-image/adapters/file-sink.ts';
import { FileStore } from '../../node-image/adapters/fs-store.ts';
import { listen, tcpDialer } from '../../node-image/adapters/tcp.ts';
import { Channel } from '../../node-image/core/channel.ts';
import { Client } from '../../node-image/core/client.ts';
import { realClock } from '../../node-image/core/clock.ts';
import { DataCentre } from '../../node-image/core/dc.ts';
import { resolveParams } from '../../node-image/core/params.ts';
import type { ConnectReport, PlayReport, Report } from '../../node-image/core/reports.ts';

const params = resolveParams({ keepaliveMs: 300, deadAfterMs: 1000, connectTimeoutMs: 500, reversalWaitMs: 1500, searchWaitMs: 100 });
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-int-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clock = realClock({ scale: 40 });
  const port = await freePort();
  const sinkFile = path.join(dir, 'reports.jsonl');
  const startDc = async () => {
    const sink = new FileSink(sinkFile);
    const dc = new DataCentre('stockholm', params, clock, sink);
    const channels = new Set<Channel>();
    const server = await listen('127.0.0.1', port, (p) => {
      const ch = new Channel(p, clock, { ...params, name: 'c' });
      channels.add(ch);
      dc.accept(ch);
    });
    const stop = () => {
      server.close();
      for (const ch of channels) ch.close('dc stopped');
      sink.close();
    };
    cleanups.push(stop);
    return { dc, stop };
  };
  const clients: Client[] = [];
  cleanups.push(() => clients.forEach((c) => c.stop()));
  const client = async (name: string, opts: { advertisePort?: number; rxDelay?: ReceiveDelay } = {}) => {
    const lp = await freePort();
    const c = new Client({
      clock,
      params,
      dialer: withReceiveDelay(tcpDialer, opts.rxDelay ?? null),
      store: new FileStore(path.join(dir, name)),
      random: Math.random,
      log: () => {},
      locateServer: async () => ({ host: '127.0.0.1', port }),
      identity: { clientId: name, advertiseHost: '127.0.0.1', advertisePort: opts.advertisePort ?? lp, localAddress: '127.0.0.1', upnp: { ok: false, error: 'off' } },
    });
    const srv = await listen('127.0.0.1', lp, (p) => c.acceptPeer(maybeDelayed(p, opts.rxDelay ?? null)));
    cleanups.push(() => srv.close());
    clients.push(c);
    return c;
  };
  const reports = (): Report[] =>
    fs
      .readFileSync(sinkFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const until = async (what: string, cond: () => boolean, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { startDc, client, reports, until };
}

const playsOf = (rs: Report[], id: string) => rs.filter((r): r is PlayReport => r.type === 'play' && r.clientId === id);

describe('protocol over TCP on loopback', () => {
  it('streams from the server and then from a peer, and reverses a connection to an unreachable peer', async () => {
    const w = await setup();
    await w.startDc();
    const seed = await w.client('seed', { advertisePort: 1 }); // nothing listens on port 1: only reversal reaches it
    const fan = await w.client('fan');
    seed.login('u1', 'SE', 'q5');
    fan.login('u2', 'SE', 'q5');
    seed.play(21, 'random');
    await w.until('seed finishing its play', () => playsOf(w.reports(), 'seed').length === 1);
    fan.play(21, 'random');
    await w.until('fan finishing its play', () => playsOf(w.reports(), 'fan').length === 1);
    const [p] = playsOf(w.reports(), 'fan');
    expect(p.bytes.p2p).toBeGreaterThan(0);
    expect(p.sha256).toBe(p.expectedSha256);
    const c = w.reports().find((r): r is ConnectReport => r.type === 'connect' && r.clientId === 'fan');
    expect(c?.outcome).toBe('reversed');
  });

  it('holds what a client receives for its link delay where netem is missing: first audio comes a round trip later', async () => {
    const w = await setup();
    await w.startDc();
    const near = await w.client('near');
    const far = await w.client('far', { rxDelay: { ms: 250, jitterMs: 20 } });
    near.login('u1', 'SE', 'q5');
    far.login('u2', 'SE', 'q5');
    await w.until('both logged in', () => near.connected && far.connected);
    near.play(31, 'random');
    far.play(32, 'random');
    await w.until('both plays', () => playsOf(w.reports(), 'near').length === 1 && playsOf(w.reports(), 'far').length === 1);
    const [n] = playsOf(w.reports(), 'near');
    const [f] = playsOf(w.reports(), 'far');
    expect(f.latencyMs).toBeGreaterThanOrEqual(230);
    expect(n.latencyMs).toBeLessThan(f.latencyMs - 150);
    expect(f.sha256).toBe(f.expectedSha256);
  });

  it('closes a connection that sends garbage and keeps serving the others', async () => {
    const w = await setup();
    const { dc } = await w.startDc();
    const a = await w.client('a');
    a.login('ua', 'SE', 'q5');
    await w.until('login', () => a.connected && dc.online === 1);
    const port = await new Promise<number>((resolve) => {
      // the dc's port: the client knows it
      void a.deps.locateServer().then((s) => resolve(s.port));
    });
    const bad = net.connect(port, '127.0.0.1');
    await new Promise((r) => bad.once('connect', r));
    bad.write(Buffer.from([0, 0, 0, 5, 77, 1, 2, 3, 4]));
    await new Promise((r) => bad.once('close', r));
    expect(dc.stats.badConnections).toBe(1);
    a.play(22, 'random');
    await w.until('a still playing through the dc', () => playsOf(w.reports(), 'a').length === 1);
    expect(dc.online).toBe(1);
  });

  it('loses no report when the data centre goes away and comes back', async () => {
    const w = await setup();
    const first = await w.startDc();
    const a = await w.client('a');
    a.login('ua', 'SE', 'q5');
    a.play(23, 'random');
    await w.until('first play', () => playsOf(w.reports(), 'a').length === 1);
    first.stop();
    a.play(24, 'random'); // generated while the data centre is down
    await new Promise((r) => setTimeout(r, 300));
    await w.startDc();
    await w.until('second play after the restart', () => playsOf(w.reports(), 'a').length === 2);
    a.logout();
    expect(await a.drain(10_000)).toBe(true);
    const seqs = w
      .reports()
      .filter((r) => r.clientId === 'a')
      .map((r) => r.seq)
      .sort((x, y) => x - y);
    expect(seqs).toEqual([...Array(a.generated).keys()]);
  });
});
