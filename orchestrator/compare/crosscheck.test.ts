import { describe, expect, it } from 'vitest';
import { mergeTables } from './crosscheck.ts';

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
});
