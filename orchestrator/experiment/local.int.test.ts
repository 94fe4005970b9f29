// The local runtime end to end: an experiment file with `runtime: local` runs the data centres and
// one client process per peer on loopback, over real TCP, through the same session as Docker and
// the simulation, and leaves no process or temporary folder behind.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../config/experiment.ts';
import { Progress } from '../progress/display.ts';
import type { Summary } from '../report/summary.schema.ts';
import { readRawReports } from '../report/write.ts';
import { reapLocalRuns } from './local-run.ts';
import { runExperiment } from './run.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-local-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function experimentFile(name: string, duration: string, extra = ''): string {
  const file = path.join(root, `${name}.yaml`);
  fs.writeFileSync(
    file,
    `name: ${name}
topology: ${path.resolve(import.meta.dirname, '../../topologies/small.yaml')}
runtime: local
duration: ${duration}
timeScale: 600
seed: 1
${extra}workload:
  synthetic:
    start: 18h
    tracksPerUser: 10
    sessionMinutes: 240
    sessionsPerDay: { weekday: 4, weekend: 4 }
`,
  );
  return file;
}

/** this test process's programs and temporary folders still there */
function leftovers(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return [...ps.split('\n').filter((l) => l.includes(`tb-local-run-${process.pid}-`) || l.includes(dir)), ...fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`tb-local-run-${process.pid}-`))];
}

