import type { Command } from 'commander';
import { type Protocol, resolveProtocol } from '../../../node-image/core/policies.ts';
import { UserError } from '../../errors.ts';
import { runLocal } from '../../local/run.ts';

export const order = 10;

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be a whole number >= ${min}, got "${v}"`);
  return n;
};

export function register(program: Command): void {
  program
    .command('local')
    .description('run one data centre and N clients as processes on loopback, play a workload, print a summary')
    .option('--clients <n>', 'client processes', int('clients', 2), 30)
    .option('--plays <n>', 'plays in total', int('plays', 1), 300)
    .option('--tracks <n>', 'distinct tracks (Zipf popularity)', int('tracks', 1), 100)
    .option(
      '--time-scale <k>',
      'workload time runs k times faster than real time',
      (v) => {
        const n = Number(v);
        if (!(n > 0 && n <= 1000)) throw new UserError(`--time-scale must be in (0, 1000], got "${v}"`);
        return n;
      },
      20,
    )
    .option('--seed <n>', 'workload seed', int('seed', 0), 1)
    .option('--restart-dc', 'kill the data-centre process once mid-run and restart it', false)
    .option('--kill-clients <n>', 'kill n client processes mid-run (shows that the run detects and names them)', int('kill-clients', 1))
    .option('--params <json>', 'protocol parameter overrides as JSON', '{}')
    .option('--keep', 'keep the temporary folder (sink, caches, scripts)', false)
    .option('--json', 'print one JSON object instead of a table', false)
    .action(async (o) => {
      let params: Record<string, unknown>;
      try {
        params = JSON.parse(o.params);
      } catch {
        throw new UserError(`--params must be a JSON object, got ${o.params}`);
      }
      // resolved here, once: the programs get it on their command lines (node-image/contract.ts)
      let protocol: Protocol;
      try {
        protocol = resolveProtocol({ params });
      } catch (err) {
        throw new UserError(`--params: ${(err as Error).message}`);
      }
      if (o.killClients !== undefined && o.killClients >= o.clients) throw new UserError(`--kill-clients must be below --clients (${o.clients})`);
      const s = await runLocal({
        clients: o.clients,
        plays: o.plays,
        tracks: o.tracks,
        seed: o.seed,
        timeScale: o.timeScale,
        restartDc: o.restartDc,
        killClients: o.killClients,
        protocol,
        keepDir: o.keep,
        skipShare: 0.1,
        randomShare: 0.39,
        progress: (line) => process.stderr.write(line + '\n'),
      });
      // a run that is not valid says why and fails, after printing what it has
      if (!s.valid) process.exitCode = 1;
      if (o.json) return void process.stdout.write(JSON.stringify(s) + '\n');
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      process.stdout.write(
        [
          `plays ${s.plays} of ${s.playsScheduled} scheduled, by ${s.clients} clients over ${s.tracks} tracks (time scale ${s.timeScale}, ${s.wallSeconds} s)`,
          `bytes played: server ${pct(s.shares.server)}  peers ${pct(s.shares.p2p)}  cache ${pct(s.shares.cache)}  (${(s.bytes.total / 1e6).toFixed(1)} MB)`,
          `latency (real ms, scaled run): p50 ${s.latencyMs.p50}  p75 ${s.latencyMs.p75}  p90 ${s.latencyMs.p90}`,
          `stutters per play ${s.stutterRate.toFixed(3)}  integrity failures ${s.integrityFailures}  reports lost ${s.reportsLost} of ${s.reportsGenerated}`,
          `peer discovery: tracker ${pct(s.discovery.tracker)}  overlay ${pct(s.discovery.overlay)} of ${s.discovery.searches} searches`,
          `connections: direct ${s.connects.direct}  reversed ${s.connects.reversed}  failed ${s.connects.failed}  dc restarts ${s.dcRestarts}`,
          ...(s.valid ? [] : [`NOT VALID: ${s.problems.join('; ')}`]),
        ].join('\n') + '\n',
      );
    });
}
