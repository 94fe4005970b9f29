// Codec throughput, and the resident memory of one client process idle and holding 50 peer
// connections (real processes on loopback, measured from /proc).
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { listen, tcpDialer } from '../node-image/adapters/tcp.ts';
import { clientArgv } from '../node-image/contract.ts';
import { Channel } from '../node-image/core/channel.ts';
import { realClock } from '../node-image/core/clock.ts';
import { encode, FrameDecoder } from '../node-image/core/codec.ts';
import { resolveParams } from '../node-image/core/params.ts';

function codec(kind: string, make: (i: number) => Parameters<typeof encode>[0], n: number) {
  const t0 = performance.now();
  const frames = Array.from({ length: n }, (_, i) => encode(make(i)));
  const t1 = performance.now();
  const dec = new FrameDecoder(1 << 20);
  let got = 0;
  for (const f of frames) got += dec.push(f).length;
  const t2 = performance.now();
  const bytes = frames.reduce((s, f) => s + f.length, 0);
  if (got !== n) throw new Error('decode lost frames');
  return {
    kind,
    messages: n,
    bytes,
    encodeMBps: +(bytes / 1e6 / ((t1 - t0) / 1000)).toFixed(1),
    decodeMBps: +(bytes / 1e6 / ((t2 - t1) / 1000)).toFixed(1),
    msgsPerSec: Math.round(n / ((t2 - t0) / 1000)),
  };
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

async function clientMemory() {
  const root = path.resolve(import.meta.dirname, '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-'));
  const params = resolveParams();
  const clock = realClock();
  // a data centre stand-in that accepts the login and answers nothing else: memory is the client's
  const dcSrv = await listen('127.0.0.1', 0, (p) => {
    const ch = new Channel(p, clock, { ...params, name: 'dc' });
    ch.onMessage = (m) => m.type === 'login' && ch.send('loginOk', { dc: 'bench', seenAddress: '127.0.0.1' });
  });
  const dcPort = (dcSrv.address() as net.AddressInfo).port;
  const script = path.join(dir, 'script.jsonl');
  fs.writeFileSync(script, JSON.stringify({ t: 0, action: 'login', user: 'u', country: 'SE', quality: 'q5' }) + '\n' + JSON.stringify({ t: 3_600_000, action: 'logout' }) + '\n');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = execa(
    process.execPath,
    ['--import', 'tsx', 'node-image/client/main.ts', ...clientArgv({ name: 'bench', server: { host: '127.0.0.1', port: dcPort }, script, listenPort: port, cacheDir: path.join(dir, 'cache') })],
    { cwd: root, reject: false, buffer: false },
  );
  await new Promise<void>((resolve) => proc.stdout!.on('data', (b: Buffer) => b.toString().includes('READY') && resolve()));
  await new Promise((r) => setTimeout(r, 2000));
  const idle = rssKb(proc.pid!);
  const peers: Channel[] = [];
  for (let i = 0; i < 50; i++) {
    const ch = new Channel(await tcpDialer.dial('127.0.0.1', port, 2000), clock, { ...params, name: 'p' });
    ch.send('hello', { clientId: `peer${i}`, host: '127.0.0.1', port: 1, dc: 'bench' });
    peers.push(ch);
  }
  await new Promise((r) => setTimeout(r, 3000));
  const with50 = rssKb(proc.pid!);
  peers.forEach((c) => c.close('done'));
  proc.kill('SIGTERM');
  await proc;
  dcSrv.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    idleClientRssMB: +(idle / 1024).toFixed(1),
    clientWith50PeersRssMB: +(with50 / 1024).toFixed(1),
    note: 'client run through tsx (TypeScript loader included); the container image runs compiled JavaScript',
  };
}

export async function run() {
  const chunk = Buffer.alloc(16 * 1024, 7);
  return {
    codec: [
      codec('chunk 16 kB', (i) => ({ type: 'chunk', body: { rid: i, index: i }, payload: chunk }), 20_000),
      codec('tracker query', (i) => ({ type: 'trackerQuery', body: { qid: i, track: i, quality: 'q5' } }), 200_000),
      codec('search', (i) => ({ type: 'search', body: { qid: `c:${i}`, track: i, quality: 'q9', ttl: 2 } }), 200_000),
    ],
    memory: await clientMemory(),
  };
}
