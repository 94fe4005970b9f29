import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type CrossRun, crosscheckMarkdown, crossIncompatibilities, crossVerdicts, disagreements, loadCrossRun, type Place, runCrosscheck } from '../../compare/crosscheck.ts';
import { checkTimeScale, loadExperiment } from '../../config/experiment.ts';
import { MODEL_FLAGS, SIM_MODELS, type SimModel } from '../../config/sim-model.ts';
import { UserError } from '../../errors.ts';
import { newRunId } from '../../plan/run-id.ts';
import { Progress } from '../../progress/display.ts';

export const order = 56;

/** `--seeds 1,2,3`: whole numbers, each once */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((x) => x.trim());
  const bad = seeds.filter((x) => !/^\d{1,9}$/.test(x));
  if (!seeds.length || bad.length) throw new UserError(`--seeds: ${bad.length ? `"${bad.join('", "')}" is not a seed` : 'no seed given'}; give whole numbers separated by commas, e.g. --seeds 1,2,3`);
  const n = seeds.map(Number);
  if (new Set(n).size !== n.length) throw new UserError(`--seeds: ${text} names a seed twice; each seed runs once per place`);
  return n;
}

/** `--keepalives eager,lazy`, `--server-data chunks,runs`, `--peer-data chunks,runs` or `--search flood,walk`: models of one part of the simulation, each once */
export function parseModels<M extends string>(flag: string, text: string, valid: readonly M[]): M[] {
  const ms = text.split(',').map((x) => x.trim());
  const bad = ms.filter((m) => !valid.includes(m as M));
  if (!ms.length || bad.length || new Set(ms).size !== ms.length)
    throw new UserError(`${flag}: ${bad.length ? `"${bad.join('", "')}" is not a model` : `${text} names a model twice`}; valid: ${valid.join(', ')}, or both as ${valid.join(',')}`);
  return ms as M[];
}

/** tags of simulated places: lower-case letters and digits but 'd' (Docker's), two per combination of models */
const TAG_CHARS = 'abcefghijklmnopqrstuvwxyz0123456789';
const PARTS = Object.keys(MODEL_FLAGS) as (keyof SimModel)[];

/**
 * One character per simulated place, so that <id><tag><seed> stays a run id of at most 8
 * characters: the combination of models (each part's index in SIM_MODELS, as digits of a mixed
 * radix) and whether it runs at the experiment's scale or unscaled.
 */
export function placeTag(model: SimModel, unscaled: boolean): string {
  let combo = 0;
  for (const part of PARTS) combo = combo * SIM_MODELS[part].length + (SIM_MODELS[part] as readonly string[]).indexOf(model[part]);
  const at = 2 * combo + (unscaled ? 1 : 0);
  if (at >= TAG_CHARS.length) throw new Error(`crosscheck: ${PARTS.length} model parts make more places than run ids can tag`);
  return TAG_CHARS[at];
}

/** every combination of the models chosen for each part */
export function modelCombinations(chosen: { [K in keyof SimModel]: readonly SimModel[K][] }): SimModel[] {
  let out: Partial<SimModel>[] = [{}];
  for (const part of PARTS) out = out.flatMap((m) => (chosen[part] as readonly string[]).map((v) => ({ ...m, [part]: v })));
  return out as SimModel[];
}

