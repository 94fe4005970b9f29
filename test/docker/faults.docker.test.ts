// Every kind of fault once on a real small testbed (test/docker/fixtures/faults.yaml): the data
// centre away, the tracker away, churn, cut links, slowed links and home routers power-cycled. Nothing collected is lost,
// the results say what happened during each fault, and the changed links are changed for real.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { engine } from '../../orchestrator/docker/engine.ts';
import { LABEL_PROJECT, PROJECT } from '../../orchestrator/plan/types.ts';

describe('faults during a run', () => {
  it('loses no report across a data-centre outage, churn and cut links, and reports each fault', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-faults-'));
    onTestFinished(() => fs.rmSync(results, { recursive: true, force: true }));
    const r = await execa(process.execPath, ['bin/testbed.js', 'run', 'test/docker/fixtures/faults.yaml', '--results', results], { reject: false });
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const dir = path.join(results, r.stdout.trim().split('\n').at(-1)!);
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(s.reportsLost).toBe(0);
    expect(s.integrityFailures).toBe(0);
    expect(s.faults.map((f: { kind: string }) => f.kind)).toEqual(['dc-outage', 'tracker-outage', 'churn', 'link-cut', 'link-rate', 'router-restart']);
    const [dcOut, trackerOut] = s.faults;
    // london's clients kept generating reports while it was away; all of them were stored after
    expect(dcOut.dc).toBe('london');
    expect(dcOut.reportsDuring).toBeGreaterThan(0);
    // with its tracker away, the tracker answered no search
    expect(trackerOut.during.searches).toBeGreaterThan(0);
    expect(trackerOut.during.tracker).toBe(0);
    // the data centres logged the faults on the clients' clock
    const londonLog = fs.readdirSync(path.join(dir, 'logs')).find((f) => f.includes('dc-london'))!;
    const london = fs.readFileSync(path.join(dir, 'logs', londonLog), 'utf8');
    expect(london).toMatch(/"event":"dc-down"[\s\S]*"event":"dc-up"/);
    expect(london).toMatch(/"event":"tracker-down"[\s\S]*"event":"tracker-up"/);
    // links were cut and slowed inside the peers' containers, and put back, without a failed command
    expect(r.stderr).toMatch(/link fault: \S+ cut/);
    expect(r.stderr).toMatch(/link fault: \S+ restored/);
    expect(r.stderr).toMatch(/link fault: \S+ at 0\.25× rate/);
    // home routers lost power and came back (with no mappings)
    expect(r.stderr).toMatch(/link fault: \S+-r-\S+ powered off/);
    expect(r.stderr).toMatch(/link fault: \S+-r-\S+ powered on again \(no mappings\)/);
    expect(r.stderr).not.toMatch(/warning: link fault/);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('## Faults');
    const docker = engine();
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${PROJECT}`] } })).toHaveLength(0);
  }, 900_000);
});
