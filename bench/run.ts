// Benchmarks: numbers written to bench/out/<name>.json (and printed), never asserted in tests.
// `npm run bench [-- name [args...]] [--history FILE | --no-history]` runs the named one (default:
// every one that is not heavy, the Docker one when an engine answers: orchestrator/bench/suite.ts),
// then appends one record of their measures to the benchmark history that `testbed bench gate`
// compares (docs/benchmarks.md). Which benchmarks give measures, and how many times each is
// repeated for its samples, is orchestrator/bench/registry.ts.
import fs from 'node:fs';
import path from 'node:path';
import { appendRecord, defaultHistoryPath } from '../orchestrator/bench/history.ts';
import { collect, currentCommit, type Measure, machineInfo } from '../orchestrator/bench/measures.ts';
import { registry } from '../orchestrator/bench/registry.ts';
import { type BenchmarkInfo, defaultSuite, isCI } from '../orchestrator/bench/suite.ts';
import { requireEngine } from '../orchestrator/docker/engine.ts';

const here = import.meta.dirname;
/** `writes`: the benchmark prints its own table and writes its own JSON (where its --json says), so it is neither echoed nor written here */
export const benchmarks: Record<string, BenchmarkInfo & { run: (args: string[]) => Promise<unknown>; writes?: true }> = {
  protocol: { docker: false, run: async () => (await import('./protocol.ts')).run() },
  docker: { docker: true, run: async () => (await import('./docker-scale.ts')).runSuite() },
  // the sweep at 50, 100, 300 peers (about 15 minutes): only when named, once, not gated
  'docker-scale': { docker: true, heavy: true, run: async (args) => (await import('./docker-scale.ts')).run(args) },
  // one topology on one host, then over three Swarm-joined engines on this machine (docs/multi-host.md); ~8 min
  'multi-host': { docker: true, heavy: true, run: async (args) => (await import('./multi-host.ts')).run(args) },
  sim: { docker: false, run: async () => (await import('./sim-scale.ts')).runSuite() },
  // 10,000 peers warm in Monday's evening hour (~5 min): the simulator at a population it must keep reaching
  'sim-10k': { docker: false, run: async () => (await import('./sim-scale.ts')).runSuite10k() },
  // quick.yaml in Docker and in the simulation at its scale, judged by docs/time-scale.md's
  // tolerances: the suite fails when they disagree (~3 min)
  crosscheck: { docker: true, run: async (args) => (await import('./crosscheck.ts')).run(args) },
  // hours of wall time at 10,000 peers: only when named
  'sim-scale': { docker: false, heavy: true, run: async (args) => (await import('./sim-scale.ts')).run(args) },
  // how much of a synthetic day could come from a cache or a peer at all, by population (docs/scaling.md); ~1 min
  'workload-overlap': { docker: false, heavy: true, run: async (args) => (await import('./workload-overlap.ts')).run(args) },
  // how each summary figure drifts with the time scale, in the simulation (docs/time-scale.md); ~20 min
  'time-scale': { docker: false, heavy: true, run: async (args) => (await import('./time-scale.ts')).run(args) },
  // how far the answer moves with each unsourced workload input (docs/scaling.md); ~15 min at 1,000 peers
  sensitivity: { docker: false, heavy: true, run: async (args) => (await import('./sensitivity.ts')).run(args) },
  // the Last.fm importer on a generated file the size of the whole data set (docs/traces.md); ~3 min
  'lastfm-import': { docker: false, heavy: true, run: async (args) => (await import('./lastfm-import.ts')).run(args) },
  // the MSSD importer on generated logs of 10^6 and 10^7 rows, each import in a process of its own (docs/traces.md); ~2 min
  'mssd-import': { docker: false, heavy: true, run: async (args) => (await import('./mssd-import.ts')).run(args) },
  // a workload's listening behaviour (sessions, arrivals, lengths, skips, repeat listening) from an
  // experiment or a trace file, as a table and JSON (docs/workload.md); seconds
  'workload-stats': { docker: false, heavy: true, writes: true, run: async (args) => (await import('./workload-stats.ts')).run(args) },
};

// the history flags are taken out first, so that FILE is not read as a benchmark's name
let historyFile: string | null = defaultHistoryPath();
const rest: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--no-history') historyFile = null;
  else if (a === '--history' || a.startsWith('--history=')) {
    const v = a === '--history' ? argv[++i] : a.slice('--history='.length);
    if (!v) throw new Error('--history needs a file');
    historyFile = path.resolve(v);
  } else rest.push(a);
}

const wanted = rest.filter((a) => !a.startsWith('-'));
async function engineProblem(): Promise<string | null> {
  try {
    await requireEngine();
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

let names: string[];
if (wanted.length) names = wanted.slice(0, 1);
else {
  // decided before anything runs: CI without an engine fails at once, not after the other benchmarks
  const suite = defaultSuite(benchmarks, await engineProblem(), isCI());
  if (suite.skipped) process.stderr.write(`\n!! ${suite.skipped}\n\n`);
  names = suite.names;
}
// everything after the benchmark's name is its own, flags included (sim-scale's --hours)
const args = wanted.length ? rest.slice(rest.indexOf(wanted[0]) + 1) : [];
fs.mkdirSync(path.join(here, 'out'), { recursive: true });
const measures: Measure[] = [];
/** what a benchmark found wrong (its result's `failures`): the suite exits 1 on any, after the history is kept */
const failures: string[] = [];
for (const name of names) {
  const b = benchmarks[name];
  if (!b) throw new Error(`unknown benchmark "${name}"; valid: ${Object.keys(benchmarks).join(', ')}`);
  const gated = registry[name];
  const repeat = gated?.repeat ?? 1;
  const runs: unknown[] = [];
  for (let i = 0; i < repeat; i++) {
    process.stderr.write(`== ${name}${repeat > 1 ? ` (${i + 1}/${repeat})` : ''}\n`);
    runs.push(await b.run(args));
  }
  for (const r of runs) for (const f of (r as { failures?: string[] }).failures ?? []) failures.push(`${name}: ${f}`);
  const own = gated ? collect(runs.map((r) => gated.points(r))) : [];
  measures.push(...own);
  // the last run's fields as before, and every repetition's numbers as the measures' samples
  const result = { benchmark: name, at: new Date().toISOString(), ...(runs.at(-1) as object), ...(own.length ? { repetitions: repeat, measures: own } : {}) };
  if (b.writes) continue;
  const file = path.join(here, 'out', `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.stderr.write(`written to ${path.relative(process.cwd(), file)}\n`);
}

if (historyFile && measures.length) {
  const record = { commit: await currentCommit(path.resolve(here, '..')), date: new Date().toISOString(), machine: await machineInfo(), measures };
  appendRecord(historyFile, record);
  process.stderr.write(`appended ${measures.length} measures of ${record.commit} (${record.machine.kind}) to ${historyFile}; \`npx testbed bench gate\` compares them with earlier runs\n`);
}
if (failures.length) {
  process.stderr.write(`\n!! ${failures.length} failure${failures.length > 1 ? 's' : ''}:\n  ${failures.join('\n  ')}\n`);
  process.exitCode = 1;
}
