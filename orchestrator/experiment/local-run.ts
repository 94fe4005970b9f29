// One repetition of an experiment as processes on loopback (session.ts): the data centres and one
// client process per peer of the topology, the same programs the containers run (from source),
// on 127.0.0.1 and told apart by port. The experiment's workload, protocol variant and
// data-centre faults run as in Docker, on real time under the experiment's time scale; raw/ is
// written by the data centres' own sinks, so the report, `testbed compare` and `crosscheck` read
// it as any run. What loopback cannot have is said in report.md: no home routers (every peer
// accepts connections; no NAT, no UPnP, no reversal needed), no shaped links, no access delay.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientArgv, dcArgv } from '../../node-image/contract.ts';
import { credentialEnv, newRunSecret } from '../../node-image/core/credential.ts';
import { type Fault, isPeerFault } from '../../node-image/core/faults.ts';
import { dcSeed, dnsRandom, peerSeed, pickWeighted } from '../../node-image/core/random.ts';
import { formatScript } from '../../node-image/core/script-runner.ts';
import { DCS } from '../config/topology.ts';
import { UserFacingError } from '../errors.ts';
import { placePeers } from '../plan/plan.ts';
import type { Progress } from '../progress/display.ts';
import { addHostLoad, isLoadLine } from './host-load.ts';
import { freePort, type Proc, startProgram } from './processes.ts';
import type { Repetition, SessionRuntime } from './session.ts';
import { type ProgramsNow, watchWorkload } from './watch.ts';
import { describeWorkload, prepareWorkload } from './workload.ts';

/**
 * A client process from source takes about 70 MB and its share of two cores: past this many the
 * machine, not the protocol, sets the answer (the Docker runtime holds ~300 peers, the simulation
 * any number).
 */
export const LOCAL_MAX_PEERS = 60;

/** temporary folders of local runs: caches and scripts, removed at the end (and by the next run if the orchestrator died) */
const TMP_PREFIX = 'tb-local-run-';

class LocalRuntimeError extends UserFacingError {}

/** why an experiment cannot run on loopback, or null */
export function localRefusal(peers: number, faults: readonly Fault[]): string | null {
  if (peers > LOCAL_MAX_PEERS)
    return `the local runtime runs one process per peer and takes at most ${LOCAL_MAX_PEERS} peers; this topology has ${peers}: use --runtime docker (up to ~300 peers) or --runtime sim (any number)`;
  const links = faults.filter((f) => isPeerFault(f) && f.kind !== 'churn').map((f) => f.kind);
  if (links.length)
    return `faults ${[...new Set(links)].join(', ')} change access links and home routers, which loopback does not have: use --runtime docker or --runtime sim (churn and data-centre faults run locally)`;
  return null;
}

interface Program {
  name: string;
  p: Proc;
  stderr: () => string;
  ended: boolean;
}

/**
 * `testbed local`'s drill: programs that die as processes, which no fault of an experiment does
 * (the faults act inside the programs, the same in every runtime). At 40% of the workload's real
 * time, the first `killPeers` peers of the placement still running are killed (SIGKILL) and stay dead, and with
 * `restartDcs` every data centre is killed and started again on its port and sink.
 */
export interface LocalDrill {
  killPeers?: number;
  restartDcs?: boolean;
}

export class LocalSession implements SessionRuntime {
  readonly name = 'local';
  constructor(private readonly drill: LocalDrill = {}) {}

  async prepare(progress: Progress): Promise<{ image: string }> {
    reapLocalRuns(progress);
    return { image: `none (local runtime: node-image/ from source, ${process.version})` };
  }

