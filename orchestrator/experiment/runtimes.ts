// The runtimes by name: what `runtime:` in an experiment and `--runtime` choose. An unknown name
// is answered with the valid ones (containerlab's runtime.NewRuntime habit). Each runtime checks
// what it cannot do with an experiment before anything is made (SessionRuntime.check). What each
// says of itself in reports is runtime/describe.ts, keyed by the same names.
import { type Experiment, type ExperimentRuntime, RUNTIMES } from '../config/experiment.ts';
import { UserError } from '../errors.ts';
import { DockerSession } from './docker-run.ts';
import { type LocalDrill, LocalSession } from './local-run.ts';
import type { SessionRuntime } from './session.ts';
import { SimSession } from './sim-run.ts';

const registry: Record<ExperimentRuntime, (drill?: LocalDrill) => SessionRuntime> = {
  docker: () => new DockerSession(),
  local: (drill) => new LocalSession(drill),
  sim: () => new SimSession(),
};

/** the session runtime called `name`, checked against the experiment it is to run; a drill is the local runtime's alone */
export async function sessionRuntime(name: string, e: Experiment, drill?: LocalDrill): Promise<SessionRuntime> {
  const make = (registry as Record<string, ((drill?: LocalDrill) => SessionRuntime) | undefined>)[name];
  if (!make) throw new UserError(`runtime "${name}" is not a runtime; valid: ${RUNTIMES.join(', ')}`);
  if (drill && name !== 'local') throw new UserError(`the ${name} runtime has no drill: killing and restarting programs is the local runtime's (testbed local)`);
  const session = make(drill);
  // a warm start is a replay through caches alone, which only the simulation can hand its peers
  // (a container's cache is a gigabyte of files)
  if (e.warmup && !session.warmsCaches)
    throw new UserError(
      `${e.file}: warmup: the ${name} runtime starts every cache empty; only the simulated runtime (runtime: sim, or --runtime sim) warms caches and trackers; remove warmup to run it here`,
    );
  await session.check?.(e);
  return session;
}
