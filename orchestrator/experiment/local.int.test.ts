// The local runtime end to end: an experiment file with `runtime: local` runs the data centres and
// one client process per peer on loopback, over real TCP, through the same session as Docker and
// the simulation, and leaves no process or temporary folder behind.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../config/experiment.ts';
import { Progress } from '../progress/display.ts';
import { readRawReports } from '../report/write.ts';
import { runExperiment } from './run.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-local-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the local runtime', () => {
  it('runs an experiment as processes on loopback into a valid report, then leaves nothing running', async () => {
    const file = path.join(root, 'local.yaml');
    fs.writeFileSync(
      file,
      `name: local-test
topology: ${path.resolve(import.meta.dirname, '../../topologies/small.yaml')}
runtime: local
duration: 4h
timeScale: 600
seed: 1
faults:
  - { kind: tracker-outage, at: 1h, for: 1h, dc: stockholm }
workload:
  synthetic:
    start: 18h
    tracksPerUser: 10
    sessionMinutes: 240
    sessionsPerDay: { weekday: 4, weekend: 4 }
`,
    );
    const e = loadExperiment(file);
    const r = await runExperiment(e, { resultsRoot: root, runId: 'locaa1', progress: new Progress(true) });
    const s = r.summary as { valid: boolean; plays: number; reportsLost: number; integrityFailures: number; shares: Record<string, number> };
    const info = JSON.parse(fs.readFileSync(path.join(r.dir, 'run.json'), 'utf8')) as { runtime: string; workload: { plays: number; startMs: number }; notes: string[] };
    expect(info.runtime).toBe('local');
    expect(info.workload.startMs).toBe(18 * 3_600_000);
    expect(s.valid).toBe(true);
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
    // nothing left: no program of this run, no temporary folder of this process
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(`tb-local-run-${process.pid}-`) || l.includes(r.dir))).toEqual([]);
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`tb-local-run-${process.pid}-`))).toEqual([]);
  });
});
