import { describe, expect, it } from 'vitest';
import type { RunInfo } from '../report/write.ts';
import { type CrossRun, crossIncompatibilities, mergeTables } from './crosscheck.ts';

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
    const run = (runId: string, runtime: string, timeScale: number, workload: unknown, topology = 'name: small\n'): CrossRun => ({
      dir: `/r/${runId}`,
      label: runId,
      info: { runId, topology: 'small' } as RunInfo,
      summary: {},
      setting: { runtime, timeScale, workload, duration: '24h', topology },
    });
    const w = { synthetic: { tracksPerUser: 10 } };
    expect(crossIncompatibilities([run('a', 'docker', 600, w), run('b', 'sim', 600, w), run('c', 'sim', 1, w)])).toEqual([]);
    const other = crossIncompatibilities([run('a', 'docker', 600, w), run('b', 'sim', 600, { synthetic: { tracksPerUser: 5 } }, 'name: paper-7\n')]);
    expect(other).toHaveLength(2);
    expect(other[0]).toMatch(/^workload differs: a has .*tracksPerUser":10.*, but b has .*tracksPerUser":5/);
    expect(other[1]).toMatch(/^topology differs/);
  });
});
