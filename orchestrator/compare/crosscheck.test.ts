import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelCombinations, parseModels, parseSeeds, placeTag } from '../cli/commands/crosscheck.ts';
import { MESSAGE_MODEL, SIM_MODELS } from '../config/sim-model.ts';
import type { RunInfo } from '../report/run-info.ts';
import { type CrossRun, crosscheckMarkdown, crossIncompatibilities, crossVerdicts, disagreements, mergeTables } from './crosscheck.ts';

/** a summary.json with the figures the check reads */
const summary = (f: { server?: number; overlay?: number; p90?: number | null; plays?: number }) => ({
  plays: f.plays ?? 100,
  shares: { server: f.server ?? 0.5, p2p: 0.2, cache: 0.3 },
  discovery: { tracker: 0.4, overlay: f.overlay ?? 0.3 },
  stutterRate: 0.1,
  playsNeverStarted: 0,
  noNeighbourShare: 0.2,
  latencyMs: { p50: 0, p90: f.p90 === undefined ? 25 : f.p90 },
});

function run(
  runId: string,
  runtime: string,
  timeScale: number,
  o: { seed?: number; workload?: unknown; topology?: string; experiment?: string; variant?: string; s?: ReturnType<typeof summary> } = {},
): CrossRun {
  const group = `${runtime}${timeScale !== 1 ? ` ×${timeScale}` : ' unscaled'}`;
  return {
    dir: `/r/${runId}`,
    label: `${group} (${runId})`,
    group,
    info: {
      runId,
      topology: 'small',
      experiment: o.experiment ?? 'quick',
      seed: o.seed ?? 1,
      variant: { name: o.variant ?? 'base', text: '', protocol: { params: o.variant ? { searchDepth: 1 } : {} }, faults: [] },
    } as unknown as RunInfo,
    summary: o.s ?? summary({}),
    setting: { runtime, timeScale, workload: o.workload ?? { synthetic: { tracksPerUser: 10 } }, duration: '24h', topology: o.topology ?? 'name: small\n' },
  };
}

/** the run with a results folder holding one search report with `hits` answers, as a data centre's sink writes it */
const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
function withRaw(r: CrossRun, hits: number): CrossRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-xc-'));
  made.push(dir);
  fs.mkdirSync(path.join(dir, 'raw', 'stockholm'), { recursive: true });
  const report = {
    clientId: 'a',
    seq: 0,
    user: 'u',
    country: 'SE',
    t: 0,
    dc: 'stockholm',
    type: 'search',
    track: 1,
    quality: 'q5',
    tracker: null,
    overlay: Array.from({ length: hits }, () => ({ distance: 1, ms: 30 })),
    neighbours: 1,
    waitedMs: 310,
  };
  fs.writeFileSync(path.join(dir, 'raw', 'stockholm', 'reports.jsonl'), `${JSON.stringify(report)}\n`);
  return { ...r, dir };
}

