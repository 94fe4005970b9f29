// The README's main command end to end: `testbed run experiments/quick.yaml` brings the small
// topology up, replays a day, collects, brings it down, and writes a results folder that
// `testbed report` can rebuild without running anything.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { engine } from '../../orchestrator/docker/engine.ts';
import { LABEL_RUN } from '../../orchestrator/plan/types.ts';
import { summarySchema } from '../../orchestrator/report/write.ts';

describe('testbed run experiments/quick.yaml', () => {
  it('writes a complete results folder, leaves nothing behind, and the report rebuilds from raw reports', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-exp-'));
    const r = await execa(process.execPath, ['bin/testbed.js', 'run', 'experiments/quick.yaml', '--results', results], { reject: false });
    const runId = r.stdout.trim().split('\n').at(-1)!;
    const dir = path.join(results, runId);
    // valid whatever the machine's load: at 600 a host beyond the emergency window is a warning,
    // the scale alone already distorting what it would move (docs/time-scale.md, "An overloaded host")
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    for (const f of [
      'experiment.yaml',
      'topology.yaml',
      'run.json',
      'summary.json',
      'report.md',
      'raw/clients.jsonl',
      'tables/table2.csv',
      'tables/table3.md',
      'plots/figure1.png',
      'plots/offload.png',
      'plots/latency-cdf.png',
      'plots/table3.png',
    ])
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(new Ajv({ strict: false }).validate(summarySchema, s)).toBe(true);
    expect(s.plays).toBeGreaterThan(50);
    expect(s.shares.server + s.shares.p2p + s.shares.cache).toBeCloseTo(1, 6);
    expect(s.integrityFailures).toBe(0);
    expect(s.reportsLost).toBe(0);
    expect(s.latencyMs.scaled).toBe(true);
    // Table II as measured comes back as the topology set it: one address of each kind in SE and GB
    expect(s.nat.SE).toMatchObject({ noNat: 0.2, upnpWorked: 0.2, upnpMismatch: 0.2, upnpPrivate: 0.2 });
    expect(s.nat.GB).toMatchObject({ noNat: 0.2, upnpWorked: 0.2, upnpMismatch: 0.2, upnpPrivate: 0.2 });
    expect(s.linkCheck).toHaveLength(2);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toMatch(/netem|Links/);
    // every program measured its host from the workload's start (docs/time-scale.md, "An overloaded
    // host"), the data centres through the start file: the figures are there and physical, whatever they are
    expect(s.hostLoad).toMatchObject({ dataCentres: 2, limit: { parameter: 'emergencySec', workloadMs: 3000, realMs: 5 } });
    expect(s.hostLoad.clients).toBeGreaterThan(0);
    expect(s.hostLoad.slipP99.realMs).toBeGreaterThanOrEqual(0);
    expect(s.hostLoad.worstDataCentre.loopDelayP99.realMs).toBeGreaterThanOrEqual(0);
    // at 600 the scale alone distorts what a late player moves: a host beyond the window is a
    // warning there, and only a host later than the 15 s the server keeps ahead (25 ms real) voids
    // the run, which a machine loaded by other tests may be
    expect(s.hostLoad.scaleDistorts).toBe(true);
    expect(s.hostLoad.ceiling).toEqual({ parameter: 'serverAheadSec', workloadMs: 15_000, realMs: 25 });
    if (s.hostLoad.beyondCeiling) expect(s.problems.filter((p: string) => !p.startsWith('the host did not keep up'))).toEqual([]);
    else expect(s.valid, s.problems.join('; ')).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('## Host load');
    // nothing of the run is left
    const d = engine();
    expect(await d.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } })).toHaveLength(0);
    expect(await d.listNetworks({ filters: { label: [`${LABEL_RUN}=${runId}`] } })).toHaveLength(0);
    expect((await execa('iptables', ['-S', 'DOCKER-USER'])).stdout).not.toContain(`tb:${runId}`);
    // rebuild from raw reports only
    fs.rmSync(path.join(dir, 'summary.json'));
    fs.rmSync(path.join(dir, 'plots'), { recursive: true });
    const rep = await execa(process.execPath, ['bin/testbed.js', 'report', dir], { reject: false });
    expect(rep.exitCode, rep.stderr).toBe(0);
    const rebuilt = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(rebuilt.plays).toBe(s.plays);
    expect(rebuilt.hostLoad).toEqual(s.hostLoad);
    expect(fs.existsSync(path.join(dir, 'plots', 'figure1.png'))).toBe(true);
    fs.rmSync(results, { recursive: true, force: true });
  }, 1_200_000);

  it('names the file, line and valid values of a bad experiment', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bad-'));
    onTestFinished(() => fs.rmSync(bad, { recursive: true, force: true }));
    const f = path.join(bad, 'bad.yaml');
    fs.writeFileSync(f, 'name: bad\ntopology: small\nduration: 1d\ntimeScale: 100\nworkload:\n  trace: { file: x.tsv, format: csv }\n');
    const r = await execa(process.execPath, ['bin/testbed.js', 'run', f], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.yaml:6:\d+: workload\.trace\.format: "csv" is not valid; valid values: native, lastfm, mssd/);
  });
});
