import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { rewriteScaling } from '../../experiment/scaling.ts';
import { writeReport } from '../../report/write.ts';

export const order = 60;

export function register(program: Command): void {
  program
    .command('report')
    .description('rebuild summary.json, tables, plots, report.md and report.html of a run from its raw reports (runs nothing)')
    .argument('<results-dir>', "results/<run-id> (a scaling experiment's folder: every population, then scaling.md)")
    .action(async (dir: string) => {
      if (fs.existsSync(path.join(dir, 'scaling.json'))) {
        const rows = await rewriteScaling(path.resolve(dir), (l) => process.stderr.write(`${l}\n`));
        process.stderr.write(`wrote ${path.join(dir, 'scaling.md')}, scaling.json and its plots (${rows.length} populations)\n`);
        return;
      }
      const s = await writeReport(path.resolve(dir));
      process.stderr.write(`wrote ${path.join(dir, 'summary.json')}, tables/, plots/, report.md and report.html (${s.plays} plays)\n`);
    });
}
