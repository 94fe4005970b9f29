// `testbed compare` end to end: the paper's protocol against the server-only baseline on the
// small topology, two paired repetitions each (test/docker/fixtures/compare-server-only.yaml);
// then the same runs compared again as finished runs, and a run of another workload refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { type Comparison, comparisonSchema } from '../../orchestrator/compare/model.ts';
import { engine } from '../../orchestrator/docker/engine.ts';
import { LABEL_PROJECT, PROJECT } from '../../orchestrator/plan/types.ts';

const testbed = (...args: string[]) => execa(process.execPath, ['bin/testbed.js', ...args], { reject: false });

describe('testbed compare', () => {
  it("runs variants × repetitions with paired seeds and tells server-only from the paper's protocol", async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-cmp-'));
    const r = await testbed('compare', 'test/docker/fixtures/compare-server-only.yaml', '--results', results);
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    const dir = r.stdout.trim().split('\n').at(-1)!;
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'comparison.json'), 'utf8')) as Comparison;
    expect(new Ajv({ strict: false }).validate(comparisonSchema, c)).toBe(true);
    expect(c.base).toBe('paper');
    expect(c.variants.map((v) => [v.name, v.runs.length])).toEqual([
      ['paper', 2],
      ['server-only', 2],
    ]);

    const p2p = c.metrics.find((m) => m.key === 'shares.p2p')!;
    // server-only moves no byte between peers, ever; the paper's protocol moves some in every run
    expect(p2p.perVariant['server-only'].values).toEqual([0, 0]);
    for (const v of p2p.perVariant.paper.values) expect(v).toBeGreaterThan(0);
    const d = p2p.vsBase['server-only'];
    expect(d.ci, JSON.stringify(p2p)).not.toBeNull();
    expect(d.ci![1], `peer share difference ${JSON.stringify(d)}`).toBeLessThan(0);
    expect(d.verdict).toBe('worse');

    // the pairs replayed the same workload: the same plays were scheduled in both variants
    const runs = (v: string) => c.variants.find((x) => x.name === v)!.runs.map((x) => path.join(dir, x.dir));
    for (const [a, b] of runs('paper').map((p, i) => [p, runs('server-only')[i]])) {
      const info = (f: string) => JSON.parse(fs.readFileSync(path.join(f, 'run.json'), 'utf8'));
      expect(info(a).workload).toEqual(info(b).workload);
      expect(info(a).seed).toBe(info(b).seed);
      expect(info(b).variant.name).toBe('server-only');
      expect(fs.readFileSync(path.join(b, 'report.md'), 'utf8')).toContain('Protocol variant **server-only**: server only (no peer-to-peer)');
    }
    for (const f of ['comparison.md', 'plots/shares.png', 'plots/latency-cdf.png', 'plots/p2p-over-time.png']) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'comparison.md'), 'utf8')).toMatch(/\| peer share of played bytes.*\n.*server-only \| 0\.0%/);

    // nothing of any run is left
    const docker = engine();
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${PROJECT}`] } })).toHaveLength(0);
    expect(await docker.listNetworks({ filters: { label: [`${LABEL_PROJECT}=${PROJECT}`] } })).toHaveLength(0);

    // the finished runs compare again, without running anything
    const again = await testbed('compare', ...runs('paper'), ...runs('server-only'), '--results', results);
    expect(again.exitCode, again.stderr).toBe(0);
    const c2 = JSON.parse(fs.readFileSync(path.join(again.stdout.trim().split('\n').at(-1)!, 'comparison.json'), 'utf8')) as Comparison;
    expect(c2.metrics.find((m) => m.key === 'shares.p2p')!.vsBase['server-only'].meanDiff).toBeCloseTo(d.meanDiff!, 12);

    // a run of another workload is refused, with the reason
    const odd = path.join(results, 'odd');
    fs.cpSync(runs('server-only')[0], odd, { recursive: true });
    const e = path.join(odd, 'experiment.yaml');
    fs.writeFileSync(e, fs.readFileSync(e, 'utf8').replace('tracksPerUser: 2', 'tracksPerUser: 3'));
    const refused = await testbed('compare', runs('paper')[0], odd, '--results', results);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/did not replay the same experiment[\s\S]*workload differs/);
    fs.rmSync(results, { recursive: true, force: true });
  }, 1_800_000);
});
