import type { Command } from 'commander';
import { checkPopulations, checkRuntime, checkTimeScale, type Experiment, loadExperiment, RUNTIMES } from '../../config/experiment.ts';
import { runExperiment } from '../../experiment/run.ts';
import { runScaling } from '../../experiment/scaling.ts';
import { RUN_ID_RULE } from '../../plan/index.ts';
import { Progress } from '../../progress/display.ts';
import { describeRuntime } from '../../runtime/describe.ts';

export const order = 50;

export function register(program: Command): void {
  program
    .command('run')
    .description('run an experiment: bring the topology up, replay the workload, collect, bring it down, analyse into results/<run-id>/')
    .argument('<experiment>', 'experiment file (experiments/<name>.yaml)')
    .option('--results <dir>', 'where results/<run-id>/ goes', 'results')
    .option('--run-id <id>', `run id (${RUN_ID_RULE}; default: random); a folder that already holds a run is refused unless --replace`)
    .option('--replace', 'overwrite the results folder of --run-id if it already holds a run')
    .option('--runtime <name>', `where to run it: ${RUNTIMES.join(' or ')} (default: the experiment's runtime, else docker)`)
    .option('--time-scale <k>', "workload time runs k times faster than network time (default: the experiment's timeScale; 1 in sim without one); docs/time-scale.md")
    .option('--populations <n,...>', "run once per population, the topology's countries with this many peers (default: the experiment's populations, if any); docs/scaling.md")
    .action(async (file: string, o) => {
      const e = loadExperiment(file);
      if (o.runtime !== undefined) e.runtime = checkRuntime(o.runtime);
      if (o.timeScale !== undefined) e.timeScale = checkTimeScale(o.timeScale);
      if (o.populations !== undefined) e.populations = checkPopulations(o.populations);
      const progress = new Progress();
      if (e.populations.length) {
        const r = await runScaling(e, { resultsRoot: o.results, progress, runId: o.runId, replace: o.replace === true });
        progress.line(`results: ${r.dir}/scaling.md`);
        process.stdout.write(r.runId + '\n');
        if (r.interrupted) process.exitCode = 130;
        else if (r.rows.some((x) => !x.valid)) {
          progress.line(
            `not valid: the runs of ${r.rows
              .filter((x) => !x.valid)
              .map((x) => `${x.peers} peers`)
              .join(', ')} (see their report.md)`,
          );
          process.exitCode = 1;
        }
        return;
      }
      if (e.variants.length > 1) progress.line(`${file} lists ${e.variants.length} variants: run replays the first, ${e.variants[0].name}; testbed compare runs them all`);
      const r = await runExperiment(e, { resultsRoot: o.results, progress, runId: o.runId, replace: o.replace === true });
      progress.line(runLine(r, e));
      progress.line(`results: ${r.dir}/report.md`);
      process.stdout.write(r.runId + '\n');
      const problems = (r.summary as { problems?: string[] }).problems ?? [];
      if (r.interrupted) process.exitCode = 130;
      else if (problems.length) {
        progress.line(`the run is not valid: ${problems.join('; ')}`);
        process.exitCode = 1;
      }
    });
}

/** the line `testbed run` ends a run with: its offload and latency, in the runtime's milliseconds */
export function runLine(r: { runId: string; interrupted: boolean; summary: unknown }, e: Pick<Experiment, 'runtime' | 'timeScale'>): string {
  const s = r.summary as { shares: { server: number; p2p: number; cache: number }; plays: number; latencyMs: { p50: number | null; p90: number | null } };
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `${r.interrupted ? 'interrupted run' : 'run'} ${r.runId}: ${s.plays} plays; server ${pct(s.shares.server)}, peers ${pct(s.shares.p2p)}, cache ${pct(s.shares.cache)}; latency p50 ${s.latencyMs.p50} ms, p90 ${s.latencyMs.p90} ms (${describeRuntime(e.runtime).latencyUnit(e.timeScale)})`;
}
