import type { Command } from 'commander';
import { UserError } from '../../errors.ts';
import { DockerRuntime } from '../../runtime/docker/index.ts';
import { resolveNode } from '../nodes.ts';

export const order = 39;

export function register(program: Command): void {
  program
    .command('exec')
    .description('run a command inside one node of a running testbed, e.g. exec RUN r-se-001 -- iptables -t nat -S')
    .argument('<run-id>', 'the run')
    .argument('<node>', 'the node, as inspect names it')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--timeout <s>', 'give up after this many seconds', '60')
    .action(async (runId: string, node: string, cmd: string[], o: { timeout: string }) => {
      const timeout = Number(o.timeout);
      if (!(timeout > 0)) throw new UserError(`--timeout must be a positive number of seconds, got "${o.timeout}"`);
      const rt = new DockerRuntime();
      const name = await resolveNode(rt, runId, node);
      const r = await rt.exec(name, cmd, timeout * 1000);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