describe('the local runtime', () => {
  it('runs an experiment as processes on loopback into a valid report, with its host measured, then leaves nothing running', async () => {
    const file = experimentFile('local-test', '4h', 'faults:\n  - { kind: tracker-outage, at: 1h, for: 1h, dc: stockholm }\n');
    const e = loadExperiment(file);
    const r = await runExperiment(e, { resultsRoot: root, runId: 'locaa1', progress: new Progress(true) });
    const s = r.summary as Pick<Summary, 'valid' | 'problems' | 'plays' | 'reportsLost' | 'integrityFailures' | 'hostLoad'> & { shares: Record<string, number> };
    const info = JSON.parse(fs.readFileSync(path.join(r.dir, 'run.json'), 'utf8')) as { runtime: string; workload: { plays: number; startMs: number }; notes: string[] };
    expect(info.runtime).toBe('local');
    expect(info.workload.startMs).toBe(18 * 3_600_000);
    // valid whatever this machine's load: at 600 the scale alone already distorts the figures a
    // late player moves, so a host beyond the window is a warning there (docs/time-scale.md, "An
    // overloaded host"; the rule is tested on its own in analysis/host-load.test.ts)
    expect(s.problems).toEqual([]);
    expect(s.valid).toBe(true);
    // every program measured its host from the workload's start: the two data centres and each
    // client that had plays (one of small.yaml's 12 has none and exits before the workload starts)
    const load = s.hostLoad!;
    expect(load.dataCentres).toBe(2);
    expect(load.clients).toBeGreaterThanOrEqual(10);
    expect(load.clients).toBeLessThanOrEqual(12);
    expect(load.limit).toEqual({ parameter: 'emergencySec', workloadMs: 3000, realMs: 5 });
    for (const p of [load.worst, load.worstDataCentre!, load.worstLoopDelay]) {
      for (const d of [p.slipP99, p.slipMax, p.loopDelayP99, p.loopDelayMax]) {
        // real ms: at least 0, and less than the run's 24 s; in workload time, 600 times that
        expect(d.realMs).toBeGreaterThanOrEqual(0);
        expect(d.realMs).toBeLessThan(24_000);
        expect(d.workloadMs).toBeCloseTo(d.realMs * 600, -1);
      }
      expect(p.slipP99.realMs).toBeLessThanOrEqual(p.slipMax.realMs);
      expect(p.loopDelayP99.realMs).toBeLessThanOrEqual(p.loopDelayMax.realMs);
    }
    expect(load.worstDataCentre?.role).toBe('dc');
    expect(load.slipP99.realMs).toBeLessThanOrEqual(load.worst.slipMax.realMs);
    expect(load.largestScale).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(r.dir, 'report.md'), 'utf8')).toContain('## Host load');
    expect(s.reportsLost).toBe(0);
    expect(s.integrityFailures).toBe(0);
    // every play of the scripts was played and reported by the real programs over real TCP
    expect(s.plays).toBeGreaterThan(20);
    expect(s.plays).toBe(info.workload.plays);
    expect(s.shares.server + s.shares.p2p + s.shares.cache).toBeCloseTo(1, 6);
    // both data centres' sinks, as Docker's mounts write them, and one exit record per peer
    const reports = readRawReports(r.dir);
    expect(new Set(reports.filter((x) => x.type === 'login').map((x) => x.dc))).toEqual(new Set(['stockholm', 'london']));
    expect(
      fs
        .readFileSync(path.join(r.dir, 'raw', 'clients.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(12);
    expect(info.notes.join('\n')).toMatch(/no home routers/);
    // the live page's file, followed from the sinks as the run went, ends with the summary's plays
    const live = JSON.parse(fs.readFileSync(path.join(r.dir, 'live.json'), 'utf8')) as { state: string; plays: number; workloadMs: number; shares: unknown };
    expect(live).toMatchObject({ state: 'finished', plays: s.plays, workloadMs: 4 * 3_600_000, shares: s.shares });
    // nothing left: no program of this run, no temporary folder of this process
    expect(leftovers(r.dir)).toEqual([]);
  });

  it('stops every program in order on Ctrl-C, keeps what was collected and says the run was interrupted', async () => {
    const file = experimentFile('local-int', '24h');
    const id = 'locint';
    // Ctrl-C once the first play has reached a data centre's sink
    let liveThen: { state: string; runtime: string } | undefined;
    const watch = setInterval(() => {
      const sinks = ['stockholm', 'london'].map((dc) => path.join(root, id, 'raw', dc, 'reports.jsonl'));
      if (sinks.some((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes('"type":"play"'))) {
        clearInterval(watch);
        liveThen = JSON.parse(fs.readFileSync(path.join(root, id, 'live.json'), 'utf8'));
        process.emit('SIGINT');
      }
    }, 500);
    const r = await runExperiment(loadExperiment(file), { resultsRoot: root, runId: id, progress: new Progress(true) }).finally(() => clearInterval(watch));
    expect(r.interrupted).toBe(true);
    const s = r.summary as { plays: number; interrupted: boolean };
    const info = JSON.parse(fs.readFileSync(path.join(r.dir, 'run.json'), 'utf8')) as { workload: { plays: number } };
    expect(s.plays).toBeGreaterThan(0);
    expect(s.plays).toBeLessThan(info.workload.plays);
    // live while it ran; failed, saying why, once stopped, with what was collected
    expect(liveThen).toMatchObject({ state: 'running', runtime: 'local' });
    const live = JSON.parse(fs.readFileSync(path.join(r.dir, 'live.json'), 'utf8')) as { state: string; plays: number; warnings: { text: string }[] };
    expect(live).toMatchObject({ state: 'failed', plays: s.plays });
    expect(live.warnings.at(-1)?.text).toBe('the run was interrupted');
    // the clients were stopped before the data centres, so their exit records made it
    expect(
      fs
        .readFileSync(path.join(r.dir, 'raw', 'clients.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(12);
    expect(leftovers(r.dir)).toEqual([]);
  });

  it('stops the programs of a run whose orchestrator died, and removes its folder', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dir = path.join(os.tmpdir(), `tb-local-run-${dead}-test`);
    fs.mkdirSync(dir);
    // a program of that run: it names node-image/ and the run's folder, as a client's arguments do
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', 'node-image/client/main.ts', path.join(dir, 'x.jsonl')], { stdio: 'ignore' });
    // and one that is not: a reused pid is left alone
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'pids'), `${orphan.pid}\n${other.pid}\n`);
    const lines: string[] = [];
    const gone = new Promise((res) => orphan.on('exit', res));
    reapLocalRuns({ line: (l: string) => lines.push(l) } as unknown as Progress);
    expect(fs.existsSync(dir)).toBe(false);
    expect(lines.join('\n')).toMatch(/stopped 1 of its programs/);
    expect(other.exitCode).toBeNull();
    other.kill();
    return gone;
  });
});
