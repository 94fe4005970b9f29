import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { groupRuns, incompatibilities, sampleOf } from '../../compare/load.ts';
import { runMatrix } from '../../compare/matrix.ts';
import type { Comparison } from '../../compare/model.ts';
import { writeComparison } from '../../compare/write.ts';
import { checkRuntime, checkTimeScale, loadExperiment, RUNTIMES } from '../../config/experiment.ts';
import { UserError } from '../../errors.ts';
import { newRunId } from '../../plan/index.ts';
import { Progress } from '../../progress/display.ts';

export const order = 55;

/** one line per metric that moved beyond noise */
function headline(c: Comparison): string[] {
  const out: string[] = [];
  for (const m of c.metrics) {
    for (const [v, d] of Object.entries(m.vsBase)) {
      if (d.verdict === '~' || d.verdict === '?' || d.meanDiff === null) continue;
      const f = (x: number) => (m.unit === 'fraction' ? `${(100 * x).toFixed(1)} points` : x.toFixed(m.unit === 'ms' ? 0 : 3));
      out.push(`  ${v}: ${m.label} ${d.meanDiff > 0 ? '+' : ''}${f(d.meanDiff)} against ${c.base} (${d.verdict})`);
    }
  }
  return out.length ? out : ['  no difference beyond noise'];
}

export function register(program: Command): void {
  program
    .command('compare')
    .description("compare protocol variants: run an experiment's variants × repetitions (paired seeds), or compare finished runs; writes comparison.json, comparison.md and plots")
    .argument('<what...>', 'an experiment file with variants (experiments/<name>.yaml), or results/<run-id> folders to compare')
    .option('--results <dir>', 'where results/<id>/ goes', 'results')
    .option('--base <variant>', 'the variant every other is compared with (finished runs; default: the first)')
    .option('--force', 'compare finished runs even if their runtime, workload, topology, duration or time scale differ')
    .option('--runtime <name>', `for an experiment: where its runs go, ${RUNTIMES.join(' or ')} (default: the experiment's runtime)`)
    .option('--time-scale <k>', "for an experiment: its time scale (default: the experiment's timeScale); docs/time-scale.md")
    .option('--method <method>', 'bootstrap (over paired peer machines, for metrics made of plays) or t (over repetitions, for every metric); docs/compare.md', 'bootstrap')
    .action(async (what: string[], o: { results: string; base?: string; force?: boolean; method: string; runtime?: string; timeScale?: string }) => {
      if (o.method !== 'bootstrap' && o.method !== 't') throw new UserError(`--method ${o.method} is not a method; valid: bootstrap, t`);
      const method = o.method;
      const progress = new Progress();
      let c: Comparison;
      let dir: string;
      if (what.length === 1 && /\.ya?ml$/.test(what[0])) {
        const e = loadExperiment(what[0]);
        if (o.runtime !== undefined) e.runtime = checkRuntime(o.runtime);
        if (o.timeScale !== undefined) e.timeScale = checkTimeScale(o.timeScale);
        if (o.base) throw new UserError('--base is for finished runs; in an experiment the first variant is the base');
        const r = await runMatrix(e, { resultsRoot: o.results, progress, method });
        ({ comparison: c, dir } = r);
        if (r.interrupted) process.exitCode = 130;
      } else {
        for (const d of what) if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new UserError(`${d} is not a folder: give an experiment file or results/<run-id> folders`);
        const groups = groupRuns(what.map((d) => path.resolve(d)));
        const all = groups.flatMap((g) => g.runs);
        if (groups.length < 2) throw new UserError(`need runs of at least two variants to compare; ${what.join(', ')} hold${what.length === 1 ? 's' : ''} only ${groups[0]?.variant ?? 'none'}`);
        const bad = incompatibilities(all);
        if (bad.length && !o.force)
          throw new UserError(`these runs did not replay the same experiment, so their difference says nothing about the protocol:\n  ${bad.join('\n  ')}\n(--force compares them anyway)`);
        const base = o.base ?? groups[0].variant;
        if (!groups.some((g) => g.variant === base)) throw new UserError(`--base ${base} is none of the variants: ${groups.map((g) => g.variant).join(', ')}`);
        const warnings = bad.map((b) => `compared with --force although ${b}`);
        for (const g of groups) {
          const seeds = g.runs.map((r) => r.info.seed);
          const baseSeeds = groups.find((x) => x.variant === base)!.runs.map((r) => r.info.seed);
          if (seeds.some((s, i) => baseSeeds[i] !== undefined && s !== baseSeeds[i]))
            warnings.push(`${g.variant}: repetition seeds ${seeds.join(',')} differ from the base's ${baseSeeds.join(',')}: its pairs are not paired by workload`);
        }
        dir = path.resolve(o.results, `cmp-${newRunId()}`);
        fs.mkdirSync(dir, { recursive: true });
        c = await writeComparison(dir, {
          experiment: String(all[0].info.experiment),
          base,
          variants: groups.map((g) => ({ name: g.variant, ...(g.runs[0].info.variant?.text ? { description: g.runs[0].info.variant.text } : {}) })),
          runs: groups.flatMap((g) => g.runs.map((r, i) => sampleOf(r, g.variant, i))),
          warnings,
          method,
        });
      }
      progress.line(`compared ${c.variants.length} variants against ${c.base}:`);
      for (const l of headline(c)) progress.line(l);
      progress.line(`results: ${path.join(dir, 'comparison.md')}`);
      process.stdout.write(dir + '\n');
    });
}
