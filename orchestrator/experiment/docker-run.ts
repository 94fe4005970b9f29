// One repetition in Docker (session.ts): make the workload for the peers to be planned, plan the
// containers with their scripts, bring the topology up, check links, start the clocks, run link faults, follow the data
// centres' sinks until the peers are done, collect exit records and logs, bring it all down.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Experiment } from '../config/experiment.ts';
import type { DockerHost } from '../config/hosts.ts';
import { requireSwarm } from '../docker/swarm.ts';
import { formatError } from '../errors.ts';
import { writePlanPicture } from '../graph/graph.ts';
import { ensureImages } from '../image/build.ts';
import { checkLinks, type LinkCheck } from '../linkcheck/linkcheck.ts';
import { netemStatus } from '../linkcheck/netem.ts';
import { checkPlan, placeOnHosts, plannedPeers, planTopology } from '../plan/index.ts';
import type { Plan } from '../plan/types.ts';
import type { Progress } from '../progress/display.ts';
import { DockerRuntime } from '../runtime/docker/index.ts';
import { addHostLoad, lastLoadLine } from './host-load.ts';
import { planLinkFaults, runLinkFaults } from './link-faults.ts';
import type { Repetition, SessionRuntime } from './session.ts';
import { type ProgramsNow, watchWorkload } from './watch.ts';
import { describeWorkload, prepareWorkload } from './workload.ts';

export class DockerSession implements SessionRuntime {
  readonly name = 'docker';
  /** a topology placed on several engines: its hosts are reachable and joined by a Swarm */
  async check(e: Experiment): Promise<void> {
    await requireSwarm(e.topology.hosts);
  }
  private rt = new DockerRuntime();
  private rtHosts?: readonly DockerHost[];
  private image = '';

  async prepare(progress: Progress): Promise<{ image: string }> {
    await this.rt.reapOrphans(progress);
    const images = await ensureImages((l) => progress.line(l));
    this.image = images.node;
    const id = (await execa('docker', ['image', 'inspect', '-f', '{{.Id}}', images.node], { reject: false })).stdout.trim();
    return { image: `${images.node} (${id})` };
  }

  async run(r: Repetition): Promise<void> {
    const { e, variant, topology, seed, repId, repDir, protocol, info, progress, signal, warn, writeInfo, first, note } = r;
    // over several Docker hosts (the topology's hosts:) one runtime reaches them all, for every repetition
    const spread = (topology.hosts?.length ?? 0) > 1;
    if (spread && this.rtHosts !== topology.hosts) {
      this.rt = new DockerRuntime(topology.hosts);
      this.rtHosts = topology.hosts;
    }
    const rt = this.rt;
    const control = path.join(repDir, 'control');
    // the workload first, for the peers the plan will have: the plan then holds their scripts
    const w = await prepareWorkload(e, plannedPeers(topology, repId), seed, variant, info, progress, warn, repDir);
    let plan = planTopology(topology, {
      runId: repId,
      resultsDir: repDir,
      image: this.image,
      timeScale: e.timeScale,
      protocol,
      // the seeds and the start file; data-centre faults run in the data centres
      repetition: { seed, control, scripts: w.scripts, ...(variant.faults.some((f) => f.kind !== 'churn') ? { dcFaults: variant.faults } : {}) },
      transient: { ownerPid: process.pid },
      overHosts: spread,
    });
    const problems = checkPlan(plan);
    if (problems.length) throw new Error(`the plan is not valid:\n  ${problems.join('\n  ')}`);
    if (topology.hosts) plan = placeOnHosts(plan, topology.hosts);
    let linkFaults: { finish(): Promise<void> } | null = null;
    progress.line(`run ${repId}: ${info.peers} peers, ${describeWorkload(w, e.durationMs)} of workload time at scale ${e.timeScale} (about ${Math.round(e.durationMs / e.timeScale / 1000)} s)`);
    fs.mkdirSync(control, { recursive: true });
    fs.writeFileSync(path.join(repDir, 'plan.json'), JSON.stringify(plan, null, 1));
    const picture = await writePlanPicture(plan, repDir);
    if (picture) note(picture);
    writeInfo();
    try {
      await rt.apply(plan, { signal, progress });
      const links = await netemStatus(rt, plan);
      info.netem = links?.netem ?? false;
      if (links?.note && first) {
        note(links.note);
        progress.line(links.note);
      }
      if (e.linkCheck > 0 && first) {
        progress.line(`link self-check on ${e.linkCheck} peers`);
        info.linkCheck = (await checkLinks(rt, plan, e.linkCheck)) as LinkCheck[];
      }
      writeInfo();
      // peers on other hosts get the start file by copy, one container at a time: more lead time
      const epoch = Date.now() + (spread ? 5000 : 1500);
      fs.writeFileSync(path.join(control, 'start'), String(epoch));
      if (spread) {
        const t = Date.now();
        const n = await rt.syncFolder(plan, control);
        if (Date.now() > epoch) warn(`the start signal reached the ${n} containers on other hosts ${Date.now() - epoch} ms after the workload began`);
        else progress.line(`start signal copied to ${n} containers on other hosts in ${Date.now() - t} ms`);
      }
      // link faults change the emulated network from outside the programs, on the same clock
      const active = plan.containers.filter((c) => c.role === 'peer' && c.net.shaping && (w.scripts.get(c.name)?.length ?? 0) > 0);
      const routerOf = (c: (typeof active)[number]) => plan.containers.find((r) => r.role === 'router' && !r.meta.outer && r.attachments.some((a) => a.network === c.attachments[0].network))?.name;
      const shaped = active.map((c) => {
        const router = routerOf(c);
        return {
          name: c.name,
          country: String(c.meta.country),
          iface: c.net.shaping!.iface,
          upKbit: c.net.shaping!.up.rateKbit,
          downKbit: c.net.shaping!.down.rateKbit,
          ...(router ? { router } : {}),
        };
      });
      linkFaults = runLinkFaults(
        (c, cmd) => rt.exec(c, cmd),
        planLinkFaults(variant.faults, shaped, seed, e.durationMs),
        epoch,
        e.timeScale,
        progress,
        (c) => rt.running(c),
        (c, on) => rt.power(c, on),
      );
      await watchWorkload(r, epoch, { everyMs: 2000, look: containers(rt, plan, repDir) });
    } finally {
      await linkFaults?.finish();
      // a collection that fails (a host gone) must not keep down from removing the rest
      const silent = await collect(rt, plan, repDir, progress, (loads) => addHostLoad(info, repId, loads)).catch((err: Error) => {
        info.notes.push(`collection of ${repId} incomplete: ${err.message}`);
        progress.line(formatError(err));
        return [] as string[];
      });
      info.clientsWithoutExit = [...(info.clientsWithoutExit ?? []), ...silent];
      // what was collected stays and is analysed; what down could not remove is said loudly
      await rt.down(repId, { progress }).catch((err: unknown) => {
        // said whichever repetition it was: something may be left behind
        info.notes.push(`clean-up of ${repId} incomplete: ${err instanceof Error ? err.message : String(err)}`);
        progress.line(formatError(err));
      });
    }
  }
}

