// The nightly crosscheck (docs/benchmarks.md): experiments/quick.yaml in Docker and in the
// simulation at the same time scale, judged figure by figure against the tolerances of
// docs/time-scale.md, as `testbed crosscheck` judges them. A change to either runtime that breaks
// their agreement makes the suite fail the night it lands (bench/run.ts exits 1 on `failures`),
// after the record of the other benchmarks is kept.
// `npm run bench -- crosscheck [--seeds 1,2,3]` (default: the experiment's seed; about 3 minutes a seed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSeeds } from '../orchestrator/cli/commands/crosscheck.ts';
import { crossIncompatibilities, crossVerdicts, disagreements, runCrosscheck } from '../orchestrator/compare/crosscheck.ts';
import { loadExperiment } from '../orchestrator/config/experiment.ts';
import { Progress } from '../orchestrator/progress/display.ts';

const root = path.resolve(import.meta.dirname, '..');
const EXPERIMENT = 'experiments/quick.yaml';

export async function run(args: string[]) {
  const at = args.indexOf('--seeds');
  const base = loadExperiment(path.join(root, EXPERIMENT));
  const seeds = at >= 0 ? parseSeeds(args[at + 1] ?? '') : [base.seed];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-crosscheck-'));
  const progress = new Progress();
  try {
    const places = [
      { runtime: 'docker' as const, timeScale: base.timeScale, tag: 'd' },
      { runtime: 'sim' as const, timeScale: base.timeScale, tag: 's' },
    ];
    const runs = await runCrosscheck(path.join(root, EXPERIMENT), { places, seeds, dir, id: 'xcq', progress });
    if (runs === null) throw new Error('interrupted');
    const problems = crossIncompatibilities(runs);
    if (problems.length) throw new Error(`the runs are not one experiment: ${problems.join('; ')}`);
    const verdicts = crossVerdicts(runs);
    return {
      experiment: EXPERIMENT,
      seeds,
      timeScale: base.timeScale,
      verdicts: verdicts.map((p) => ({ a: p.a, b: p.b, figures: p.figures })),
      /** the figures outside their tolerance: the suite fails on any */
      failures: disagreements(verdicts),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
