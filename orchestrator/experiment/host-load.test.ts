// Collecting the programs' host-load records into run.json: the last `load` line of each log,
// checked by core/report-check.ts (a refused one is named in the notes), pooled over programs and
// repetitions; nothing at all when no program printed one.
import { describe, expect, it } from 'vitest';
import { SlipHistogram } from '../../node-image/core/host-load.ts';
import { testRunInfo } from '../report/test/run-info.ts';
import { addHostLoad, lastLoadLine } from './host-load.ts';

function loadLine(name: string, slips: number[], extra: Record<string, unknown> = {}): string {
  const h = new SlipHistogram();
  for (const x of slips) h.add(x);
  return JSON.stringify({
    t: 1,
    program: 'client',
    name,
    event: 'load',
    ms: 30_000,
    slipMs: h.quantiles(),
    timers: h.count,
    slipHist: h.pairs(),
    loopDelayMs: { p50: 0, p99: 1, max: 2 },
    loopSamples: 60,
    ...extra,
  });
}

describe('host-load collection', () => {
  it("finds a program's last load line among its other lines", () => {
    const first = loadLine('a', [1]);
    const last = loadLine('a', [1, 2]);
    const log = ['READY client a', first, '{"t":2,"event":"stats"}', last, '{"event":"exit","clientId":"a-1"}', ''].join('\n');
    expect(lastLoadLine(log)).toBe(last);
    expect(lastLoadLine('READY client a\n{"event":"exit"}\n')).toBeUndefined();
  });

  it('keeps each program, pools the slips over programs and repetitions, and names a refused record', () => {
    const info = testRunInfo();
    addHostLoad(info, 'rep-1', [
      { name: 'se-001', role: 'client', line: loadLine('se-001', [0.1, 0.2, 5]) },
      { name: 'stockholm', role: 'dc', line: loadLine('stockholm', [0.3]) },
      { name: 'se-002', role: 'client', line: undefined },
      { name: 'se-003', role: 'client', line: loadLine('se-003', [1], { ms: -4 }) },
      { name: 'se-004', role: 'client', line: '{"event":"load",' },
    ]);
    addHostLoad(info, 'rep-2', [{ name: 'se-001', role: 'client', line: loadLine('se-001', [7]) }]);
    const h = info.hostLoad!;
    expect(h.programs.map((p) => [p.name, p.role, p.repetition, p.timers])).toEqual([
      ['se-001', 'client', 'rep-1', 3],
      ['stockholm', 'dc', 'rep-1', 1],
      ['se-001', 'client', 'rep-2', 1],
    ]);
    expect(h.slipHist.reduce((n, [, c]) => n + c, 0)).toBe(5);
    expect(info.notes).toEqual([
      'the load record of peer se-003 in rep-1 was refused: load record: "ms" is not real ms from 0 to 31622400000',
      'the load record of peer se-004 in rep-1 was refused: not JSON',
    ]);
  });

  it('leaves run.json without hostLoad when no program printed one (an image from before)', () => {
    const info = testRunInfo();
    addHostLoad(info, 'rep-1', [{ name: 'se-001', role: 'client', line: undefined }]);
    expect(info.hostLoad).toBeUndefined();
  });
});
