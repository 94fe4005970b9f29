// Crash clean-up: a transient run (an experiment's) carries the process id of the orchestrator
// that made it; once that process is gone, nothing else will bring the run down.
import type Docker from 'dockerode';
import { formatError } from '../../errors.ts';
import { LABEL_RUN } from '../../plan/types.ts';
import type { Progress } from '../../progress/display.ts';

/** Removes, with `down`, the transient runs on this machine's engine whose orchestrator process is gone; returns their ids. */
export async function reapOrphans(docker: Docker, down: (run: string) => Promise<unknown>, progress?: Progress): Promise<string[]> {
  const cs = [
    ...(await docker.listContainers({ all: true, filters: { label: ['testbed.transient=true'] } })),
    // a crash while networks were being made leaves networks and no container
    ...(await docker.listNetworks({ filters: { label: ['testbed.transient=true'] } })).map((n) => ({ Labels: n.Labels ?? {} })),
  ];
  const dead = new Set<string>();
  for (const c of cs) {
    const pid = Number(c.Labels['testbed.owner-pid']);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid > 0;
    } catch {
      alive = false;
    }
    if (!alive) dead.add(c.Labels[LABEL_RUN]);
  }
  for (const run of dead) {
    progress?.line(`removing run ${run}: its orchestrator process is gone`);
    // a run that will not go is reported, not a reason to refuse the new one
    await down(run).catch((err: unknown) => progress?.line(formatError(err)));
  }
  return [...dead];
}
