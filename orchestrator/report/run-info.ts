// results/<run>/run.json: what the orchestrator knew about a run beside the reports. Its own
// module, so that the report's parts (summarise, render, write) and the runtimes that fill it
// depend on it and not on each other.
import type { ExperimentRuntime } from '../config/experiment.ts';
import type { SimModel } from '../config/sim-model.ts';

/** What the orchestrator knew about the run, beside the reports (results/<run>/run.json). */
export interface RunInfo {
  experiment: string;
  runId: string;
  seed: number;
  /** where it ran (absent in runs made before the simulated runtime: docker) */
  runtime?: ExperimentRuntime;
  timeScale: number;
  peers: number;
  topology: string;
  durationMs: number;
  repetitions: number;
  gitCommit: string;
  images: Record<string, string>;
  netem: boolean;
  notes: string[];
  linkCheck: unknown[];
  workload: Record<string, unknown>;
  interrupted?: boolean;
  /** peers whose program ended without its exit record: died, or stopped at the deadline */
  clientsWithoutExit?: string[];
  /** the protocol variant that ran (core/policies.ts) and its faults; absent in runs before variants existed */
  variant?: { name: string; text: string; protocol: unknown; faults: unknown[] };
  /**
   * the warm state the simulated peers started from (orchestrator/workload/warmup.ts): days of
   * history, the rule that chose them, and the cache's share of plays on each day of it
   */
  warmup?: { days: number; rule: string; plays: number; wallSeconds: number; dailyCacheShare: number[] };
  /** the simulated runtime's cost (the last repetition's) */
  sim?: { model?: SimModel; events: number; wallSeconds: number; eventsPerSecond: number; heapUsedMB: number; messages?: Record<string, number> };
  startedAt: string;
  finishedAt?: string;
}