/** how the containers stand, for watchWorkload: from the engine's list of the run's containers */
function containers(rt: DockerRuntime, plan: Plan, dir: string): (pastEnd: boolean) => Promise<ProgramsNow> {
  const peers = plan.containers.filter((c) => c.role === 'peer').length;
  const reported = new Set<string>();
  return async (pastEnd) => {
    const status = await rt.status(plan.runId);
    const peer = status[0]?.roles.peer ?? { count: peers, running: 0, exited: 0 };
    // a container that died with an error surfaces by name
    const died: string[] = [];
    for (const role of ['dc', 'dns', 'core', 'router'] as const) {
      const s = status[0]?.roles[role];
      if (s && s.exited > 0 && !reported.has(role)) {
        reported.add(role);
        died.push(`${s.exited} ${role} container(s) exited: see ${path.join(dir, 'logs')} after the run`);
      }
    }
    // before the workload's end an engine that lists nothing is not taken for peers that finished
    return { finished: peer.exited, peers, running: peer.running, done: pastEnd && peer.running === 0, died };
  };
}

/**
 * Clients' exit records, every program's last host-load record (handed to `onLoads`) and the logs
 * worth keeping; returns the peers that ended without an exit record.
 */
async function collect(
  rt: DockerRuntime,
  plan: Plan,
  dir: string,
  progress: Progress,
  onLoads: (loads: { name: string; role: 'client' | 'dc'; line: string | undefined }[]) => void,
): Promise<string[]> {
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const lines: string[] = [];
  const silent: string[] = [];
  const loads: Parameters<typeof onLoads>[0] = [];
  const status = await rt.status(plan.runId);
  if (!status.length) return [];
  progress.line('collecting client exit records, host-load records and server logs');
  for (const c of plan.containers) {
    const text = await rt.logs(c.name).catch(() => '');
    // by the names report.md gives them: the data centre's, the peer's (its container's is prefixed with the run)
    if (c.role === 'peer' || c.role === 'dc') loads.push({ name: String(c.role === 'dc' ? c.meta.dc : (c.meta.peer ?? c.name)), role: c.role === 'dc' ? 'dc' : 'client', line: lastLoadLine(text) });
    if (c.role === 'peer') {
      for (const l of text.split('\n')) if (l.startsWith('{"event":"exit"')) lines.push(l);
      if (!/"event":"exit"/.test(text)) {
        silent.push(c.name);
        fs.writeFileSync(path.join(logs, `${c.name}.log`), text);
      }
    } else if (c.role !== 'router') fs.writeFileSync(path.join(logs, `${c.name}.log`), text);
  }
  fs.mkdirSync(path.join(dir, 'raw'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'raw', 'clients.jsonl'), lines.join('\n') + (lines.length ? '\n' : ''));
  if (silent.length) progress.line(`warning: ${silent.length} peers ended without their exit record (died, or were stopped): ${silent.join(', ')}; their logs are in ${logs}`);
  onLoads(loads);
  return silent;
}
