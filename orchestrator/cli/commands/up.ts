import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadHosts } from '../../config/hosts.ts';
import { requireSwarm } from '../../docker/swarm.ts';
import { formatError, UserError } from '../../errors.ts';
import { writePlanPicture } from '../../graph/graph.ts';
import { ensureImages } from '../../image/build.ts';
import { netemStatus } from '../../linkcheck/netem.ts';
import { checkRunId, formatPlan, newRunId, planFromFile } from '../../plan/index.ts';
import { Progress } from '../../progress/display.ts';
import { DockerRuntime } from '../../runtime/docker/index.ts';

export const order = 30;

export function register(program: Command): void {
  program
    .command('up')
    .description('bring a testbed up from a topology; prints its run id')
    .argument('<topology>', 'topology file (topologies/<name>.yaml) or name')
    .option('--run-id <id>', 'run id (4-8 lower-case letters or digits; default: random)')
    .option('--results <dir>', 'where results/<run-id>/ goes', 'results')
    .option('--time-scale <k>', 'time scale the programs run at', '1')
    .option('--dry-run', 'print the plan and touch nothing', false)
    .option('--hosts <file>', "spread the testbed over the Docker hosts a YAML file lists (hosts: [...]; docs/multi-host.md); default: the topology's hosts:, else this machine's engine")
    .action(async (topology: string, o) => {
      const hosts = o.hosts === undefined ? undefined : loadHosts(o.hosts);
      const runId = o.runId === undefined ? newRunId() : checkRunId(o.runId);
      const resultsDir = path.resolve(o.results, runId);
      const scale = Number(o.timeScale);
      if (!(scale > 0)) throw new UserError(`--time-scale must be a positive number, got "${o.timeScale}"`);
      if (o.dryRun) {
        const plan = planFromFile(topology, { runId, resultsDir, image: 'tb-node:<built by image build>', timeScale: scale }, hosts);
        return void process.stdout.write(formatPlan(plan));
      }
      // planned, placed and its hosts checked before any image is built; the image the build
      // names goes into the plan afterwards
      const planned = planFromFile(topology, { runId, resultsDir, image: 'tb-node:<built by image build>', timeScale: scale }, hosts);
      await requireSwarm(planned.hosts);
      const progress = new Progress();
      const images = await ensureImages((l) => progress.line(l));
      const plan = { ...planned, containers: planned.containers.map((c) => ({ ...c, image: images.node })) };
      const rt = new DockerRuntime(planned.hosts);
      await rt.reapOrphans(progress);
      fs.mkdirSync(resultsDir, { recursive: true });
      fs.writeFileSync(path.join(resultsDir, 'plan.json'), JSON.stringify(plan, null, 1));
      const picture = await writePlanPicture(plan, resultsDir);
      if (picture) progress.line(picture);
      const ac = new AbortController();
      const onSigint = () => {
        progress.line('interrupted: removing everything this run created');
        ac.abort(new UserError('interrupted'));
      };
      process.once('SIGINT', onSigint);
      const t0 = Date.now();
      try {
        await rt.apply(plan, { signal: ac.signal, progress });
      } catch (err) {
        progress.line(`up failed: removing run ${runId}`);
        // the reason up failed matters more than a clean-up that also failed: print that, throw this
        await rt.down(runId, { progress }).catch((downErr: unknown) => progress.line(formatError(downErr)));
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
      const links = await netemStatus(rt, plan);
      if (links?.note) progress.line(links.note);
      progress.line(`run ${runId} up in ${Math.round((Date.now() - t0) / 1000)} s; results in ${path.relative(process.cwd(), resultsDir)}; stop it with: npx testbed down ${runId}`);
      process.stdout.write(runId + '\n');
    });
}
