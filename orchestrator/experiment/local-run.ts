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
import { type Fault, isPeerFault } from '../../node-image/core/faults.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { DCS } from '../config/topology.ts';
import { freePort, type Proc, startProgram } from '../local/processes.ts';
import { placePeers } from '../plan/plan.ts';
import type { Progress } from '../progress/display.ts';
import { seededRandom } from '../util/random.ts';
import { SinkFollower } from './follow.ts';
import type { Repetition, SessionRuntime } from './session.ts';
import { fmtWorkload, prepareWorkload } from './workload.ts';

/**
 * A client process from source takes about 70 MB and its share of two cores: past this many the
 * machine, not the protocol, sets the answer (the Docker runtime holds ~300 peers, the simulation
 * any number).
 */
export const LOCAL_MAX_PEERS = 60;

/** temporary folders of local runs: caches and scripts, removed at the end (and by the next run if the orchestrator died) */
const TMP_PREFIX = 'tb-local-run-';

export class LocalRuntimeError extends Error {
  readonly userFacing = true;
}

/** why an experiment cannot run on loopback, or null */
export function localRefusal(peers: number, faults: readonly Fault[]): string | null {
  if (peers > LOCAL_MAX_PEERS)
    return `the local runtime runs one process per peer and takes at most ${LOCAL_MAX_PEERS} peers; this topology has ${peers}: use --runtime docker (up to ~300 peers) or --runtime sim (any number)`;
  const links = faults.filter((f) => isPeerFault(f) && f.kind !== 'churn').map((f) => f.kind);
  if (links.length)
    return `faults ${[...new Set(links)].join(', ')} change access links and home routers, which loopback does not have: use --runtime docker or --runtime sim (churn and data-centre faults run locally)`;
  return null;
}

export class LocalSession implements SessionRuntime {
  readonly name = 'local';
  async prepare(progress: Progress): Promise<{ image: string }> {
    // a run whose orchestrator died left its folder: its processes died with it (execa's cleanup)
    for (const d of fs.readdirSync(os.tmpdir()).filter((x) => x.startsWith(TMP_PREFIX))) {
      const pid = Number(d.slice(TMP_PREFIX.length).split('-')[0]);
      if (pid && !alive(pid)) {
        fs.rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
        progress.line(`removed ${d}, left by a local run that ended without cleaning up`);
      }
    }
    return { image: `none (local runtime: node-image/ from source, ${process.version})` };
  }

