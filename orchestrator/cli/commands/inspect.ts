import type { Command } from 'commander';
import { DockerRuntime } from '../../runtime/docker/index.ts';
import { inspectRows, inspectText } from '../../runtime/docker/inspect.ts';
import { findPlan, runNodes } from '../nodes.ts';

export const order = 37;

export function register(program: Command): void {
  program
    .command('inspect')
    .description('every container of a running testbed: role, country, router category, access, addresses, UPnP outcome, state')
    .argument('<run-id>', 'the run (npx testbed status lists them)')
    .option('--role <role>', 'only this role (peer, router, dc, dns, core)')
    .option('--country <cc>', 'only this country')
    .option('--json', 'print JSON', false)
    .option('--results <dir>', 'where results/<run-id>/ are (for the plan)', 'results')
    .action(async (runId: string, o: { role?: string; country?: string; json: boolean; results: string }) => {
      const rt = new DockerRuntime();
      const nodes = await runNodes(rt, runId);
      const plan = findPlan(o.results, runId);
      // the rows are built in runtime/docker/inspect.ts, which `testbed serve` shows too
      const rows = await inspectRows(rt, runId, nodes, plan, { role: o.role, country: o.country });
      if (o.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      if (!plan) process.stderr.write(`no plan of run ${runId} under ${o.results}/: countries, categories and addresses are not shown\n`);
      process.stdout.write(inspectText(rows));
    });
}
