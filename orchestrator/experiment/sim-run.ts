// One repetition of an experiment on the simulated runtime (orchestrator/runtime/sim): the same
// placement of peers the planner makes, the same workload and faults, and raw/ written as the
// data centres' sinks write it, so the report and `testbed compare` treat it as any run.
import { resolveProtocol } from '../../node-image/core/policies.ts';
import type { Experiment, Variant } from '../config/experiment.ts';
import type { Topology } from '../config/topology.ts';
import { placePeers } from '../plan/plan.ts';
import type { Progress } from '../progress/display.ts';
import type { RunInfo } from '../report/write.ts';
import { runSim, type SimResult } from '../runtime/sim/world.ts';
import { fmtWorkload, prepareWorkload } from './workload.ts';

export interface SimRepetition {
  e: Experiment;
  variant: Variant;
  topology: Topology;
  seed: number;
  repId: string;
  repDir: string;
  params: Record<string, unknown>;
  info: RunInfo;
  progress: Progress;
  signal: AbortSignal;
  warn: (line: string) => void;
  writeInfo: () => void;
}

const mb = (x: number) => (x / 1e6).toFixed(0);

export async function runSimRepetition(r: SimRepetition): Promise<SimResult> {
  const { e, variant, info, progress } = r;
  const placement = placePeers(r.topology);
  const machines = placement.map((p) => ({ name: p.name, country: p.country }));
  const w = await prepareWorkload(e, machines, r.seed, variant, info, progress, r.warn);
  progress.line(
    `run ${r.repId} (simulated): ${placement.length} peers, ${w.users} users, ${w.sessions} sessions, ${w.plays} plays over ${fmtWorkload(e.durationMs)}${w.startMs ? ` (from ${fmtWorkload(w.startMs)} of the trace's week)` : ''} of virtual time, ${e.timeScale === 1 ? 'tracks at their real size' : `at time scale ${e.timeScale} as a container would run it (tracks ${e.timeScale}× shorter)`}`,
  );
  r.writeInfo();
  const result = await runSim({
    topology: r.topology,
    placement,
    scripts: w.scripts,
    protocol: resolveProtocol({ ...variant.protocol, params: r.params }),
    faults: variant.faults,
    seed: r.seed,
    durationMs: e.durationMs,
    timeScale: e.timeScale,
    dir: r.repDir,
    signal: r.signal,
    progress: (p) => {
      const total = p.bytes.server + p.bytes.p2p + p.bytes.cache || 1;
      const pct = (x: number) => ((100 * x) / total).toFixed(0);
      progress.update(
        `${fmtWorkload(Math.min(p.virtualMs, e.durationMs))} of ${fmtWorkload(e.durationMs)} | ${Math.round(p.eventsPerSec)} events/s | peers online ${p.online} | plays ${p.plays} | server ${pct(p.bytes.server)}% (${mb(p.bytes.server)} MB) p2p ${pct(p.bytes.p2p)}% cache ${pct(p.bytes.cache)}%`,
      );
    },
  });
  progress.line(
    `simulated ${fmtWorkload(result.virtualMs)} in ${Math.round(result.wallMs / 1000)} s: ${result.events} events (${result.eventsPerSecond}/s), ${result.reports} reports, heap ${result.heapUsedMB} MB`,
  );
  if (result.unfinished.length)
    progress.line(
      `warning: ${result.unfinished.length} clients had not finished their script when the run ended: ${result.unfinished.slice(0, 10).join(', ')}${result.unfinished.length > 10 ? ' ...' : ''}`,
    );
  return result;
}
