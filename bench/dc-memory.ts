// The data-centre program's memory and a well-behaved client's latency under the two attacks of
// test/integration/dc-attacks.ts, at full size (1,000 partial frames just under 1 MiB; 150 clients
// that never read, each asking just under maxQueuedBytes), with the budget (dcBufferBytes) at its
// default and switched off (raised past anything the attack can reach). Each run is a fresh
// program on loopback; its RSS is read from /proc. Writes bench/out/dc-memory.json.
//   node --import tsx bench/dc-memory.ts
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { dcArgv } from '../node-image/contract.ts';
import { realClock } from '../node-image/core/clock.ts';
import { resolveProtocol } from '../node-image/core/policies.ts';
import { askUntil, normalClient, partialFrames, percentile, slowReaders } from '../test/integration/dc-attacks.ts';

const root = path.resolve(import.meta.dirname, '..');
const MB = 1e6;
const rssMB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function scenario(attack: 'partial-frames' | 'slow-readers', budget: 'default' | 'off') {
  const overrides = budget === 'off' ? { dcBufferBytes: 2 ** 40 } : {};
  const protocol = resolveProtocol({ params: overrides });
  const { params } = protocol;
  const port = await freePort();
  const sinkDir = fs.mkdtempSync(path.join(root, 'bench', 'out', 'dc-memory-'));
  // its log to a file, not a pipe to this process: Node writes to a pipe synchronously, so a busy
  // reader (this process, sending the attack) would slow the data centre's every log line
  const logFile = path.join(sinkDir, 'dc.log');
  const proc = execa(
    process.execPath,
    ['--import', 'tsx', 'node-image/dc/main.ts', ...dcArgv({ name: 'london', listen: { host: '127.0.0.1', port }, sink: path.join(sinkDir, 'reports.jsonl'), protocol })],
    { cwd: root, reject: false, stdout: { file: logFile } },
  );
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n') : []);
  while (!log().some((l) => l.startsWith('READY'))) await sleep(50);
  await sleep(1000);
  const clock = realClock();
  const good = await normalClient(port, clock, params);
  // before: the idle program, and the client's latency for 2 s without an attack
  const rssBefore = rssMB(proc.pid!);
  const calm = await askUntil(good, sleep(2000));
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMB(proc.pid!))), 50);
  let stop: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const during = askUntil(good, stopped);
  const t0 = performance.now();
  const socks = attack === 'partial-frames' ? await partialFrames(port, 1000, params.maxFrameBytes) : await slowReaders(port, 150, params.maxQueuedBytes - params.maxFrameBytes, params.keepaliveMs);
  const sentMs = performance.now() - t0;
  // partial frames: measured before partialFrameMs (5 s) closes them; slow readers: 30 s later, as
  // they ping and nothing but the budget closes them
  await sleep(attack === 'partial-frames' ? Math.max(0, params.partialFrameMs - sentMs - 1000) : 30_000);
  const rssAfter = rssMB(proc.pid!);
  stop!();
  const ms = await during;
  clearInterval(sampler);
  const endedAt = Date.now();
  for (const s of socks) s.destroy();
  good.ch.close('done');
  proc.kill('SIGTERM');
  await proc;
  const events = log()
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  fs.rmSync(sinkDir, { recursive: true, force: true });
  const exit = events.find((e) => e.event === 'exit') ?? {};
  // the program's last stats line (every 5 s) before the attackers went: what it still held
  const last = events.filter((e) => e.event === 'stats' && Number(e.t) < endedAt).at(-1) ?? {};
  return {
    attack,
    budget: budget === 'off' ? 'off' : `${params.dcBufferBytes / MB} MB (${params.dcBufferBytes} bytes)`,
    rssBeforeMB: +rssBefore.toFixed(0),
    rssPeakMB: +peak.toFixed(0),
    rssAfterMB: +rssAfter.toFixed(0),
    p99CalmMs: +percentile(calm, 99).toFixed(1),
    p99DuringMs: +percentile(ms, 99).toFixed(1),
    asksDuring: ms.length,
    attackSentMs: Math.round(sentMs),
    shedConnections: exit.shedConnections,
    peakHeldMB: +(Number(exit.peakHeldBytes) / MB).toFixed(1),
    /** the last stats line before the attackers went: the bytes held, and the clients logged in (the slow readers left, and the well-behaved one) */
    heldAtEndMB: +(Number(last.heldBytes) / MB).toFixed(1),
    onlineAtEnd: last.online,
  };
}

const out = [];
for (const attack of ['partial-frames', 'slow-readers'] as const) {
  for (const budget of ['default', 'off'] as const) {
    const r = await scenario(attack, budget);
    console.log(JSON.stringify(r));
    out.push(r);
  }
}
const file = path.join(root, 'bench', 'out', 'dc-memory.json');
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, runs: out }, null, 2) + '\n');
console.log(`written ${file}`);
