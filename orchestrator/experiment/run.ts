// `testbed run`: one experiment's variant, its repetitions each a session of the chosen runtime
// (session.ts: plan, start, replay, collect, stop), then the analysis into results/<run>/.

import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { chunkBytesFor } from '../../node-image/core/content.ts';
import { resolveProtocol } from '../../node-image/core/policies.ts';
import { distortedAt } from '../analysis/time-scale.ts';
import type { Experiment, ExperimentRuntime, Variant } from '../config/experiment.ts';
import { DCS } from '../config/topology.ts';
import { checkRunId, newRunId, RunIdError } from '../plan/index.ts';
import { Progress } from '../progress/display.ts';
import { LiveFile } from '../progress/live.ts';
import type { RunInfo } from '../report/run-info.ts';
import { writeReport } from '../report/write.ts';
import { SinkFollower } from './follow.ts';
import type { LocalDrill } from './local-run.ts';
import { sessionRuntime } from './runtimes.ts';
import type { SessionRuntime } from './session.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunOutcome {
  runId: string;
  dir: string;
  summary: Record<string, unknown>;
  interrupted: boolean;
}

export interface RunOptions {
  resultsRoot: string;
  progress?: Progress;
  runId?: string;
  /** the variant to run (default: the experiment's first, its base) */
  variant?: Variant;
  /** the results folder (default: resultsRoot/runId); `testbed compare` names it by variant and repetition */
  dir?: string;
  /** the first repetition's index: compare runs one repetition per call, with the seeds of that index */
  repetitionOffset?: number;
  /** where it runs (default: the experiment's `runtime`) */
  runtime?: ExperimentRuntime;
  /** remove a results folder that already holds a run and write anew (default: refuse, naming it) */
  replace?: boolean;
  /** the local runtime's drill (`testbed local`), which no experiment file can ask for */
  drill?: LocalDrill;
}

/**
 * Refuse to write into a folder that already holds a run, unless told to replace it: a reused
 * --run-id used to overwrite an earlier run's results silently, even another experiment's.
 */
export function checkResultsFolder(dir: string, replace = false): void {
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) return;
  // replaced whole: raw reports left from the earlier run would be read as this run's
  if (replace) return void fs.rmSync(dir, { recursive: true, force: true });
  let what = 'files';
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as Partial<RunInfo>;
    what = `run ${info.runId} of experiment ${info.experiment}${info.startedAt ? `, started ${info.startedAt}` : ''}`;
  } catch {
    // not a finished run's folder, or no run.json yet: still not ours to overwrite
  }
  throw new RunIdError(`${dir} already holds ${what}: give another --run-id (or none, for a fresh one), or --replace to overwrite it`);
}

