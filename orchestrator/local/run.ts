// `testbed local`: one data-centre process and N client processes on loopback, a generated
// workload, and a summary computed from the sink's reports only. The same programs run inside the
// Docker testbed; here they share 127.0.0.1 and differ by port.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientArgv, dcArgv } from '../../node-image/contract.ts';
import { credentialEnv, newRunSecret } from '../../node-image/core/credential.ts';
import type { Protocol } from '../../node-image/core/policies.ts';
import type { ConnectReport, PlayReport, SearchReport } from '../../node-image/core/reports.ts';
import { formatScript } from '../../node-image/core/script-runner.ts';
import { byteShares, dedupe, playbackQuality, reportsLost } from '../analysis/playback.ts';
import { ReportTail, readReportFile } from '../report/raw.ts';
import { freePort, type Proc, startProgram } from './processes.ts';
import { type LocalWorkload, localScripts } from './scripts.ts';

export interface LocalOptions extends LocalWorkload {
  timeScale: number;
  restartDc: boolean;
  /** kill this many client processes (SIGKILL) at 40% of the run: shows that deaths are detected and named */
  killClients?: number;
  /** the protocol every program runs, resolved (default: the paper's) */
  protocol?: Protocol;
  keepDir?: boolean;
  progress?: (line: string) => void;
}

export interface LocalSummary {
  clients: number;
  plays: number;
  tracks: number;
  timeScale: number;
  seed: number;
  bytes: { server: number; p2p: number; cache: number; total: number };
  shares: { server: number; p2p: number; cache: number };
  latencyMs: { p50: number | null; p75: number | null; p90: number | null; scaled: true };
  stutterRate: number;
  integrityFailures: number;
  reportsGenerated: number;
  reportsLost: number;
  /** play events in the clients' scripts; a play may not happen (a skip at once, a client that died) */
  playsScheduled: number;
  /** clients that ended without their exit record (killed, crashed), with how they ended */
  clientsDied: string[];
  /** clients still running at the deadline, stopped */
  clientsHung: string[];
  /** false when a client died or hung, a play failed its integrity check, a report was lost, or nothing was played */
  valid: boolean;
  problems: string[];
  discovery: { searches: number; tracker: number; overlay: number };
  connects: { direct: number; reversed: number; failed: number };
  dcRestarts: number;
  wallSeconds: number;
}

