import type { Command } from 'commander';
import { DockerRuntime } from '../../runtime/docker/index.ts';
import { resolveNode } from '../nodes.ts';

export const order = 38;

export function register(program: Command): void {
  program
    .command('logs')
    .description('the log of one node of a running testbed (p-se-003, r-gb-001, dc-stockholm...)')
    .argument('<run-id>', 'the run')
    .argument('<node>', 'the node, as inspect names it')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C or the node ends', false)
    .action(async (runId: string, node: string, o: { follow: boolean }) => {
      const rt = new DockerRuntime();
      const name = await resolveNode(rt, runId, node);
      process.stdout.write(await rt.logs(name));
      if (!o.follow) return;
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      await rt.followLogs(name, (l) => process.stdout.write(l + '\n'), ac.signal);
    });
}
