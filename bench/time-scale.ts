// How each summary figure drifts with the time scale, measured in the simulation, where the scale
// can be applied on purpose and nothing else changes: the same experiment, seeds and network, at
// scale 1 (tracks at their real size) and at the scales the emulation uses. The drift of a figure
// at scale k is its mean over the seeds at k minus its mean at 1; the seeds' spread says how much
// of that is noise. docs/time-scale.md turns these numbers into the tolerance rule that
// `testbed run` applies (orchestrator/analysis/time-scale.ts).
// `npm run bench -- time-scale [scales...]` (default 1 10 60 600 3000; 3 seeds; two settings).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIGURES, type FigureKey, figuresOf } from '../orchestrator/analysis/time-scale.ts';
import { mean, stdev } from '../orchestrator/compare/stats.ts';
import { loadExperiment } from '../orchestrator/config/experiment.ts';
import { runExperiment } from '../orchestrator/experiment/run.ts';
import { Progress } from '../orchestrator/progress/display.ts';

const root = path.resolve(import.meta.dirname, '..');
/** the shipped experiments the scale rule is for: the small testbed's day, and the paper's countries' first day */
const SETTINGS = [
  { name: 'small (quick.yaml, 24 h)', file: 'experiments/quick.yaml', hours: 24 },
  { name: 'paper-7 (paper-week.yaml, its first 24 h)', file: 'experiments/paper-week.yaml', hours: 24 },
];
const SEEDS = 3;

// the seeds' spread; 0 where a figure has a single value
const sd = (xs: number[]) => (xs.length < 2 ? 0 : stdev(xs));

export async function run(args: string[]) {
  const scales = (args.length ? args : ['1', '10', '60', '600', '3000']).map(Number);
  if (!scales.includes(1)) scales.unshift(1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-timescale-'));
  const settings = [];
  try {
    for (const s of SETTINGS) {
      const perScale: Record<string, Record<FigureKey, number[]>> = {};
      for (const k of scales) {
        const samples = Object.fromEntries(FIGURES.map((f) => [f.key, [] as number[]])) as Record<FigureKey, number[]>;
        for (let seed = 1; seed <= SEEDS; seed++) {
          const e = loadExperiment(path.join(root, s.file));
          e.runtime = 'sim';
          e.timeScale = k;
          e.seed = seed;
          e.durationMs = s.hours * 3_600_000;
          e.repetitions = 1;
          const t = Date.now();
          const r = await runExperiment(e, { resultsRoot: dir, progress: new Progress(true) });
          const f = figuresOf(r.summary);
          for (const fig of FIGURES) if (f[fig.key] !== null) samples[fig.key].push(f[fig.key]!);
          process.stderr.write(`${s.name}: scale ${k}, seed ${seed}: ${Math.round((Date.now() - t) / 1000)} s ${JSON.stringify(f)}\n`);
          fs.rmSync(r.dir, { recursive: true, force: true });
        }
        perScale[k] = samples;
      }
      const base = perScale[1];
      const figures = FIGURES.map((fig) => ({
        key: fig.key,
        unit: fig.unit,
        tolerance: fig.tolerance,
        byScale: scales.map((k) => {
          const xs = perScale[k][fig.key];
          const drift = xs.length && base[fig.key].length ? mean(xs) - mean(base[fig.key]) : null;
          return {
            scale: k,
            mean: xs.length ? +mean(xs).toFixed(4) : null,
            sd: +sd(xs).toFixed(4),
            drift: drift === null ? null : +drift.toFixed(4),
            within: drift === null ? null : Math.abs(drift) <= fig.tolerance,
          };
        }),
      }));
      settings.push({ setting: s.name, seeds: SEEDS, figures });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { scales, settings };
}