  async run(r: Repetition): Promise<void> {
    const { e, variant, repDir, progress, info, signal } = r;
    const placement = placePeers(r.topology);
    const refusal = localRefusal(placement.length, variant.faults);
    if (refusal) throw new LocalRuntimeError(`${e.file}: ${refusal}`);
    const w = await prepareWorkload(
      e,
      placement.map((p) => ({ name: p.name, country: p.country })),
      r.seed,
      variant,
      info,
      progress,
      r.warn,
    );
    progress.line(
      `run ${r.repId} (local): ${placement.length} client processes on loopback, ${w.users} users, ${w.sessions} sessions, ${w.plays} plays over ${fmtWorkload(e.durationMs)}${w.startMs ? ` (from ${fmtWorkload(w.startMs)} of the week)` : ''} of workload time at scale ${e.timeScale} (about ${Math.round(e.durationMs / e.timeScale / 1000)} s)`,
    );
    if (r.first)
      r.note(
        'local runtime: every process on 127.0.0.1, so no home routers (every peer accepts connections: no NAT, UPnP or reversal), no shaped links and no access delay; Table II and the connect outcomes say so',
      );
    r.writeInfo();

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${TMP_PREFIX}${process.pid}-`));
    const control = path.join(tmp, 'start');
    const logs = path.join(repDir, 'logs');
    fs.mkdirSync(logs, { recursive: true });
    const procs: { name: string; p: Proc; stderr: () => string; exit: string | null; ended: boolean }[] = [];
    const stopAll = async (signalName: 'SIGTERM' | 'SIGKILL') => {
      for (const x of procs) if (!x.ended) x.p.kill(signalName);
      await Promise.race([Promise.all(procs.map((x) => x.p)), new Promise((res) => setTimeout(res, 8_000))]);
    };
    try {
      // the data centres, each with its sink where Docker mounts it
      const protocol = JSON.stringify({ ...variant.protocol, params: r.params });
      const dcFaults = variant.faults.filter((f) => !isPeerFault(f));
      const dcPort = new Map<string, number>();
      for (const dc of DCS) {
        const port = await freePort();
        dcPort.set(dc, port);
        fs.mkdirSync(path.join(repDir, 'raw', dc), { recursive: true });
        const args = [
          'node-image/dc/main.ts',
          '--name',
          dc,
          '--listen',
          `127.0.0.1:${port}`,
          '--sink',
          path.join(repDir, 'raw', dc, 'reports.jsonl'),
          '--time-scale',
          String(e.timeScale),
          '--protocol',
          protocol,
        ];
        if (dcFaults.length) args.push('--faults', JSON.stringify(dcFaults), '--start-file', control);
        const { p, stderr } = await startProgram(args, () => {});
        procs.push({ name: `dc-${dc}`, p, stderr, exit: null, ended: false });
      }
      // clients: the data centre DNS would give their country (one of the rule's at random, seeded)
      const pick = seededRandom(r.seed ^ 0x10ca1);
      progress.line(`starting ${placement.length} client processes`);
      const starts = placement.map(async (pl) => {
        const script = path.join(tmp, `${pl.name}.jsonl`);
        fs.writeFileSync(script, (w.scripts.get(pl.name) ?? []).map((ev: ScriptEvent) => JSON.stringify(ev)).join('\n') + '\n');
        const rule = r.topology.dnsRules[pl.country] ?? r.topology.dnsRules.default;
        const dc = rule[Math.floor(pick() * rule.length)];
        const port = await freePort();
        const entry = { name: pl.name, p: null as unknown as Proc, stderr: () => '', exit: null as string | null, ended: false };
        const started = await startProgram(
          [
            'node-image/client/main.ts',
            '--name',
            pl.name,
            '--server',
            `127.0.0.1:${dcPort.get(dc)}`,
            '--script',
            script,
            '--time-scale',
            String(e.timeScale),
            '--cache-dir',
            path.join(tmp, `cache-${pl.name}`),
            '--listen-port',
            String(port),
            '--advertise-host',
            '127.0.0.1',
            '--protocol',
            protocol,
            '--start-file',
            control,
          ],
          (line) => {
            if (line.startsWith('{"event":"exit"')) entry.exit = line;
          },
          120_000,
        );
        entry.p = started.p;
        entry.stderr = started.stderr;
        procs.push(entry);
        void started.p.then(() => (entry.ended = true));
      });
      const ready = await Promise.allSettled(starts);
      const failed = ready.find((x) => x.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const epoch = Date.now() + 1500;
      fs.writeFileSync(control, String(epoch));
      await follow(r, procs, epoch);
    } finally {
      // a client stopped by SIGTERM logs out, drains its reports for up to 3 s and prints its exit record
      const clients = procs.filter((x) => !x.name.startsWith('dc-'));
      if (clients.some((x) => !x.ended)) await stopAll('SIGTERM');
      const exits = clients.flatMap((x) => (x.exit ? [x.exit] : []));
      fs.writeFileSync(path.join(repDir, 'raw', 'clients.jsonl'), exits.join('\n') + (exits.length ? '\n' : ''));
      const silent = clients.filter((x) => !x.exit).map((x) => x.name);
      for (const x of procs) if (x.name.startsWith('dc-') || !x.exit) fs.writeFileSync(path.join(logs, `${x.name}.log`), x.stderr());
      if (silent.length) progress.line(`warning: ${silent.length} peers ended without their exit record (died, or were stopped): ${silent.join(', ')}; their logs are in ${logs}`);
      info.clientsWithoutExit = [...(info.clientsWithoutExit ?? []), ...silent];
      await stopAll('SIGTERM');
      await stopAll('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
      if (signal.aborted) progress.line('interrupted: local processes stopped, temporary files removed');
    }
  }
}

/** wait for the clients to finish their scripts, showing the sinks' progress */
async function follow(r: Repetition, procs: { name: string; ended: boolean }[], epoch: number): Promise<void> {
  const { e, progress, signal } = r;
  const clients = procs.filter((x) => !x.name.startsWith('dc-'));
  const realEnd = epoch + e.durationMs / e.timeScale;
  // clients drain their reports (up to 30 s) after their last event
  const deadline = realEnd + 120_000;
  const sinks = new SinkFollower(DCS.map((dc) => path.join(r.repDir, 'raw', dc, 'reports.jsonl')));
  const dcs = procs.filter((x) => x.name.startsWith('dc-'));
  let dcWarned = false;
  while (!signal.aborted) {
    const now = Date.now();
    sinks.poll();
    const done = clients.filter((x) => x.ended).length;
    if (!dcWarned && dcs.some((x) => x.ended)) {
      dcWarned = true;
      progress.line(
        `warning: data centre ${dcs
          .filter((x) => x.ended)
          .map((x) => x.name)
          .join(', ')} exited: its log will be in ${path.join(r.repDir, 'logs')}`,
      );
    }
    const wt = Math.min(e.durationMs, Math.max(0, (now - epoch) * e.timeScale));
    progress.update(`${fmtWorkload(wt)} of ${fmtWorkload(e.durationMs)} | ${sinks.summary()} | peer programs finished ${done}/${clients.length}`);
    if (done === clients.length) break;
    if (now > deadline) {
      progress.line(`warning: ${clients.length - done} peers still running ${Math.round((now - realEnd) / 1000)} s after the workload's end; stopping them`);
      break;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
  progress.line('workload finished');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