export async function runExperiment(e: Experiment, o: RunOptions): Promise<RunOutcome> {
  // what the runtime cannot do with this experiment is said before anything is made
  const runtime = o.runtime ?? e.runtime;
  const session = await sessionRuntime(runtime, e, o.drill);
  const display = o.progress ?? new Progress();
  let runId = o.runId === undefined ? newRunId() : checkRunId(o.runId);
  // a fresh id that happens to name an existing folder is drawn again; a given one is checked
  while (o.runId === undefined && o.dir === undefined && fs.existsSync(path.join(o.resultsRoot, runId))) runId = newRunId();
  const dir = path.resolve(o.dir ?? path.join(o.resultsRoot, runId));
  checkResultsFolder(dir, o.replace);
  fs.mkdirSync(dir, { recursive: true });
  const count = o.repetitionOffset === undefined ? e.repetitions : 1;
  // the page `testbed serve` shows while the run goes (progress/live.ts); every warning the run prints goes on it too
  const live = new LiveFile(
    dir,
    { runId, experiment: e.name, runtime, durationMs: e.durationMs, repetitions: count },
    { onError: (err) => display.line(`warning: ${path.join(dir, 'live.json')} cannot be written (${err.message}); the run goes on without its live page`) },
  );
  const progress = display.observed((line) => {
    if (line.startsWith('warning: ')) live.warn(line.slice('warning: '.length));
  });
  try {
    const outcome = await runIn(e, o, { session, runtime, progress, runId, dir, count, live });
    live.end(outcome.interrupted ? 'failed' : 'finished', outcome.interrupted ? 'the run was interrupted' : undefined);
    return outcome;
  } catch (err) {
    live.end('failed', `the run failed: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

interface Setting {
  session: SessionRuntime;
  runtime: ExperimentRuntime;
  progress: Progress;
  runId: string;
  dir: string;
  /** repetitions this call runs */
  count: number;
  live: LiveFile;
}

async function runIn(e: Experiment, o: RunOptions, { session, runtime, progress, runId, dir, count, live }: Setting): Promise<RunOutcome> {
  const variant = o.variant ?? e.variants[0];
  fs.copyFileSync(e.file, path.join(dir, 'experiment.yaml'));
  fs.writeFileSync(path.join(dir, 'topology.yaml'), e.topologyText);
  const { image } = await session.prepare(progress);
  const gitCommit = (await execa('git', ['rev-parse', 'HEAD'], { cwd: ROOT, reject: false })).stdout.trim() || 'unknown';

  const ac = new AbortController();
  const onSigint = () => {
    progress.line('interrupted: collecting what the data centres hold, then removing the testbed');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  const notes: string[] = [];
  const info: RunInfo = {
    experiment: e.name,
    runId,
    seed: e.seed,
    runtime,
    timeScale: e.timeScale,
    peers: 0,
    topology: e.topology.name,
    durationMs: e.durationMs,
    repetitions: e.repetitions,
    gitCommit,
    images: { node: image },
    netem: false,
    notes,
    linkCheck: [],
    workload: {},
    startedAt: new Date().toISOString(),
    variant: { name: variant.name, text: variant.text, protocol: variant.protocol, faults: variant.faults },
  };
  const writeInfo = () => fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(info, null, 2) + '\n');
  // which figures this scale moves beyond their tolerance, said before the run and kept in report.md
  const distorted = distortedAt(e.timeScale);
  if (distorted.length) {
    const line = `time scale ${e.timeScale} distorts, beyond their tolerance (docs/time-scale.md): ${distorted.join('; ')}`;
    progress.line(`note: ${line}`);
    notes.push(line);
  }
  // one follower for the whole run: plays and shares add up over the repetitions, as in the summary
  const sinks = new SinkFollower([], () => Number(info.workload?.preRollMs ?? 0));
  try {
    const first = o.repetitionOffset ?? 0;
    if (o.repetitionOffset !== undefined) info.repetitions = 1;
    for (let rep = first; rep < first + count && !ac.signal.aborted; rep++) {
      const seed = e.seed + rep;
      const repId = count > 1 ? `${runId}${rep}` : runId;
      const repDir = count > 1 ? path.join(dir, `rep-${rep}`) : dir;
      info.seed = e.seed + first;
      const params: Record<string, unknown> = { ...variant.protocol.params };
      const topology = { ...e.topology, seed: e.topology.seed + rep };
      const note = (line: string) => {
        if (rep === first) notes.push(line);
      };
      const warn = (line: string) => {
        progress.line(`warning: ${line}`);
        note(line);
      };
      if (params.chunkBytes === undefined) {
        params.chunkBytes = chunkBytesFor(e.timeScale);
        if (params.chunkBytes !== 16_384) note(`chunk size ${params.chunkBytes} bytes instead of 16 KiB, so that tracks shortened by the time scale ${e.timeScale} still span several chunks`);
      }
      // resolved here, once, for whichever runtime: the simulation runs it, the programs get it on their command lines
      const protocol = resolveProtocol({ ...variant.protocol, params });
      sinks.follow(DCS.map((dc) => path.join(repDir, 'raw', dc, 'reports.jsonl')));
      let reached = { workloadMs: 0, preRoll: false };
      const publish = () => live.update({ repetition: rep - first + 1, ...reached, ...sinks.figures() });
      const tick = (workloadMs: number, preRoll = false) => {
        reached = { workloadMs, preRoll };
        sinks.poll();
        publish();
        return sinks.summary();
      };
      try {
        await session.run({ e, variant, topology, seed, repId, repDir, protocol, info, first: rep === first, note, progress, signal: ac.signal, warn, writeInfo, live: tick });
        // run to its end, it reached the window's end whether or not a tick saw it (a short simulation takes less than one)
        if (!ac.signal.aborted) reached = { workloadMs: e.durationMs, preRoll: false };
      } finally {
        // the data centres are stopped: what their sinks hold now is all this repetition reported
        sinks.poll();
        publish();
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    info.interrupted = ac.signal.aborted;
    info.finishedAt = new Date().toISOString();
    writeInfo();
  }
  progress.line('analysing the collected reports');
  const summary = await writeReport(dir);
  return { runId, dir, summary, interrupted: ac.signal.aborted };
}