describe('crosscheck tables', () => {
  it('merges runs on their key columns and puts their values side by side, a dash where a run has no row', () => {
    const a = [
      ['country', 'weekend', 'searches', 'any d %'],
      ['GB', 'no', '10', '40.0'],
      ['SE', 'no', '5', '20.0'],
    ];
    const b = [
      ['country', 'weekend', 'searches', 'any d %'],
      ['GB', 'no', '12', '41.7'],
      ['NO', 'no', '3', '0.0'],
    ];
    expect(mergeTables([a, b])).toEqual([
      ['country', 'weekend', 'searches', 'any d %'],
      ['GB', 'no', '10 / 12', '40.0 / 41.7'],
      ['SE', 'no', '5 / –', '20.0 / –'],
      ['NO', 'no', '– / 3', '– / 0.0'],
    ]);
  });

  it('keys a table whose first column is a number by that column', () => {
    const f = (p50: string) => [
      ['minutes since login', 'reports', 'p50'],
      ['30', '27', p50],
    ];
    expect(mergeTables([f('1'), f('2')])).toEqual([
      ['minutes since login', 'reports', 'p50'],
      ['30', '27 / 27', '1 / 2'],
    ]);
  });

  it('takes runs of one experiment in different places and scales, and refuses runs of different workloads or topologies', () => {
    expect(crossIncompatibilities([run('a', 'docker', 600), run('b', 'sim', 600), run('c', 'sim', 1)])).toEqual([]);
    const other = crossIncompatibilities([run('a', 'docker', 600), run('b', 'sim', 600, { workload: { synthetic: { tracksPerUser: 5 } }, topology: 'name: paper-7\n' })]);
    expect(other).toHaveLength(2);
    expect(other[0]).toMatch(/^workload differs: a has .*tracksPerUser":10.*, but b has .*tracksPerUser":5/);
    expect(other[1]).toMatch(/^topology differs/);
  });

  it('refuses runs of another experiment, another protocol variant, or other seeds, as compare does', () => {
    expect(crossIncompatibilities([run('a', 'docker', 600), run('b', 'sim', 600, { experiment: 'busy-hour' })])).toEqual(['experiment differs: a is quick, but b is busy-hour']);
    expect(crossIncompatibilities([run('a', 'docker', 600), run('b', 'sim', 600, { variant: 'radius-1' })])[0]).toMatch(/^protocol differs: a ran base, but b ran radius-1/);
    expect(crossIncompatibilities([run('a', 'docker', 600, { seed: 1 }), run('b', 'sim', 600, { seed: 2 })])).toEqual(['seeds differ: docker ×600 ran seeds 1, but sim ×600 ran 2']);
    expect(crossIncompatibilities([run('a', 'sim', 600), run('b', 'sim', 600)])).toEqual(['sim ×600 has seed 1 more than once']);
    // several seeds in every place are one experiment
    expect(crossIncompatibilities([1, 2, 3].flatMap((seed) => [run(`d${seed}`, 'docker', 600, { seed }), run(`s${seed}`, 'sim', 600, { seed })]))).toEqual([]);
  });

  it('pairs the places that ran at one time scale and judges each figure, mean against mean, by its tolerance', () => {
    const runs = [
      run('d1', 'docker', 600, { seed: 1, s: summary({ overlay: 0.3, server: 0.5 }) }),
      run('d2', 'docker', 600, { seed: 2, s: summary({ overlay: 0.34, server: 0.5 }) }),
      run('s1', 'sim', 600, { seed: 1, s: summary({ overlay: 0.22, server: 0.51 }) }),
      run('s2', 'sim', 600, { seed: 2, s: summary({ overlay: 0.24, server: 0.5 }) }),
      run('u1', 'sim', 1, { seed: 1, s: summary({ overlay: 0.9, server: 0.1 }) }),
      run('u2', 'sim', 1, { seed: 2, s: summary({ overlay: 0.9, server: 0.1 }) }),
    ];
    const v = crossVerdicts(runs);
    // the unscaled simulation is the time scale's drift, not a disagreement: it is not paired
    expect(v.map((p) => [p.a, p.b, p.seeds])).toEqual([['docker ×600', 'sim ×600', 2]]);
    const overlay = v[0].figures.find((f) => f.figure === 'overlaySuccess')!;
    expect(overlay.a).toBeCloseTo(0.32);
    expect(overlay.b).toBeCloseTo(0.23);
    expect(overlay.difference).toBeCloseTo(-0.09);
    expect(overlay.within).toBe(false);
    expect(v[0].figures.find((f) => f.figure === 'server')!.within).toBe(true);
    expect(disagreements(v)).toEqual(['overlay success: docker ×600 32.0%, sim ×600 23.0% (−9.0 points, tolerance ±5 points)']);
    // exactly at the tolerance is within; a figure neither has gets no verdict
    const edge = crossVerdicts([run('d', 'docker', 60, { s: summary({ overlay: 0.3, p90: null }) }), run('s', 'sim', 60, { s: summary({ overlay: 0.35, p90: null }) })]);
    expect(edge[0].figures.find((f) => f.figure === 'overlaySuccess')!.within).toBe(true);
    expect(edge[0].figures.find((f) => f.figure === 'latencyP90')!.within).toBeNull();
    expect(disagreements(edge)).toEqual([]);
  });

  it('writes the verdicts into crosscheck.md, with each seed beside the mean', () => {
    const md = crosscheckMarkdown([withRaw(run('d1', 'docker', 600, { s: summary({ overlay: 0.3 }) }), 1), withRaw(run('s1', 'sim', 600, { s: summary({ overlay: 0.2 }) }), 0)]);
    expect(md).toMatch(/### sim ×600 against docker ×600: \*\*1 outside\*\*/);
    expect(md).toMatch(/\| overlay success \| ±5 points \| 30\.0% \| 20\.0% \| −10\.0 points \| \*\*outside\*\* \|/);
    expect(md).toMatch(/\| server share \| ±2 points \| 50\.0% \| 50\.0% \| \+0\.0 points \| within \|/);
    // the search detail reads each place's raw reports, its seeds together
    expect(md).toMatch(/\| success of those with a neighbour \| 100\.0% \| 0\.0% \|/);
    const two = crosscheckMarkdown(
      [1, 2].flatMap((seed) => [
        withRaw(run(`d${seed}`, 'docker', 600, { seed, s: summary({ overlay: 0.3 + seed / 100 }) }), seed - 1),
        withRaw(run(`s${seed}`, 'sim', 600, { seed, s: summary({ overlay: 0.3 }) }), 1),
      ]),
    );
    expect(two).toMatch(/\| success of those with a neighbour \| 50\.0% \| 100\.0% \|/);
    expect(two).toMatch(/\| overlay success \| 31\.5% \(31\.0%, 32\.0%\) \| 30\.0% \(30\.0%, 30\.0%\) \|/);
    expect(two).toMatch(/means over 2 seeds\): every figure within its tolerance/);
  });

  it('reads --seeds as whole numbers, each once', () => {
    expect(parseSeeds('1, 2,3')).toEqual([1, 2, 3]);
    expect(() => parseSeeds('1,x')).toThrow(/--seeds: "x" is not a seed; give whole numbers separated by commas/);
    expect(() => parseSeeds('1,1')).toThrow(/names a seed twice/);
  });

  it("runs every combination of the models asked for, each place under its own tag, none of them Docker's", () => {
    expect(() => parseModels('--peer-data', 'chunks,blocks', SIM_MODELS.peerData)).toThrow(/--peer-data: "blocks" is not a model; valid: chunks, runs/);
    const every = modelCombinations(SIM_MODELS);
    const parts = Object.values(SIM_MODELS).reduce((n, ms) => n * ms.length, 1);
    expect(every).toHaveLength(parts);
    expect(new Set(every.map((m) => JSON.stringify(m))).size).toBe(parts);
    const tags = every.flatMap((m) => [placeTag(m, false), placeTag(m, true)]);
    expect(new Set(tags).size).toBe(2 * parts);
    for (const t of tags) expect(t).toMatch(/^[a-ce-z0-9]$/);
    // one part asked for both ways, the others as the experiment has them
    const two = modelCombinations({ ...SIM_MODELS, keepalives: ['lazy'], serverData: ['runs'], search: ['walk'] });
    expect(two).toEqual([
      { ...MESSAGE_MODEL, keepalives: 'lazy', serverData: 'runs', search: 'walk', peerData: 'chunks' },
      { ...MESSAGE_MODEL, keepalives: 'lazy', serverData: 'runs', search: 'walk', peerData: 'runs' },
    ]);
  });
});
