// The container runtime (docs/architecture.md, principle 4): the handful of operations a plan of
// containers needs; Docker implements it. A whole repetition of an experiment, in Docker or in the
// simulation, goes through the session interface one level up (orchestrator/experiment/session.ts).

import type { DockerHost } from '../config/hosts.ts';
import { UserFacingError } from '../errors.ts';
import type { Plan } from '../plan/types.ts';
import type { Progress } from '../progress/display.ts';

export interface ApplyOptions {
  signal?: AbortSignal;
  progress?: Progress;
  /** per container, to print READY; default 120 s */
  readyTimeoutMs?: number;
}

export interface RunStatus {
  runId: string;
  topology: string;
  transient: boolean;
  roles: Record<string, { count: number; running: number; exited: number }>;
  networks: number;
  /** containers per role the run's plan has (from its labels); fewer exist when `up` never finished */
  planned: Record<string, number>;
  /** every planned container exists */
  complete: boolean;
  /** spread over several hosts: per host, its address and how many of the run's containers it has and runs */
  hosts?: Record<string, { address: string; containers: number; running: number }>;
  /** hosts of the run whose engine did not answer: what they hold is not counted */
  unreachable?: string[];
}

export interface Runtime {
  apply(plan: Plan, o?: ApplyOptions): Promise<void>;
  down(runId: string | 'all', o?: { progress?: Progress }): Promise<{ containers: number; networks: number; rules: number }>;
  status(runId?: string): Promise<RunStatus[]>;
  logs(container: string): Promise<string>;
  exec(container: string, cmd: string[], timeoutMs?: number): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

export class ContainerError extends UserFacingError {
  constructor(
    readonly container: string,
    message: string,
    readonly logTail: string,
  ) {
    super(`${container}: ${message}${logTail ? `\n--- last lines of its log ---\n${logTail}` : ''}`);
  }
}

/** `down` removed what it could; these parts of the run are still there */
export class DownIncompleteError extends UserFacingError {
  constructor(
    readonly runId: string,
    readonly failures: string[],
    /** the hosts the run spans: the parts on them are found again with `down --hosts` */
    hosts: readonly DockerHost[] = [],
  ) {
    const again = `npx testbed down ${runId === 'all' ? '--all' : runId}`;
    super(
      `down left parts of ${runId === 'all' ? 'the testbed' : `run ${runId}`} in place:\n  ${failures.join('\n  ')}\n` +
        (hosts.length
          ? `run \`${again} --hosts FILE\` again, FILE holding its hosts (this machine may no longer hold the labels that name them):\nhosts:\n${hosts.map((h) => `  - { name: ${h.name}, docker: "${h.docker}", peers: ${h.peers} }`).join('\n')}\n`
          : `run \`${again}\` again; `) +
        'a network that still has active endpoints is freed by restarting dockerd',
    );
  }
}
