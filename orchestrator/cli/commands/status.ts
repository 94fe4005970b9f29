import type { Command } from 'commander';
import { loadHosts } from '../../config/hosts.ts';
import { Progress } from '../../progress/display.ts';
import { DockerRuntime } from '../../runtime/docker/index.ts';

export const order = 35;

export function register(program: Command): void {
  program
    .command('status')
    .description('list the testbed runs on this machine: per role, how many, how many running')
    .option('--json', 'print JSON', false)
    .option('--hosts <file>', "look on these Docker hosts (docs/multi-host.md) instead of this machine's engine and the hosts its runs name")
    .action(async (o) => {
      const rt = new DockerRuntime(o.hosts === undefined ? undefined : loadHosts(o.hosts));
      // runs whose orchestrator died are removed first, and the removal is said (on stderr)
      await rt.reapOrphans(new Progress());
      const runs = await rt.status();
      if (o.json) return void process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
      if (!runs.length) return void process.stdout.write('no testbed runs\n');
      for (const r of runs) {
        const incomplete = r.complete ? '' : ' INCOMPLETE: its up did not finish (npx testbed down ' + r.runId + ' removes it)';
        process.stdout.write(`run ${r.runId}${r.transient ? ' (experiment)' : ''}: ${r.networks} networks${incomplete}\n`);
        for (const [role, s] of Object.entries(r.roles)) {
          const planned = r.planned[role];
          const of = planned !== undefined && planned !== s.count ? `${s.count}/${planned} up` : String(s.count);
          const health = s.count === 0 ? 'none' : s.running === s.count ? 'all running' : `${s.running} running, ${s.exited} exited`;
          process.stdout.write(`  ${role.padEnd(7)} ${of.padStart(9)}  ${health}\n`);
        }
        for (const [host, h] of Object.entries(r.hosts ?? {})) {
          process.stdout.write(`  on ${host} (${h.address}): ${h.containers} containers, ${h.running === h.containers ? 'all running' : `${h.running} running`}\n`);
        }
        for (const u of r.unreachable ?? []) process.stdout.write(`  NOT COUNTED: ${u}\n`);
      }
    });
}
