// What each runtime says of itself wherever a run is described: report.md, summary.json's latency
// note, scaling.md and the line `testbed run` ends with. The words are those of every run made so
// far, so that a report rebuilt today says what it said then; a run.json of a runtime this version
// does not know is still described.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { playReport } from '../../node-image/core/test/reports.ts';
import { runLine } from '../cli/commands/run.ts';
import type { ExperimentRuntime } from '../config/experiment.ts';
import { runMarkdown, runTables } from '../report/render.ts';
import type { RunInfo } from '../report/run-info.ts';
import { summarise } from '../report/summarise.ts';
import { testRunInfo } from '../report/test/run-info.ts';
import { makeScalingFolder } from '../report/test/scaling-folder.ts';
import { describeRuntime } from './describe.ts';

const reports = [playReport({ clientId: 'a', seq: 0, t: 60_000, bytes: { server: 600, p2p: 300, cache: 100 }, latencyMs: 40 })];

/** report.md's sentence on how the workload ran, its latency line, and summary.json's latency note */
function report(runtime: string | undefined, timeScale: number) {
  const info = testRunInfo({ runtime: runtime as RunInfo['runtime'], timeScale });
  const a = summarise({ info, reports, generated: new Map(), badLines: 0 });
  const md = runMarkdown(a, info, runTables(a));
  const ran = md.match(/h of workload time (.*), seed 1\./)?.[1];
  const latency = md.match(/^Latency \((.*?)\): p50/m)?.[1];
  return { ran, latency, note: a.summary.latencyMs.note };
}

const REAL_NOTE = 'real ms from play request to first audio; network delay and CPU are not compressed by the time scale, track lengths are';
const SCALED = '; measured under time scale 600: tracks are 600× shorter, network delay and CPU are not';

describe('report.md and summary.json', () => {
  it('say a Docker run ran at its time scale, in real ms (and so does a run.json from before the runtime was kept)', () => {
    for (const name of ['docker', undefined]) {
      expect(report(name, 600)).toEqual({ ran: 'at time scale 600', latency: `real ms, play request to first audio${SCALED}`, note: REAL_NOTE });
      expect(report(name, 1)).toEqual({ ran: 'at time scale 1', latency: 'real ms, play request to first audio', note: REAL_NOTE });
    }
  });

  it('say a local run ran as processes on loopback, in real ms', () => {
    expect(report('local', 600)).toEqual({
      ran: 'as processes on loopback at time scale 600 (no home routers, no shaped links)',
      latency: `real ms, play request to first audio${SCALED}`,
      note: REAL_NOTE,
    });
    expect(report('local', 1).ran).toBe('as processes on loopback at time scale 1 (no home routers, no shaped links)');
  });

  it('say a simulated run ran in virtual time, in virtual ms', () => {
    expect(report('sim', 600)).toEqual({
      ran: 'in the simulated runtime (virtual time, at time scale 600 as a container would run it, one track in 32 carrying bytes that are verified; docs/simulation.md)',
      latency: `virtual ms, play request to first audio${SCALED}`,
      note: 'virtual ms from play request to first audio in the simulated runtime: tracks 600× shorter under the time scale, network delay not, no CPU time (docs/simulation.md)',
    });
    expect(report('sim', 1)).toEqual({
      ran: 'in the simulated runtime (virtual time, tracks at their real size, one track in 32 carrying bytes that are verified; docs/simulation.md)',
      latency: 'virtual ms, play request to first audio',
      note: 'virtual ms from play request to first audio in the simulated runtime: tracks at their real size, no CPU time (docs/simulation.md)',
    });
  });

  it('describe a run of a runtime this version does not know', () => {
    const r = report('k8s', 600);
    expect(r.ran).toContain('time scale 600');
    expect(r.latency).toContain('play request to first audio');
    expect(r.note).toContain('from play request to first audio');
  });
});

describe('the line testbed run ends with', () => {
  const r = { runId: 'abcd', interrupted: false, summary: { plays: 3, shares: { server: 0.5, p2p: 0.25, cache: 0.25 }, latencyMs: { p50: 40, p90: 90 } } };
  const line = (runtime: ExperimentRuntime, timeScale: number) => runLine(r, { runtime, timeScale });
  const head = 'run abcd: 3 plays; server 50.0%, peers 25.0%, cache 25.0%; latency p50 40 ms, p90 90 ms';

  it("gives the latency in the runtime's milliseconds", () => {
    expect(line('docker', 600)).toBe(`${head} (real ms, under time scale 600)`);
    expect(line('docker', 1)).toBe(`${head} (real ms)`);
    expect(line('local', 600)).toBe(`${head} (real ms, under time scale 600)`);
    expect(line('local', 1)).toBe(`${head} (real ms)`);
    expect(line('sim', 600)).toBe(`${head} (virtual ms, under time scale 600)`);
    expect(line('sim', 1)).toBe(`${head} (virtual ms, real track sizes)`);
    expect(runLine({ ...r, interrupted: true }, { runtime: 'sim', timeScale: 1 })).toBe(`interrupted ${head} (virtual ms, real track sizes)`);
  });
});

describe('scaling.md', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  /** scaling.md's paragraph on how the populations ran, up to where it names their folders */
  async function header(h: Record<string, unknown>): Promise<string | undefined> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-describe-'));
    dirs.push(dir);
    await makeScalingFolder(dir, [10], h);
    return fs.readFileSync(path.join(dir, 'scaling.md'), 'utf8').match(/^(.*)\. Each population's run/m)?.[1];
  }
  const lazy = { keepalives: 'lazy', serverData: 'chunks', peerData: 'chunks', search: 'flood' };

  it('names the runtime the populations ran in, and the simulation its models', async () => {
    expect(await header({ runtime: 'sim' })).toBe('Simulated runtime, no time scale, 4 h of workload per population, seed 1, every cache empty at the start');
    expect(await header({ runtime: 'sim', sim: lazy, warmup: { days: 'auto' } })).toBe(
      "Simulated runtime, no time scale, 4 h of workload per population, seed 1, caches and trackers warm (warmup: auto; each run's run.json says how many days), keepalives lazy",
    );
    expect(await header({ runtime: 'docker', timeScale: 600, sim: lazy })).toBe('Docker runtime, time scale 600, 4 h of workload per population, seed 1, every cache empty at the start');
  });

  it('calls local populations processes on loopback, not Docker as it did before the runtimes described themselves', async () => {
    expect(await header({ runtime: 'local', timeScale: 600, sim: lazy })).toBe(
      'Local runtime (processes on loopback), time scale 600, 4 h of workload per population, seed 1, every cache empty at the start',
    );
  });

  it('describes populations of a runtime this version does not know', async () => {
    expect(await header({ runtime: 'k8s', timeScale: 600 })).toContain('time scale 600, 4 h of workload per population');
  });
});

describe('live nodes', () => {
  it('are listed for Docker runs only, an old run.json without a runtime being one', () => {
    expect(['docker', 'local', 'sim', 'k8s', undefined].filter((n) => describeRuntime(n).liveNodes)).toEqual(['docker', undefined]);
  });
});
