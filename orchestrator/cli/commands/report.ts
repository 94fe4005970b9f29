import path from 'node:path';
import type { Command } from 'commander';
import { writeReport } from '../../report/write.ts';

export const order = 60;

export function register(program: Command): void {
  program
    .command('report')
    .description('rebuild summary.json, tables, plots and report.md of a run from its raw reports (runs nothing)')
    .argument('<results-dir>', 'results/<run-id>')
    .action(async (dir: string) => {
      const s = await writeReport(path.resolve(dir));
      process.stderr.write(`wrote ${path.join(dir, 'summary.json')}, tables/, plots/ and report.md (${s.plays} plays)\n`);
    });
}
