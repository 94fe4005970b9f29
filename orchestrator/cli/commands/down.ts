import type { Command } from 'commander';
import { loadHosts } from '../../config/hosts.ts';
import { UserError } from '../../errors.ts';
import { checkRunId } from '../../plan/index.ts';
import { Progress } from '../../progress/display.ts';
import { DockerRuntime } from '../../runtime/docker/index.ts';

export const order = 40;

export function register(program: Command): void {
  program
    .command('down')
    .description('remove everything a run created (containers, networks, host firewall rules)')
    .argument('[run-id]', 'the run to remove')
    .option('--all', 'remove every testbed run on this machine', false)
    .option('--hosts <file>', "the Docker hosts a run spans (docs/multi-host.md), when this machine's engine is not one of them; default: the hosts the run's objects here name")
    .action(async (runId: string | undefined, o) => {
      if (!runId && !o.all) throw new UserError('name a run id (see `npx testbed status`) or give --all');
      if (runId && o.all) throw new UserError('give either a run id or --all, not both');
      if (runId) checkRunId(runId);
      const rt = new DockerRuntime(o.hosts === undefined ? undefined : loadHosts(o.hosts));
      const removed = await rt.down(o.all ? 'all' : runId!, { progress: new Progress() });
      if (runId && removed.containers + removed.networks + removed.rules === 0)
        throw new UserError(
          `there is no run ${runId} on ${o.hosts ? 'those hosts' : 'this machine'}: nothing carries its label or its firewall comment (npx testbed status lists the runs${o.hosts ? '' : '; parts an earlier down left on other hosts are found with --hosts FILE'})`,
        );
    });
}
