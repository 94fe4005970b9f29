// The Docker runtime: applies a plan with dockerode, and finds what a run created by its labels
// (docs/architecture.md, principle 5) — containers and networks by `testbed.run`, host firewall rules by
// their comment `tb:<run>` — so `down`, `status` and crash clean-up never depend on memory.
// One module per resource, composed here: engines.ts (which engines, where a container runs),
// images.ts, networks.ts, firewall.ts, containers.ts, exec.ts (one running container), status.ts,
// reap.ts; teardown.ts is what `down` keeps while it goes through them.
import type { DockerHost } from '../../config/hosts.ts';
import { LABEL_PROJECT, LABEL_RUN, type Plan, PROJECT } from '../../plan/types.ts';
import { Progress } from '../../progress/display.ts';
import { type ApplyOptions, DownIncompleteError, type RunStatus, type Runtime } from '../types.ts';
import { type ContainerRow, containersOf, copyFolder, removeContainers, startContainers, writeFiles } from './containers.ts';
import { Engines, hostsLabel, LABEL_HOSTS } from './engines.ts';
import { execIn, followLog, isRunning, logOf, powerOf } from './exec.ts';
import { addRules, removeRules } from './firewall.ts';
import { shipImages } from './images.ts';
import { createNetworks, removeNetworks } from './networks.ts';
import { reapOrphans } from './reap.ts';
import { runsOn } from './status.ts';
import { teardown } from './teardown.ts';

/**
 * Docker through dockerode, on this machine's engine or on every host of a plan that names
 * several (docs/multi-host.md). `hosts` are the hosts to use when no plan says (`down` and
 * `status` of a run spread over hosts this machine's engine is not one of).
 */
export class DockerRuntime implements Runtime {
  private readonly engines: Engines;

  constructor(hosts?: readonly DockerHost[]) {
    this.engines = new Engines(hosts);
  }

  async apply(plan: Plan, o: ApplyOptions = {}): Promise<void> {
    const progress = o.progress ?? new Progress(true);
    const signal = o.signal;
    const check = () => {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    };
    const engines = await this.engines.enginesOf(plan.hosts);
    const extra: Record<string, string> = plan.hosts?.length ? { [LABEL_HOSTS]: hostsLabel(plan.hosts) } : {};
    writeFiles(plan, engines);
    await shipImages(plan, await this.engines.local(), engines, progress, check);
    await createNetworks(plan, engines, extra, progress, signal);
    await addRules(plan, engines, check);
    await startContainers(plan, engines, extra, this.engines.located, { progress, check, signal, readyTimeoutMs: o.readyTimeoutMs });
  }

  /**
   * A folder this machine's containers see through a bind mount, brought up to date in the
   * containers on other hosts, which got a copy when they were made: the experiment's start
   * signal (`control/start`) reaches peers on every host this way. Returns how many it updated.
   */
  async syncFolder(plan: Plan, hostDir: string): Promise<number> {
    return copyFolder(plan, await this.engines.enginesOf(plan.hosts), hostDir);
  }

  /**
   * Removes everything of the run on every engine it spans; keeps going past a failure so one
   * stuck network or one unreachable host leaves nothing else behind, then names what is left.
   * Containers go first everywhere: an overlay is only removable once no node has an endpoint on it.
   */
  async down(runId: string | 'all', o: { progress?: Progress } = {}) {
    const progress = o.progress ?? new Progress(true);
    const filter = runId === 'all' ? `${LABEL_PROJECT}=${PROJECT}` : `${LABEL_RUN}=${runId}`;
    const { engines, unreachable, hosts } = await this.engines.everyEngine(filter);
    const t = teardown(engines, unreachable, progress);
    await removeContainers(t, filter);
    await removeNetworks(t, filter);
    await removeRules(t, runId);
    const { gone, failures } = t;
    progress.line(
      `removed ${gone.container} containers, ${gone.network} networks, ${gone.rule} DOCKER-USER rules${runId === 'all' ? '' : ` of run ${runId}`}${engines.length > 1 ? ` on ${engines.length} hosts` : ''}`,
    );
    if (failures.length) throw new DownIncompleteError(runId, failures, hosts);
    return { containers: gone.container, networks: gone.network, rules: gone.rule };
  }

  async status(runId?: string): Promise<RunStatus[]> {
    const filter = runId ? `${LABEL_RUN}=${runId}` : `${LABEL_PROJECT}=${PROJECT}`;
    const { engines, unreachable } = await this.engines.everyEngine(filter);
    return runsOn(engines, unreachable, filter, runId);
  }

  /** hosts of the run the last `list` could not ask: its caller says so */
  unreachable: string[] = [];

  /** the run's containers on every host that answers: name, role, state (running, exited, ...), host */
  async list(runId: string): Promise<ContainerRow[]> {
    const { engines, unreachable } = await this.engines.everyEngine(`${LABEL_RUN}=${runId}`);
    this.unreachable = unreachable;
    return containersOf(engines, runId, this.engines.located);
  }

  /** follow a container's log, line by line, until `signal` aborts or the container ends */
  async followLogs(name: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const { docker } = await this.engines.locate(name);
    await followLog(docker, name, onLine, signal);
  }

  async logs(name: string): Promise<string> {
    const { docker } = await this.engines.locate(name);
    return logOf(docker, name);
  }

  /** power a container off at once (SIGKILL, as a power cut) or on again; its networks and addresses stay */
  async power(name: string, on: boolean): Promise<void> {
    const { docker } = await this.engines.locate(name);
    await powerOf(docker, name, on);
  }

  /** whether the container is running now (false once its program has ended) */
  async running(name: string): Promise<boolean> {
    const { docker } = await this.engines.locate(name);
    return isRunning(docker, name);
  }

  async exec(name: string, cmd: string[], timeoutMs = 60_000) {
    const { docker } = await this.engines.locate(name);
    return execIn(docker, name, cmd, timeoutMs);
  }

  /** Remove transient runs (experiments) whose orchestrator process is gone: crash clean-up. */
  async reapOrphans(progress?: Progress): Promise<string[]> {
    const { docker } = await this.engines.local();
    // by its own hosts (its labels), not by any --hosts this runtime was given for another run
    return reapOrphans(docker, (run) => (this.engines.hosts?.length ? new DockerRuntime() : this).down(run, { progress }), progress);
  }
}
