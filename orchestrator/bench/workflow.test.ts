// The nightly job cannot be run here, so it is checked the ways it can be: against the GitHub
// workflow schema (SchemaStore's, as @action-validator/core bundles it) and against the set-up
// it must mirror. Reads two files of the repository; runs nothing.
import fs from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
const text = fs.readFileSync(path.join(root, '.github/workflows/nightly-bench.yml'), 'utf8');

interface Step {
  name?: string;
  run?: string;
  uses?: string;
}

describe('the nightly benchmark workflow', () => {
  it('is valid against the GitHub workflow schema', () => {
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  it('the validator does reject a broken workflow', () => {
    expect(validateWorkflow(text.replace('runs-on:', 'runz-on:')).errors.length).toBeGreaterThan(0);
  });

  const wf = YAML.parse(text) as { on: { schedule: { cron: string }[]; workflow_dispatch: unknown }; jobs: { bench: { steps: Step[] } } };
  const runs = wf.jobs.bench.steps.map((s) => s.run ?? '');

  it('runs nightly and by hand', () => {
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(wf.on).toHaveProperty('workflow_dispatch');
  });

  it('runs the suite, then the gate, in that order', () => {
    const bench = runs.findIndex((r) => r.includes('npm run bench'));
    const gate = runs.findIndex((r) => r.includes('testbed bench gate'));
    expect(bench).toBeGreaterThanOrEqual(0);
    expect(gate).toBeGreaterThan(bench);
  });

  it('runs the suite as root, with CI kept, since its Docker benchmark adds iptables rules', () => {
    const bench = runs.find((r) => r.includes('npm run bench'))!;
    const line = bench.split('\n').find((l) => l.includes('npm run bench'))!;
    expect(line).toMatch(/^sudo -E\b/);
    // what root wrote is handed back before the report step writes into bench/out
    expect(bench).toMatch(/chown -R .*bench\/out/);
  });

  it("installs every Debian package of bin/setup.js's list but the Docker engine the runner has and the tests' Chromium", () => {
    const setup = fs.readFileSync(path.join(root, 'bin/setup.js'), 'utf8');
    const listed = [...setup.matchAll(/\['([a-z0-9.+-]+)', \(\) =>/g)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(5);
    const apt = runs.find((r) => r.includes('apt-get install'))!;
    // the runner has its own Docker engine; chromium is set up for the tests only (setup.js --tests), which the benchmarks do not run
    for (const p of listed.filter((x) => x !== 'docker.io' && x !== 'chromium')) expect(apt.split(/\s+/)).toContain(p);
    expect(runs.some((r) => r.includes('node bin/setup.js'))).toBe(true);
  });
});
