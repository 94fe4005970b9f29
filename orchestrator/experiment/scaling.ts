// A scaling experiment (`populations:` in the experiment file): the same experiment once per
// population, the topology's countries, access mixes and routers with that many peers, each run a
// results folder of its own (peers-<n>/), and beside them what the runs say together:
// scaling.json, scaling.md and two plots, the shares of played bytes and search success against
// the peers online, each with the figure Spotify measured at its own scale ([1], reference.ts),
// drawn from report/scaling-charts.ts's configurations. docs/scaling.md says how to read them.

import fs from 'node:fs';
import path from 'node:path';
import { KN2010 } from '../analysis/reference.ts';
import type { Experiment } from '../config/experiment.ts';
import { describeModel } from '../config/sim-model.ts';
import { checkRunId, newRunId } from '../plan/index.ts';
import { withPeers } from '../plan/plan.ts';
import { Progress } from '../progress/display.ts';
import { render } from '../report/charts.ts';
import { scalingCharts } from '../report/scaling-charts.ts';
import type { Summary } from '../report/summary.schema.ts';
import { writeReport } from '../report/write.ts';
import { describeRuntime } from '../runtime/describe.ts';
import { checkResultsFolder, runExperiment } from './run.ts';

export interface ScalingRow {
  peers: number;
  runId: string;
  online: { mean: number; peak?: number };
  plays: number;
  shares: { server: number; p2p: number; cache: number };
  tracker: number;
  overlay: number;
  latencyMs: { p50: number | null; p75: number | null; p90: number | null };
  stutterRate: number;
  valid: boolean;
  /** what the run cost (simulated runtime): wall seconds, events, events per second, heap at the end */
  cost?: { wallSeconds: number; events: number; eventsPerSecond: number; heapUsedMB: number };
}

/** what scaling.md says of the experiment, kept in scaling.json so that `testbed report` can rewrite it */
interface ScalingHeader {
  name: string;
  runtime: string;
  timeScale: number;
  durationMs: number;
  seed: number;
  populations: number[];
  /** absent in scaling.json of runs before warm starts */
  warmup?: Experiment['warmup'];
  sim?: Experiment['sim'];
}

export interface ScalingOutcome {
  runId: string;
  dir: string;
  rows: ScalingRow[];
  interrupted: boolean;
}

export async function runScaling(e: Experiment, o: { resultsRoot: string; progress?: Progress; runId?: string; replace?: boolean }): Promise<ScalingOutcome> {
  const progress = o.progress ?? new Progress();
  let runId = o.runId === undefined ? newRunId() : checkRunId(o.runId);
  while (o.runId === undefined && fs.existsSync(path.join(o.resultsRoot, runId))) runId = newRunId();
  const dir = path.resolve(o.resultsRoot, runId);
  checkResultsFolder(dir, o.replace);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(e.file, path.join(dir, 'experiment.yaml'));
  const rows: ScalingRow[] = [];
  const header: ScalingHeader = { name: e.name, runtime: e.runtime, timeScale: e.timeScale, durationMs: e.durationMs, seed: e.seed, populations: e.populations, warmup: e.warmup, sim: e.sim };
  let interrupted = false;
  for (const [i, n] of e.populations.entries()) {
    const topology = withPeers(e.topology, n);
    const counts = Object.entries(topology.countries).map(([c, s]) => `${c} ${s.peers}`);
    progress.line(`population ${i + 1} of ${e.populations.length}: ${n} peers (${counts.join(', ')})`);
    const one: Experiment = {
      ...e,
      topology,
      topologyText: `${e.topologyText.trimEnd()}\n# scaled by the experiment's populations to ${n} peers: ${counts.join(', ')}\n`,
      populations: [],
    };
    const r = await runExperiment(one, { resultsRoot: dir, dir: path.join(dir, `peers-${n}`), progress });
    rows.push(rowOf(n, r.runId, r.summary as unknown as Summary, path.join(r.dir, 'run.json')));
    await writeScaling(dir, header, rows);
    if (r.interrupted) {
      interrupted = true;
      break;
    }
  }
  return { runId, dir, rows, interrupted };
}