export function register(program: Command): void {
  program
    .command('crosscheck')
    .description(
      'check the simulation against the emulation: run an experiment in Docker, in the simulation at the same time scale and in the simulation unscaled (or tabulate finished runs), write crosscheck.md side by side with a verdict per figure, and exit 1 when Docker and the simulation at one scale differ beyond a tolerance of docs/time-scale.md',
    )
    .argument('<what...>', 'an experiment file, or results/<run-id> folders of one experiment')
    .option('--results <dir>', 'where results/<id>/ goes', 'results')
    .option('--no-docker', 'the two simulated runs only')
    .option('--time-scale <k>', "the Docker run's scale (default: the experiment's)")
    .option('--seeds <list>', "seeds to run in every place, comma-separated (default: the experiment's seed); the verdict compares means over them")
    .option('--keepalives <list>', "the simulation's keep-alive models to run, comma-separated: eager (the protocol's pings), lazy (docs/simulation.md, Models); default: the experiment's")
    .option(
      '--server-data <list>',
      "the simulation's server-data models to run, comma-separated: chunks (a message per chunk, the protocol's), runs (docs/simulation.md, Models); default: the experiment's",
    )
    .option(
      '--peer-data <list>',
      "the simulation's peer-data models to run, comma-separated: chunks (a message per chunk, the protocol's), runs (docs/simulation.md, Models); default: the experiment's",
    )
    .option('--search <list>', "the simulation's search models to run, comma-separated: flood (the protocol's messages), walk (docs/simulation.md, Models); default: the experiment's")
    .action(async (what: string[], o: { results: string; docker: boolean; timeScale?: string; seeds?: string } & { [K in keyof SimModel]?: string }) => {
      const progress = new Progress();
      let runs: CrossRun[];
      let dir: string;
      if (what.length === 1 && /\.ya?ml$/.test(what[0])) {
        const base = loadExperiment(what[0]);
        const scale = o.timeScale !== undefined ? checkTimeScale(o.timeScale) : base.timeScale;
        const seeds = o.seeds === undefined ? [base.seed] : parseSeeds(o.seeds);
        const id = newRunId();
        dir = path.join(o.results, `crosscheck-${id}`);
        const chosen = {} as { [K in keyof SimModel]: SimModel[K][] };
        for (const part of PARTS) {
          const text = o[part];
          Object.assign(chosen, { [part]: text === undefined ? [base.sim[part]] : parseModels(MODEL_FLAGS[part], text, SIM_MODELS[part]) });
        }
        const places: Place[] = o.docker ? [{ runtime: 'docker', timeScale: scale, tag: 'd' }] : [];
        for (const combo of modelCombinations(chosen)) {
          const model = { ...base.sim, ...combo };
          places.push({ runtime: 'sim', timeScale: scale, tag: placeTag(model, false), model });
          // unscaled as well, unless the experiment is unscaled already
          if (scale !== 1) places.push({ runtime: 'sim', timeScale: 1, tag: placeTag(model, true), model });
        }
        const done = await runCrosscheck(what[0], { places, seeds, dir, id, progress });
        if (done === null) {
          process.exitCode = 130;
          return;
        }
        runs = done;
      } else {
        for (const d of what) if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new UserError(`${d} is not a folder: give an experiment file or results/<run-id> folders`);
        if (what.length < 2) throw new UserError('give at least two results folders to put side by side');
        runs = what.map((d) => loadCrossRun(path.resolve(d)));
        const problems = crossIncompatibilities(runs);
        if (problems.length)
          throw new UserError(`these runs are not the same experiment, so side by side they would show the difference of their inputs, not of where they ran:\n  ${problems.join('\n  ')}`);
        dir = path.join(o.results, `crosscheck-${newRunId()}`);
      }
      const md = crosscheckMarkdown(runs);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'crosscheck.md'), md);
      process.stdout.write(md);
      progress.line(`written to ${path.join(dir, 'crosscheck.md')}`);
      const verdicts = crossVerdicts(runs);
      const outside = disagreements(verdicts);
      if (outside.length) {
        progress.line(`crosscheck: ${outside.length} figure${outside.length > 1 ? 's' : ''} outside the tolerance of docs/time-scale.md:\n  ${outside.join('\n  ')}`);
        process.exitCode = 1;
      } else if (verdicts.length) progress.line(`crosscheck: every figure within its tolerance (${verdicts.map((v) => `${v.b} against ${v.a}`).join('; ')})`);
    });
}
