// `testbed compare EXPERIMENT`: every variant × every repetition, as a paired design (the
// docs/compare.md "Design"): repetition i of every variant uses the same workload seed and the
// same placement seed, so the runs of one repetition differ only by the protocol. Each run is a
// whole fresh testbed (up, replay, collect, down), so nothing carries over between runs: no
// cache, tracker, overlay or router mapping. Repetitions are the outer loop, so a slow drift of
// the machine falls on every variant alike.
import fs from 'node:fs';
import path from 'node:path';
import type { Experiment } from '../config/experiment.ts';
import { runExperiment } from '../experiment/run.ts';
import { newRunId } from '../plan/index.ts';
import { Progress } from '../progress/display.ts';
import { loadRun, sampleOf } from './load.ts';
import type { Comparison, Method, RunSample } from './model.ts';
import { writeComparison } from './write.ts';

export interface MatrixOutcome {
  id: string;
  dir: string;
  comparison: Comparison;
  interrupted: boolean;
}

export async function runMatrix(e: Experiment, o: { resultsRoot: string; progress?: Progress; id?: string; method?: Method }): Promise<MatrixOutcome> {
  const progress = o.progress ?? new Progress();
  const id = o.id ?? newRunId();
  const dir = path.resolve(o.resultsRoot, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(e.file, path.join(dir, 'experiment.yaml'));
  const total = e.variants.length * e.repetitions;
  progress.line(`comparison ${id}: ${e.variants.length} variants × ${e.repetitions} repetitions = ${total} runs of ${e.name}; base: ${e.variants[0].name}`);
  for (const v of e.variants) progress.line(`  ${v.name}: ${v.text}`);
  const samples: RunSample[] = [];
  const warnings: string[] = [];
  let interrupted = false;
  let k = 0;
  outer: for (let rep = 0; rep < e.repetitions; rep++) {
    for (const variant of e.variants) {
      k++;
      const runDir = path.join(dir, variant.name, `rep-${rep}`);
      const t0 = Date.now();
      const r = await runExperiment(e, { resultsRoot: dir, dir: runDir, variant, repetitionOffset: rep, progress: progress.prefixed(`[${k}/${total} ${variant.name} #${rep}] `) });
      const s = r.summary as { shares: { server: number; p2p: number } };
      progress.line(
        `[${k}/${total}] ${variant.name} repetition ${rep}: run ${r.runId} in ${Math.round((Date.now() - t0) / 1000)} s, server ${(100 * s.shares.server).toFixed(1)}%, peers ${(100 * s.shares.p2p).toFixed(1)}%`,
      );
      samples.push(sampleOf(loadRun(runDir), variant.name, rep));
      const problems = (r.summary as { problems?: string[] }).problems ?? [];
      if (problems.length) warnings.push(`${variant.name} repetition ${rep} (run ${r.runId}) is not valid: ${problems.join('; ')}`);
      if (r.interrupted) {
        interrupted = true;
        warnings.push(`interrupted after ${k} of ${total} runs: the comparison holds the runs that finished (the last one partly)`);
        break outer;
      }
    }
  }
  progress.line('comparing');
  const comparison = await writeComparison(dir, {
    experiment: e.name,
    base: e.variants[0].name,
    variants: e.variants.map((v) => ({ name: v.name, description: [v.description, v.text].filter(Boolean).join(' — ') })),
    runs: samples,
    warnings,
    method: o.method,
  });
  return { id, dir, comparison, interrupted };
}