function rowOf(peers: number, runId: string, s: Summary, runJson: string): ScalingRow {
  const info = JSON.parse(fs.readFileSync(runJson, 'utf8')) as { sim?: ScalingRow['cost'] };
  return {
    peers,
    runId,
    online: s.online ?? { mean: 0, peak: 0 },
    plays: s.plays,
    shares: s.shares,
    tracker: s.discovery.tracker,
    overlay: s.discovery.overlay,
    latencyMs: { p50: s.latencyMs.p50, p75: s.latencyMs.p75, p90: s.latencyMs.p90 },
    stutterRate: s.stutterRate,
    valid: s.valid !== false,
    ...(info.sim ? { cost: info.sim } : {}),
  };
}

const pct = (x: number) => (100 * x).toFixed(1);

function scalingTable(rows: readonly ScalingRow[]): string {
  const k = KN2010;
  const head =
    '| peers | online (mean / peak) | plays | server | peers | cache | tracker | overlay | latency p50 / p75 / p90 ms | stutters per play | wall s | events/s | heap MB |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  const body = rows
    .map((r) => {
      const c = r.cost;
      return `| ${r.peers}${r.valid ? '' : ' (not valid)'} | ${r.online.mean} / ${r.online.peak ?? '–'} | ${r.plays} | ${pct(r.shares.server)}% | ${pct(r.shares.p2p)}% | ${pct(r.shares.cache)}% | ${pct(r.tracker)}% | ${pct(r.overlay)}% | ${r.latencyMs.p50} / ${r.latencyMs.p75} / ${r.latencyMs.p90} | ${+r.stutterRate.toFixed(4)} | ${c ? c.wallSeconds : ''} | ${c ? c.eventsPerSecond : ''} | ${c ? c.heapUsedMB : ''} |`;
    })
    .join('\n');
  const ref = `\n| Spotify, [1] | over 7 million users | | ${pct(k.shares.server)}% | ${pct(k.shares.p2p)}% | ${pct(k.shares.cache)}% | ${pct(k.tracker)}% | ${pct(k.overlay)}% | ${k.latencyMs.p50} / ${k.latencyMs.p75} / ${k.latencyMs.p90} | | | | |\n`;
  return head + body + ref;
}

/**
 * `testbed report` on a scaling experiment's folder: each population's report rebuilt from its
 * raw reports, then scaling.json, scaling.md and the plots from those.
 */
export async function rewriteScaling(dir: string, progress: (line: string) => void): Promise<ScalingRow[]> {
  const old = JSON.parse(fs.readFileSync(path.join(dir, 'scaling.json'), 'utf8')) as { header: ScalingHeader; rows: ScalingRow[] };
  const rows: ScalingRow[] = [];
  for (const r of old.rows) {
    const sub = path.join(dir, `peers-${r.peers}`);
    const summary = await writeReport(sub);
    progress(`rebuilt ${sub}`);
    rows.push(rowOf(r.peers, r.runId, summary as unknown as Summary, path.join(sub, 'run.json')));
  }
  await writeScaling(dir, old.header, rows);
  return rows;
}

async function writeScaling(dir: string, e: ScalingHeader, rows: readonly ScalingRow[]): Promise<void> {
  fs.writeFileSync(path.join(dir, 'scaling.json'), JSON.stringify({ header: e, rows, reference: KN2010 }, null, 2) + '\n');
  // the configurations `testbed serve` draws in the browser; none before a population has played anything (an interrupt in the first)
  for (const [file, config] of Object.entries(scalingCharts(rows))) fs.writeFileSync(path.join(dir, file), await render(config));
  const runtime = describeRuntime(e.runtime);
  const md = `# ${e.name}: the same experiment at ${rows.length} population${rows.length === 1 ? '' : 's'}

${runtime.title}, ${e.timeScale === 1 ? 'no time scale' : `time scale ${e.timeScale}`}, ${(e.durationMs / 3_600_000).toFixed(0)} h of workload per population, seed ${e.seed}${e.warmup ? `, caches and trackers warm (warmup: ${e.warmup.days === 'auto' ? 'auto' : `${e.warmup.days} days`}; each run's run.json says how many days)` : ', every cache empty at the start'}${runtime.models && describeModel(e.sim) ? `, ${describeModel(e.sim)}` : ''}. Each population's run, report and raw reports are in \`peers-<n>/\`. "online" counts clients logged in at once: the mean over the run and the peak. The last row is what Spotify measured on the live service ([1]: Kreitz & Niemelä 2010).

${scalingTable(rows)}
![shares of played bytes against peers online](scaling-shares.png)

![search success against peers online](scaling-search.png)
`;
  fs.writeFileSync(path.join(dir, 'scaling.md'), md);
}
