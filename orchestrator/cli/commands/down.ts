import type { Command } from 'commander';
import { Progress } from '../../progress/display.ts';
import { DockerRuntime } from '../../runtime/docker.ts';
import { UserError } from '../errors.ts';

export const order = 40;

export function register(program: Command): void {
  program
    .command('down')
    .description('remove everything a run created (containers, networks, host firewall rules)')
    .argument('[run-id]', 'the run to remove')
    .option('--all', 'remove every testbed run on this machine', false)
    .action(async (runId: string | undefined, o) => {
      if (!runId && !o.all) throw new UserError('name a run id (see `npx testbed status`) or give --all');
      if (runId && o.all) throw new UserError('give either a run id or --all, not both');
      const rt = new DockerRuntime();
      await rt.down(o.all ? 'all' : runId!, { progress: new Progress() });
    });
}
