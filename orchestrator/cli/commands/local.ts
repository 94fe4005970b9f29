// `testbed local`: the shipped experiments/local.yaml with the flags written into it, run by the
// local runtime as `testbed run --runtime local` runs any experiment, plus the drill that only
// processes can have (the runtime's LocalDrill). The flags become the experiment file itself, so
// that the results folder's experiment.yaml says what ran and the schema checks what was asked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { parse, stringify } from 'yaml';
import { resolveProtocol } from '../../../node-image/core/policies.ts';
import { checkTimeScale, loadExperiment } from '../../config/experiment.ts';
import { UserError } from '../../errors.ts';
import { LOCAL_MAX_PEERS } from '../../experiment/local-run.ts';
import { runExperiment } from '../../experiment/run.ts';
import { Progress } from '../../progress/display.ts';
import type { Summary } from '../../report/summary.schema.ts';

export const order = 10;

const SHIPPED = path.resolve(import.meta.dirname, '../../../experiments/local.yaml');

const int =
  (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got "${v}"`);
    return n;
  };

export function register(program: Command): void {
  program
    .command('local')
    .description('run the real programs as processes on loopback (experiments/local.yaml on the local runtime), optionally kill and restart some mid-run, print a summary')
    .option('--clients <n>', `peers, one client process each (at most ${LOCAL_MAX_PEERS})`, int('clients', 2, LOCAL_MAX_PEERS), 30)
    .option('--tracks <n>', 'tracks in the catalogue (Zipf popularity)', int('tracks', 1), 100)
    .option('--duration <d>', "workload time to play from Monday 18:00, e.g. 30min, 2h (default: experiments/local.yaml's 1h)")
    .option('--time-scale <k>', 'workload time runs k times faster than real time (1 to 5000)', '20')
    .option('--seed <n>', 'workload and placement seed', int('seed', 0), 1)
    .option('--restart-dc', 'kill the data-centre processes once mid-run and restart them on their ports and sinks', false)
    .option('--kill-clients <n>', 'kill n client processes mid-run for good (shows that the run detects and names them)', int('kill-clients', 1))
    .option('--params <json>', 'protocol parameter overrides as JSON', '{}')
    .option('--keep', 'keep the temporary folder (the experiment file written and the run: report.md, raw reports)', false)
    .option('--json', "print the run's summary.json instead of a table", false)
    // the demo's own generated workload is gone: the synthetic one of every experiment plays instead
    .addOption(new Option('--plays <n>').hideHelp())
    .action(async (o) => {
      if (o.plays !== undefined)
        throw new UserError(
          '--plays is gone: testbed local plays the synthetic workload of experiments/local.yaml, whose plays follow from the peers and the length; give --duration (e.g. 30min) instead',
        );
      let params: Record<string, unknown>;
      try {
        params = JSON.parse(o.params);
      } catch {
        throw new UserError(`--params must be a JSON object, got ${o.params}`);
      }
      // checked here so that the message names the flag rather than the written file's line
      try {
        resolveProtocol({ params });
      } catch (err) {
        throw new UserError(`--params: ${(err as Error).message}`);
      }
      const timeScale = checkTimeScale(o.timeScale);
      if (o.killClients !== undefined && o.killClients >= o.clients) throw new UserError(`--kill-clients must be below --clients (${o.clients})`);

      const raw = parse(fs.readFileSync(SHIPPED, 'utf8')) as {
        topology: { countries: Record<string, { peers: number }> };
        workload: { synthetic: Record<string, unknown> };
        [k: string]: unknown;
      };
      for (const c of Object.values(raw.topology.countries)) c.peers = o.clients;
      raw.workload.synthetic.catalogue = o.tracks;
      Object.assign(raw, { timeScale, seed: o.seed, ...(o.duration !== undefined ? { duration: o.duration } : {}), ...(Object.keys(params).length ? { params } : {}) });

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-local-'));
      const progress = new Progress();
      try {
        const file = path.join(dir, 'local.yaml');
        fs.writeFileSync(file, stringify(raw));
        const e = loadExperiment(file);
        const drill = { ...(o.killClients ? { killPeers: o.killClients } : {}), ...(o.restartDc ? { restartDcs: true } : {}) };
        const r = await runExperiment(e, { resultsRoot: dir, runId: 'local', progress, drill });
        const s = r.summary as Summary;
        if (r.interrupted) process.exitCode = 130;
        // a run that is not valid says why and fails, after printing what it has
        else if (!s.valid) process.exitCode = 1;
        if (o.keep) progress.line(`kept ${dir} (the run: ${r.dir}/report.md)`);
        if (o.json) return void process.stdout.write(JSON.stringify(s) + '\n');
        process.stdout.write(table(s, e.durationMs) + '\n');
      } finally {
        // a Ctrl-C ends the run (run.ts stops its programs) and lands here too
        if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}

function table(s: Summary, durationMs: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const scheduled = s.playAccounting ? ` of ${s.playAccounting.scheduled} scheduled` : '';
  return [
    `plays ${s.plays}${scheduled}, by ${s.peers} peers over ${durationMs / 60_000} min of workload (time scale ${s.timeScale})`,
    `bytes played: server ${pct(s.shares.server)}  peers ${pct(s.shares.p2p)}  cache ${pct(s.shares.cache)}  (${(s.bytes.total / 1e6).toFixed(1)} MB)`,
    `latency (${s.latencyMs.note}): p50 ${s.latencyMs.p50}  p75 ${s.latencyMs.p75}  p90 ${s.latencyMs.p90}`,
    `stutters per play ${s.stutterRate.toFixed(3)}  integrity failures ${s.integrityFailures}  reports lost ${s.reportsLost}`,
    `peer discovery: tracker ${pct(s.discovery.tracker)}  overlay ${pct(s.discovery.overlay)}`,
    ...(s.notes ?? []).filter((n) => n.startsWith('drill: ')),
    ...(s.valid ? [] : [`NOT VALID: ${(s.problems ?? []).join('; ')}`]),
  ].join('\n');
}
