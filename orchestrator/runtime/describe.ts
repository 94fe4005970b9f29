// What each runtime says of itself wherever a run is described: report.md, summary.json's latency
// note, scaling.md, the line `testbed run` ends with, and whether the server can show its nodes
// while it runs. Outside a runtime nothing else decides on its name. It sits below both the
// report and the experiment runner, so that a report rebuilt from an old run.json needs none of
// the runtimes' code; keyed by the same names as the registry that makes them
// (experiment/runtimes.ts), so a runtime cannot be added without saying what it is.
import type { ExperimentRuntime } from '../config/experiment.ts';

export interface RuntimeDescription {
  /** what its milliseconds are: the simulation keeps a clock of its own, processes and containers the host's */
  ms: string;
  /** report.md: how the workload ran, after "N h of workload time" */
  ran(timeScale: number): string;
  /** summary.json: what its latencies measure */
  latencyNote(timeScale: number): string;
  /** the unit of the latencies on the line `testbed run` ends with */
  latencyUnit(timeScale: number): string;
  /** scaling.md's name for it */
  title: string;
  /** it runs the coarser models an experiment's `sim:` chooses (config/sim-model.ts); elsewhere they are not used */
  models: boolean;
  /** its nodes are containers on a Docker engine, which `testbed inspect` and the server's node pages list while it runs */
  liveNodes: boolean;
}

const REAL_NOTE = 'real ms from play request to first audio; network delay and CPU are not compressed by the time scale, track lengths are';
const realUnit = (timeScale: number) => `real ms${timeScale === 1 ? '' : `, under time scale ${timeScale}`}`;

const DESCRIPTIONS: Record<ExperimentRuntime, RuntimeDescription> = {
  docker: {
    ms: 'real ms',
    ran: (timeScale) => `at time scale ${timeScale}`,
    latencyNote: () => REAL_NOTE,
    latencyUnit: realUnit,
    title: 'Docker runtime',
    models: false,
    liveNodes: true,
  },
  local: {
    ms: 'real ms',
    ran: (timeScale) => `as processes on loopback at time scale ${timeScale} (no home routers, no shaped links)`,
    latencyNote: () => REAL_NOTE,
    latencyUnit: realUnit,
    title: 'Local runtime (processes on loopback)',
    models: false,
    liveNodes: false,
  },
  sim: {
    ms: 'virtual ms',
    ran: (timeScale) =>
      `in the simulated runtime (virtual time, ${timeScale === 1 ? 'tracks at their real size' : `at time scale ${timeScale} as a container would run it`}, one track in 32 carrying bytes that are verified; docs/simulation.md)`,
    latencyNote: (timeScale) =>
      `virtual ms from play request to first audio in the simulated runtime: ${timeScale === 1 ? 'tracks at their real size' : `tracks ${timeScale}× shorter under the time scale, network delay not`}, no CPU time (docs/simulation.md)`,
    latencyUnit: (timeScale) => `virtual ms, ${timeScale === 1 ? 'real track sizes' : `under time scale ${timeScale}`}`,
    title: 'Simulated runtime',
    models: true,
    liveNodes: false,
  },
};

/** a runtime this version does not know (a run.json from another one): its name, and nothing assumed of its clock */
function unknown(name: string): RuntimeDescription {
  return {
    ms: 'ms',
    ran: (timeScale) => `in the runtime "${name}" at time scale ${timeScale}`,
    latencyNote: () => `ms from play request to first audio in the runtime "${name}", which this version does not know`,
    latencyUnit: (timeScale) => `ms${timeScale === 1 ? '' : `, under time scale ${timeScale}`}`,
    title: `The runtime "${name}"`,
    models: false,
    liveNodes: false,
  };
}

/** the runtime called `name`; a run.json without one was made before the simulated runtime, in Docker */
export function describeRuntime(name: string | undefined): RuntimeDescription {
  if (name === undefined) return DESCRIPTIONS.docker;
  return Object.hasOwn(DESCRIPTIONS, name) ? DESCRIPTIONS[name as ExperimentRuntime] : unknown(name);
}
