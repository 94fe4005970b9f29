// The link self-check: what an access link really delivers against what was configured. A small
// TCP source/sink runs in a data-centre container; the peer downloads and uploads a few seconds'
// worth of bytes through its shaped link and times the handshake for the round-trip time.
import type { Plan } from '../plan/types.ts';
import type { Runtime } from '../runtime/types.ts';

const PORT = 4999;

/** node one-liners: a server that sends `n` bytes to whoever connects (or swallows what it gets) */
const SERVER = `const net=require('net');net.createServer(s=>{s.on('error',()=>{});s.once('data',d=>{const m=d.toString();if(m.startsWith('GET ')){const n=+m.slice(4);const b=Buffer.alloc(65536);let left=n;const w=()=>{while(left>0){const k=Math.min(left,b.length);left-=k;if(!s.write(b.subarray(0,k)))return s.once('drain',w)}s.end()};w()}else{s.on('data',()=>{});s.on('end',()=>s.end('ok'))}})}).listen(${PORT},'0.0.0.0',()=>console.log('listening'))`;

/**
 * Round trips are timed twice: the TCP handshake (the kernel's path: shaping, and netem where it
 * exists) and a one-byte request through the peer programs' own socket adapters with the settings
 * netsetup left for them (the delay fallback where netem is missing), which is what the protocol sees.
 */
const CLIENT = (host: string, down: number, up: number) => `import net from 'node:net';
import { socketPipe } from '/app/node-image/adapters/tcp.js';
import { maybeDelayed } from '/app/node-image/adapters/delay.js';
const rx={ms:Number(process.env.TB_RX_DELAY_MS??0),jitterMs:Number(process.env.TB_RX_JITTER_MS??0)};
const median=async(f)=>{const r=[];for(let i=0;i<5;i++)r.push(await f());r.sort((a,b)=>a-b);return r[2]};
const rtt=()=>new Promise((res,rej)=>{const t=process.hrtime.bigint();const s=net.connect(${PORT},'${host}',()=>{s.destroy();res(Number(process.hrtime.bigint()-t)/1e6)});s.on('error',rej)});
const appRtt=()=>new Promise((res,rej)=>{const s=net.connect(${PORT},'${host}',()=>{const p=maybeDelayed(socketPipe(s),rx);const t=process.hrtime.bigint();p.onData(()=>{p.close();res(Number(process.hrtime.bigint()-t)/1e6)});p.write(Buffer.from('GET 1'))});s.on('error',rej)});
const down=()=>new Promise((res,rej)=>{const s=net.connect(${PORT},'${host}',()=>s.write('GET ${down}'));let n=0,t0=0;s.on('data',d=>{if(!t0)t0=process.hrtime.bigint();n+=d.length});s.on('end',()=>res({bytes:n,ms:Number(process.hrtime.bigint()-t0)/1e6}));s.on('error',rej)});
const up=()=>new Promise((res,rej)=>{const s=net.connect(${PORT},'${host}',()=>{const t0=process.hrtime.bigint();s.write('PUT ');const b=Buffer.alloc(${up});s.end(b);s.on('data',()=>{});s.on('end',()=>res({bytes:${up},ms:Number(process.hrtime.bigint()-t0)/1e6}))});s.on('error',rej)});
try{console.log(JSON.stringify({rttMs:await median(rtt),appRttMs:await median(appRtt),delayBy:rx.ms>0||rx.jitterMs>0?'app':'kernel',down:await down(),up:await up()}))}catch(e){console.error(e.message);process.exit(1)}`;

/** The settings netsetup left for the role's program, then the check (docker exec has neither). */
const RUN_CLIENT = (script: string) => ['sh', '-c', 'if [ -f /run/tb-program.env ]; then . /run/tb-program.env; fi; exec node --input-type=module -e "$0"', script];

export interface LinkCheck {
  container: string;
  access: string;
  configured: { downKbit: number; upKbit: number; delayMs: number; jitterMs: number };
  /** rttMs: TCP handshake; appRttMs: a request and its answer as the peer programs receive them */
  measured: { downKbit: number; upKbit: number; rttMs: number; appRttMs: number; delayBy: 'kernel' | 'app' };
  /** measured / configured */
  ratio: { down: number; up: number };
}

/**
 * Measure `sample` peers (spread over access types). Transfers are sized for ~3 s at the
 * configured rate so that TCP's start and the shaper's burst are a small part of the time.
 */
export async function checkLinks(rt: Runtime, plan: Plan, sample = 4, seconds = 3): Promise<LinkCheck[]> {
  const dc = plan.containers.find((c) => c.role === 'dc');
  if (!dc) throw new Error('link check: the plan has no data centre to measure against');
  const dcIp = dc.attachments[0].ip;
  // over several hosts the measured peers are, first, ones on another host than the data centre:
  // their links cross the overlay, which is what a multi-host testbed adds
  const peers = plan.containers.filter((c) => c.role === 'peer').sort((a, b) => Number(a.host === dc.host) - Number(b.host === dc.host));
  const byAccess = new Map<string, typeof peers>();
  for (const p of peers) byAccess.set(String(p.meta.access), [...(byAccess.get(String(p.meta.access)) ?? []), p]);
  const chosen: typeof peers = [];
  for (let i = 0; chosen.length < Math.min(sample, peers.length); i++) for (const ps of byAccess.values()) if (ps[i] && chosen.length < sample) chosen.push(ps[i]);

  // the measuring endpoint runs beside the data centre's own program, on another port
  void rt.exec(dc.name, ['node', '-e', SERVER], 3_600_000).catch(() => {});
  await new Promise((r) => setTimeout(r, 1500));
  const out: LinkCheck[] = [];
  for (const p of chosen) {
    const downKbit = Number(p.meta.downKbit);
    const upKbit = Number(p.meta.upKbit);
    const downBytes = Math.round((downKbit * 1000 * seconds) / 8);
    const upBytes = Math.round((upKbit * 1000 * seconds) / 8);
    const r = await rt.exec(p.name, RUN_CLIENT(CLIENT(dcIp, downBytes, upBytes)), 120_000);
    if (r.exitCode !== 0) throw new Error(`link check on ${p.name} failed: ${r.stderr.trim()}`);
    const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { rttMs: number; appRttMs: number; delayBy: 'kernel' | 'app'; down: { bytes: number; ms: number }; up: { bytes: number; ms: number } };
    const measured = {
      downKbit: Math.round((m.down.bytes * 8) / m.down.ms),
      upKbit: Math.round((m.up.bytes * 8) / m.up.ms),
      rttMs: +m.rttMs.toFixed(2),
      appRttMs: +m.appRttMs.toFixed(2),
      delayBy: m.delayBy,
    };
    out.push({
      container: p.name,
      access: String(p.meta.access),
      configured: { downKbit, upKbit, delayMs: Number(p.meta.delayMs), jitterMs: Number(p.meta.jitterMs ?? 0) },
      measured,
      ratio: { down: +(measured.downKbit / downKbit).toFixed(3), up: +(measured.upKbit / upKbit).toFixed(3) },
    });
  }
  await rt.exec(dc.name, ['sh', '-c', `pkill -f "listen\\(${PORT}" || true`], 10_000).catch(() => {});
  return out;
}
