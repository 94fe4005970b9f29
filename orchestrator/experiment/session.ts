// Where an experiment's repetitions run, behind one interface. `testbed run` (run.ts) does what
// every runtime shares: the results folder, run.json, the seeds, the variant's parameters, the
// notes, and the analysis at the end. A runtime does one repetition's session: plan the peers,
// start them, replay the workload, collect the data centres' reports into raw/, stop. The Docker
// runtime (docker-run.ts) does it with containers, real NAT and shaped links; the simulated one
// (sim-run.ts) with the same protocol core on a virtual clock. Both leave the same raw/, so the
// report, `testbed compare` and `testbed crosscheck` read either.
import type { Protocol } from '../../node-image/core/policies.ts';
import type { Experiment, ExperimentRuntime, Variant } from '../config/experiment.ts';
import type { Topology } from '../config/topology.ts';
import type { Progress } from '../progress/display.ts';
import type { RunInfo } from '../report/run-info.ts';

export interface Repetition {
  e: Experiment;
  variant: Variant;
  /** the topology with this repetition's placement seed */
  topology: Topology;
  /** the workload's seed */
  seed: number;
  repId: string;
  repDir: string;
  /**
   * the variant's protocol, resolved once for every runtime, with the chunk size the time scale
   * calls for: the simulation runs it, the programs get it on their command lines (node-image/contract.ts)
   */
  protocol: Protocol;
  info: RunInfo;
  /** the run's first repetition: it alone checks links and adds its own notes */
  first: boolean;
  /** a note for report.md (kept from the first repetition only) */
  note: (line: string) => void;
  progress: Progress;
  signal: AbortSignal;
  warn: (line: string) => void;
  writeInfo: () => void;
  /**
   * the workload time reached (workload ms of the measured window; `preRoll` while the simulated
   * runtime is before it): reads what the data centres' sinks appended, publishes it to live.json
   * for `testbed serve`'s live page, and returns the counts for the progress line
   */
  live: (workloadMs: number, preRoll?: boolean) => string;
}

export interface SessionRuntime {
  readonly name: ExperimentRuntime;
  /**
   * before anything is made: what this runtime cannot do with the experiment, as a UserError
   * (the hosts of a multi-host topology unreachable; a warm start it cannot give)
   */
  check?(e: Experiment): Promise<void>;
  /** it can start peers with warm caches and trackers (`warmup:`); the others start them empty */
  readonly warmsCaches?: boolean;
  /** once per run, before the first repetition: the image the peers run, and what a crashed run left */
  prepare(progress: Progress): Promise<{ image: string }>;
  /** one repetition, from plan to stop; its raw/ written under repDir */
  run(r: Repetition): Promise<void>;
}
