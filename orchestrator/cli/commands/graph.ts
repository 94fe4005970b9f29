import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors.ts';
import { planGraph, renderPng, toDot, toMermaid } from '../../graph/graph.ts';
import { checkRunId, planFromFile } from '../../plan/index.ts';
import type { Plan } from '../../plan/types.ts';

export const order = 36;

/** the plan of a topology file, or of a run (its results/<run>/plan.json) */
export function loadPlan(what: string, resultsRoot: string): Plan {
  if (/\.ya?ml$/.test(what) || what.includes('/')) return planFromFile(what, { runId: 'graph', resultsDir: path.resolve(resultsRoot, 'graph'), image: 'tb-node' });
  if (fs.existsSync(path.join('topologies', `${what}.yaml`))) return planFromFile(what, { runId: 'graph', resultsDir: path.resolve(resultsRoot, 'graph'), image: 'tb-node' });
  const runId = checkRunId(what);
  const file = [path.join(resultsRoot, runId, 'plan.json'), path.join(resultsRoot, runId, 'rep-0', 'plan.json')].find((f) => fs.existsSync(f));
  if (!file) throw new UserError(`no topology named ${what} and no plan of run ${runId} under ${resultsRoot}/ (a run's plan is ${resultsRoot}/<run-id>/plan.json; --results names another folder)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Plan;
}

export function register(program: Command): void {
  program
    .command('graph')
    .description('the topology as a picture: Mermaid text on stdout, or a PNG (Graphviz) with --png')
    .argument('<topology-or-run>', 'a topology (topologies/<name>.yaml or a name) or a run id')
    .option('--png <file>', 'write a PNG there instead of printing Mermaid')
    .option('--dot', 'print Graphviz DOT instead of Mermaid', false)
    .option('--detail <level>', 'full (a box per container), summary (groups with counts) or auto (full up to 80 containers)', 'auto')
    .option('--results <dir>', 'where results/<run-id>/ are', 'results')
    .action(async (what: string, o: { png?: string; dot: boolean; detail: string; results: string }) => {
      if (!['full', 'summary', 'auto'].includes(o.detail)) throw new UserError(`--detail ${o.detail} is not a level; valid: full, summary, auto`);
      const g = planGraph(loadPlan(what, o.results), o.detail as 'full' | 'summary' | 'auto');
      if (o.png) {
        fs.writeFileSync(o.png, await renderPng(toDot(g)));
        process.stderr.write(`wrote ${o.png}: ${g.title}\n`);
      } else process.stdout.write(o.dot ? toDot(g) : toMermaid(g));
    });
}
