import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultHistoryPath, markNewestBaseline, parseHistory } from './history.ts';
import type { RunRecord } from './measures.ts';

const rec = (commit: string): RunRecord => ({
  commit,
  date: '2025-01-01T00:00:00.000Z',
  machine: { kind: '2c-24g-linux', cores: 2, memGiB: 24, kernel: '6.1', docker: null },
  measures: [{ name: 'm', unit: 'ms', better: 'lower', samples: [1, 2, 3] }],
});

describe('the benchmark history', () => {
  it('skips and counts lines that are not run records, keeping the rest', () => {
    const text = [JSON.stringify(rec('a')), '{"commit": "half a line', '', JSON.stringify({ commit: 'b' }), JSON.stringify(rec('c')), '[1,2]'].join('\n');
    const h = parseHistory(text);
    expect(h.records.map((r) => r.commit)).toEqual(['a', 'c']);
    expect(h.bad).toEqual([
      { line: 2, reason: 'not JSON' },
      { line: 4, reason: 'no date' },
      { line: 6, reason: 'not an object' },
    ]);
  });

  it('rejects a measure without a direction', () => {
    const bad = { ...rec('a'), measures: [{ name: 'm', unit: 'ms', better: 'up', samples: [1] }] };
    expect(parseHistory(JSON.stringify(bad)).bad[0].reason).toMatch(/better/);
  });

  it('lives outside the work tree unless told otherwise', () => {
    expect(defaultHistoryPath({}, '/home/u')).toBe(path.join('/home/u', '.local', 'share', 'p2p-music-testbed', 'bench-history.jsonl'));
    expect(defaultHistoryPath({ TESTBED_BENCH_HISTORY: '/data/h.jsonl' }, '/home/u')).toBe('/data/h.jsonl');
  });

  it('accepting marks the newest valid record as a baseline and keeps every other line as it was', () => {
    const text = [JSON.stringify(rec('a')), JSON.stringify(rec('b')), 'garbage', ''].join('\n');
    const m = markNewestBaseline(text)!;
    expect(m.record.commit).toBe('b');
    const h = parseHistory(m.text);
    expect(h.records.map((r) => [r.commit, r.baseline ?? false])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(m.text.split('\n')[2]).toBe('garbage');
    expect(markNewestBaseline('garbage\n')).toBeNull();
  });
});