export async function runLocal(o: LocalOptions): Promise<LocalSummary> {
  const progress = o.progress ?? (() => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-local-'));
  const sink = path.join(dir, 'reports.jsonl');
  const procs = new Set<Proc>();
  const killAll = () => {
    for (const p of procs) p.kill('SIGKILL');
  };
  const onSigint = () => {
    killAll();
    if (!o.keepDir) fs.rmSync(dir, { recursive: true, force: true });
    process.stderr.write('\ninterrupted: all local processes stopped, temporary files removed\n');
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  const t0 = Date.now();
  try {
    const scripts = localScripts(o);
    const dcPort = await freePort();
    const { protocol } = o;
    const dcArgs = ['node-image/dc/main.ts', ...dcArgv({ name: 'local', listen: { host: '127.0.0.1', port: dcPort }, sink, timeScale: o.timeScale, protocol })];
    const secret = newRunSecret();
    const dcEnv = { env: credentialEnv('dc', 'local', secret) };
    let dc = (await startProgram(dcArgs, () => {}, undefined, dcEnv)).p;
    procs.add(dc);

    const epoch = Date.now() + 3000 + 150 * o.clients;
    const generated = new Map<string, number>();
    let exited = 0;
    const clients: Proc[] = [];
    /** per client: its exit record arrived; how its process ended */
    const ends = scripts.map(() => ({ record: false, code: null as number | null, signal: null as string | null }));
    for (let i = 0; i < scripts.length; i++) {
      const file = path.join(dir, `script-${i}.jsonl`);
      fs.writeFileSync(file, formatScript(scripts[i]));
      const port = await freePort();
      const args = [
        'node-image/client/main.ts',
        ...clientArgv({
          name: `c${i}`,
          server: { host: '127.0.0.1', port: dcPort },
          script: file,
          epochReal: epoch,
          timeScale: o.timeScale,
          cacheDir: path.join(dir, `cache-${i}`),
          listenPort: port,
          advertiseHost: '127.0.0.1',
          protocol,
        }),
      ];
      const { p } = await startProgram(
        args,
        (line) => {
          if (!line.startsWith('{"event":"exit"')) return;
          const e = JSON.parse(line) as { clientId: string; generated: number };
          generated.set(e.clientId, e.generated);
          ends[i].record = true;
        },
        undefined,
        { env: credentialEnv('peer', `c${i}`, secret) },
      );
      procs.add(p);
      clients.push(p);
      void p.then((r) => {
        ends[i].code = r.exitCode ?? null;
        ends[i].signal = r.signal ?? null;
        exited++;
      });
    }
    progress(`${o.clients} clients and the data centre are up; playing ${o.plays} plays of ${o.tracks} tracks at time scale ${o.timeScale}`);

    const lastEvent = Math.max(...scripts.map((s) => s[s.length - 1].t));
    const expectedMs = lastEvent / o.timeScale + (epoch - Date.now());
    let restarts = 0;
    const tail = new ReportTail(sink);
    let playsSoFar = 0;
    const restartAt = Date.now() + expectedMs * 0.4;
    const deadline = Date.now() + expectedMs * 3 + 120_000;
    const hung: string[] = [];
    let killed = false;
    while (exited < clients.length) {
      if (Date.now() > deadline) {
        // what was collected is kept: the clients still running are named and stopped
        clients.forEach((c, i) => {
          if (ends[i].code === null && ends[i].signal === null) {
            hung.push(`c${i}`);
            c.kill('SIGKILL');
          }
        });
        progress(`clients ${hung.join(', ')} did not finish within ${Math.round((deadline - t0) / 1000)} s: stopped; summarising what was collected`);
        await Promise.all(clients.map((c) => c.catch(() => {})));
        break;
      }
      if (o.killClients && !killed && Date.now() >= restartAt) {
        killed = true;
        progress(`killing ${o.killClients} client processes (SIGKILL)`);
        for (const c of clients.slice(0, o.killClients)) c.kill('SIGKILL');
      }
      if (o.restartDc && restarts === 0 && Date.now() >= restartAt) {
        progress('killing the data centre (SIGKILL) and restarting it on the same port and sink');
        dc.kill('SIGKILL');
        await dc;
        procs.delete(dc);
        await new Promise((r) => setTimeout(r, 1000));
        dc = (await startProgram(dcArgs, () => {}, undefined, dcEnv)).p;
        procs.add(dc);
        restarts++;
      }
      for (const r of tail.read()) if (r.type === 'play') playsSoFar++;
      const plays = playsSoFar;
      progress(`t=${Math.round((Date.now() - t0) / 1000)}s plays reported ${plays}/${o.plays} clients done ${exited}/${clients.length}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    dc.kill('SIGTERM');
    await dc;
    procs.delete(dc);

    const reports = dedupe(readReportFile(sink).reports);
    const plays = reports.filter((r): r is PlayReport => r.type === 'play');
    const searches = reports.filter((r): r is SearchReport => r.type === 'search');
    const connects = reports.filter((r): r is ConnectReport => r.type === 'connect');
    const s = byteShares(plays);
    const q = playbackQuality(plays);
    // a client that died said nothing at exit: what it generated is known from the highest
    // sequence number the sink holds, which is what reportsLost counts with too
    for (const r of reports) generated.set(r.clientId, Math.max(generated.get(r.clientId) ?? 0, r.seq + 1));
    const died = ends.flatMap((e, i) => (!e.record && !hung.includes(`c${i}`) ? [`c${i} (${e.signal ? `signal ${e.signal}` : `exit ${e.code}`})`] : []));
    const playsScheduled = scripts.reduce((n, sc) => n + sc.filter((e) => e.action === 'play').length, 0);
    const lost = reportsLost(reports, generated);
    const problems = [
      ...(died.length ? [`${died.length} clients died before their exit record: ${died.join(', ')}`] : []),
      ...(hung.length ? [`${hung.length} clients hung and were stopped: ${hung.join(', ')}`] : []),
      ...(plays.length === 0 ? ['no play was reported'] : []),
      ...(q.integrityFailures ? [`${q.integrityFailures} plays played bytes that differ from the server's`] : []),
      ...(lost ? [`${lost} reports were generated and never stored`] : []),
    ];
    return {
      clients: o.clients,
      plays: plays.length,
      tracks: o.tracks,
      timeScale: o.timeScale,
      seed: o.seed,
      bytes: s.bytes,
      shares: s.shares,
      latencyMs: { ...q.latencyMs, scaled: true },
      stutterRate: q.stutterRate,
      integrityFailures: q.integrityFailures,
      reportsGenerated: [...generated.values()].reduce((a, b) => a + b, 0),
      reportsLost: lost,
      playsScheduled,
      clientsDied: died,
      clientsHung: hung,
      valid: problems.length === 0,
      problems,
      discovery: {
        searches: searches.length,
        tracker: searches.length ? searches.filter((x) => (x.tracker?.peers ?? 0) > 0).length / searches.length : 0,
        overlay: searches.length ? searches.filter((x) => x.overlay.length > 0).length / searches.length : 0,
      },
      connects: {
        direct: connects.filter((c) => c.outcome === 'direct').length,
        reversed: connects.filter((c) => c.outcome === 'reversed').length,
        failed: connects.filter((c) => c.outcome === 'failed').length,
      },
      dcRestarts: restarts,
      wallSeconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    process.off('SIGINT', onSigint);
    killAll();
    if (!o.keepDir) fs.rmSync(dir, { recursive: true, force: true });
    else progress(`kept ${dir}`);
  }
}
