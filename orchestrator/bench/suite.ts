// Which benchmarks `npm run bench` runs when none is named: every one that is not heavy, the
// Docker one included when an engine answers. In CI (the nightly job, .ci/run) the Docker
// measures are part of the record the gate compares, so a missing engine is an error there: a
// silent skip would leave the gate nothing to say about them night after night (their measures
// would be "new" every time the engine comes back). On a developer's machine it is said and skipped.

export interface BenchmarkInfo {
  /** needs a Docker engine */
  docker: boolean;
  /** too long for the default suite: runs only when named */
  heavy?: boolean;
}

/** CI=true, as GitHub Actions and .ci/run set it; CI=false or 0 is not CI */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return !!v && v !== 'false' && v !== '0';
}

export interface DefaultSuite {
  names: string[];
  /** Docker benchmarks left out, and why: to be printed */
  skipped: string | null;
}

/**
 * The default suite. `engine` is null when the Docker engine answered, else why not (the error's
 * message). Throws in CI when a Docker benchmark would have to be skipped.
 */
export function defaultSuite(benchmarks: Record<string, BenchmarkInfo>, engine: string | null, ci: boolean): DefaultSuite {
  const names = Object.keys(benchmarks).filter((n) => !benchmarks[n].heavy);
  const needDocker = names.filter((n) => benchmarks[n].docker);
  if (engine === null || needDocker.length === 0) return { names, skipped: null };
  if (ci) throw new Error(`CI is set and the benchmark suite includes ${needDocker.join(', ')}, which needs the Docker engine: ${engine}`);
  return {
    names: names.filter((n) => !benchmarks[n].docker),
    skipped: `SKIPPING ${needDocker.join(', ')}: no Docker engine (${engine.replace(/\.$/, '')}); this record has no Docker measures. Start dockerd (node bin/setup.js --docker as root) to include them.`,
  };
}