  async run(r: Repetition): Promise<void> {
    const { e, variant, repDir, progress, info, signal } = r;
    const placement = placePeers(r.topology);
    const refusal = localRefusal(placement.length, variant.faults);
    if (refusal) throw new LocalRuntimeError(`${e.file}: ${refusal}`);
    const { drill } = this;
    if (drill.killPeers && drill.killPeers >= placement.length) throw new LocalRuntimeError(`the drill kills ${drill.killPeers} peers of ${placement.length}: at least one must live`);
    const w = await prepareWorkload(
      e,
      placement.map((p) => ({ name: p.name, country: p.country })),
      r.seed,
      variant,
      info,
      progress,
      r.warn,
      repDir,
    );
    progress.line(
      `run ${r.repId} (local): ${placement.length} client processes on loopback, ${describeWorkload(w, e.durationMs)} of workload time at scale ${e.timeScale} (about ${Math.round(e.durationMs / e.timeScale / 1000)} s)`,
    );
    if (r.first)
      r.note(
        'local runtime: every process on 127.0.0.1, so no home routers (every peer accepts connections: no NAT, UPnP or reversal), no shaped links and no access delay; Table II and the connect outcomes say so',
      );
    r.writeInfo();

    const logs = path.join(repDir, 'logs');
    fs.mkdirSync(logs, { recursive: true });
    for (const dc of DCS) fs.mkdirSync(path.join(repDir, 'raw', dc), { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${TMP_PREFIX}${process.pid}-`));
    const control = path.join(tmp, 'start');
    // every program's pid, so that a run whose orchestrator was killed is stopped by the next one
    const pids = path.join(tmp, 'pids');
    const opts = { detached: true, onSpawn: (pid: number) => fs.appendFileSync(pids, `${pid}\n`) };
    const dcs: Program[] = [];
    const clients: Program[] = [];
    /** each client's exit record, as it printed it, by name */
    const exits = new Map<string, string>();
    /** each program's last host-load record (adapters/host-load.ts), by client or data-centre name */
    const loads = new Map<string, string>();
    const keepLoad = (name: string) => (line: string) => {
      if (isLoadLine(line)) loads.set(name, line);
    };
    const track = (list: Program[], name: string, started: { p: Proc; stderr: () => string }): Program => {
      const x: Program = { name, p: started.p, stderr: started.stderr, ended: false };
      list.push(x);
      void started.p.then(() => (x.ended = true));
      return x;
    };
    try {
      // the data centres, each with its sink where Docker mounts it
      const { protocol } = r;
      const dcFaults = variant.faults.filter((f) => !isPeerFault(f));
      const dcPort = new Map<string, number>();
      // each login is checked against its machine's credential, as in Docker (core/credential.ts)
      const secret = newRunSecret();
      /** each data centre's way to start, kept for the drill's restart */
      const dcStart = new Map<string, () => Promise<{ p: Proc; stderr: () => string }>>();
      for (const [i, dc] of DCS.entries()) {
        const port = await freePort();
        dcPort.set(dc, port);
        const args = dcArgv({
          name: dc,
          listen: { host: '127.0.0.1', port },
          sink: path.join(repDir, 'raw', dc, 'reports.jsonl'),
          timeScale: e.timeScale,
          protocol,
          seed: dcSeed(r.seed, i),
          // the start file gives the data centre the workload's epoch: for its faults and its host-load measurement
          ...(dcFaults.length ? { faults: dcFaults } : {}),
          startFile: control,
        });
        const start = () => startProgram(['node-image/dc/main.ts', ...args], keepLoad(dc), 60_000, { ...opts, env: credentialEnv('dc', dc, secret) });
        dcStart.set(`dc-${dc}`, start);
        track(dcs, `dc-${dc}`, await start());
      }
      // clients: the data centre DNS would give their country (one of the rule's at random, as the
      // other runtimes' first pick for that peer: core/random.ts); a fixed --server keeps it for good
      const chosen = placement.map((pl) => {
        const rule = r.topology.dnsRules[pl.country] ?? r.topology.dnsRules.default;
        const seed = peerSeed(r.seed, pl.name);
        return {
          pl,
          seed,
          dc: pickWeighted(
            rule.map((name) => ({ name, weight: 1 })),
            dnsRandom(seed)(),
          ).name,
        };
      });
      progress.line(`starting ${placement.length} client processes`);
      // a few at a time: each compiles its sources with tsx, and two cores start 60 at once slowly
      let next = 0;
      const starter = async () => {
        while (next < chosen.length && !signal.aborted) {
          const { pl, dc, seed } = chosen[next++];
          const script = path.join(tmp, `${pl.name}.jsonl`);
          fs.writeFileSync(script, formatScript(w.scripts.get(pl.name) ?? []));
          const port = await freePort();
          const args = clientArgv({
            name: pl.name,
            server: { host: '127.0.0.1', port: dcPort.get(dc)! },
            script,
            timeScale: e.timeScale,
            cacheDir: path.join(tmp, `cache-${pl.name}`),
            listenPort: port,
            advertiseHost: '127.0.0.1',
            protocol,
            seed,
            startFile: control,
          });
          const started = await startProgram(
            ['node-image/client/main.ts', ...args],
            (line) => {
              if (line.startsWith('{"event":"exit"')) exits.set(pl.name, line);
              else keepLoad(pl.name)(line);
            },
            120_000,
            { ...opts, env: credentialEnv('peer', pl.name, secret) },
          );
          track(clients, pl.name, started);
          progress.update(`started ${clients.length}/${chosen.length} client processes`);
        }
      };
      const ready = await Promise.allSettled(Array.from({ length: STARTING_AT_ONCE }, starter));
      const failed = ready.find((x) => x.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      if (signal.aborted) return;
      const epoch = Date.now() + 1500;
      fs.writeFileSync(control, String(epoch));
      const look = processes(clients, dcs, logs);
      const drillAt = epoch + (0.4 * e.durationMs) / e.timeScale;
      let drilled = !drill.killPeers && !drill.restartDcs;
      await watchWorkload(r, epoch, {
        everyMs: 1000,
        look: async () => {
          if (!drilled && Date.now() >= drillAt) {
            drilled = true;
            await runDrill(drill, { r, chosen: chosen.map((c) => c.pl.name), clients, dcs, dcStart, track });
          }
          return look();
        },
      });
    } finally {
      try {
        // clients first: stopped by SIGTERM, each logs out, drains its reports to the data centres
        // for up to 3 s and prints its exit record; then the data centres, which close their sinks
        await stop(clients, 'SIGTERM', 8_000);
        await stop(clients, 'SIGKILL', 2_000);
        await stop(dcs, 'SIGTERM', 5_000);
        await stop(dcs, 'SIGKILL', 2_000);
        const records = clients.flatMap((x) => exits.get(x.name) ?? []);
        fs.writeFileSync(path.join(repDir, 'raw', 'clients.jsonl'), records.join('\n') + (records.length ? '\n' : ''));
        const silent = clients.filter((x) => !exits.has(x.name));
        for (const x of [...dcs, ...silent]) fs.writeFileSync(path.join(logs, `${x.name}.log`), x.stderr());
        const names = silent.map((x) => x.name);
        if (names.length) progress.line(`warning: ${names.length} peers ended without their exit record (died, or were stopped): ${names.join(', ')}; their logs are in ${logs}`);
        info.clientsWithoutExit = [...(info.clientsWithoutExit ?? []), ...names];
        addHostLoad(info, r.repId, [
          ...DCS.map((dc) => ({ name: dc, role: 'dc' as const, line: loads.get(dc) })),
          ...clients.map((x) => ({ name: x.name, role: 'client' as const, line: loads.get(x.name) })),
        ]);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      if (signal.aborted) progress.line('interrupted: local processes stopped, temporary files removed');
    }
  }
}

/** the drill, once, while the workload runs; what it did goes into report.md's notes */
async function runDrill(
  drill: LocalDrill,
  o: {
    r: Repetition;
    chosen: string[];
    clients: Program[];
    dcs: Program[];
    dcStart: Map<string, () => Promise<{ p: Proc; stderr: () => string }>>;
    track: (list: Program[], name: string, started: { p: Proc; stderr: () => string }) => Program;
  },
): Promise<void> {
  const { r, clients, dcs } = o;
  if (drill.killPeers) {
    // a peer whose script has already ended would die unnoticed: the first still running are taken
    const running = new Set(clients.filter((x) => !x.ended).map((x) => x.name));
    const names = o.chosen.filter((n) => running.has(n)).slice(0, drill.killPeers);
    r.progress.line(`drill: killing peers ${names.join(', ') || '(none still running)'} (SIGKILL)`);
    for (const x of clients) if (names.includes(x.name)) x.p.kill('SIGKILL');
    r.note(`drill: ${names.length ? `peers ${names.join(', ')} were` : 'no peer was still running to be'} killed (SIGKILL) at 40% of the workload and not started again`);
  }
  if (drill.restartDcs) {
    r.progress.line('drill: killing the data centres (SIGKILL) and restarting them on the same ports and sinks');
    const old = dcs.splice(0);
    for (const x of old) x.p.kill('SIGKILL');
    await Promise.all(old.map((x) => x.p));
    // long enough for the clients to find the connection gone and try again against nothing
    await new Promise((res) => setTimeout(res, 1000));
    for (const x of old) o.track(dcs, x.name, await o.dcStart.get(x.name)!());
    r.note(`drill: the data centres ${old.map((x) => x.name.replace(/^dc-/, '')).join(', ')} were killed (SIGKILL) at 40% of the workload and restarted on their ports and sinks`);
  }
}

/** client processes starting at once */
const STARTING_AT_ONCE = 4;

/** send `sig` to those still running and wait for them, at most `ms` */
async function stop(list: Program[], sig: 'SIGTERM' | 'SIGKILL', ms: number): Promise<void> {
  const running = list.filter((x) => !x.ended);
  if (!running.length) return;
  for (const x of running) x.p.kill(sig);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(running.map((x) => x.p)), new Promise((res) => (timer = setTimeout(res, ms)))]);
  clearTimeout(timer);
}

/**
 * What a local run left when its orchestrator died (SIGKILL, a crash): its programs, in process
 * groups of their own, outlive it. They are stopped and the folder removed.
 */
export function reapLocalRuns(progress: Progress): void {
  for (const d of fs.readdirSync(os.tmpdir()).filter((x) => x.startsWith(TMP_PREFIX))) {
    const owner = Number(d.slice(TMP_PREFIX.length).split('-')[0]);
    if (!owner || alive(owner)) continue;
    const dir = path.join(os.tmpdir(), d);
    const pidFile = path.join(dir, 'pids');
    let stopped = 0;
    if (fs.existsSync(pidFile)) {
      for (const pid of fs.readFileSync(pidFile, 'utf8').split('\n').map(Number).filter(Boolean)) {
        // only if it is still one of the testbed's programs (a pid may have been reused)
        const cmd = readCmdline(pid);
        if (cmd.includes('node-image/') && cmd.includes(dir)) {
          try {
            process.kill(pid, 'SIGKILL');
            stopped++;
          } catch {}
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    progress.line(`removed ${d}${stopped ? ` and stopped ${stopped} of its programs` : ''}, left by a local run that ended without cleaning up`);
  }
}

function readCmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** how the processes stand, for watchWorkload: a process that ended is done, whenever it ended */
function processes(clients: Program[], dcs: Program[], logs: string): () => ProgramsNow {
  let dcWarned = false;
  return () => {
    const finished = clients.filter((x) => x.ended).length;
    const died: string[] = [];
    if (!dcWarned && dcs.some((x) => x.ended)) {
      dcWarned = true;
      died.push(
        `data centre ${dcs
          .filter((x) => x.ended)
          .map((x) => x.name)
          .join(', ')} exited: its log will be in ${logs}`,
      );
    }
    return { finished, peers: clients.length, running: clients.length - finished, done: finished === clients.length, died };
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, and is someone else's
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
