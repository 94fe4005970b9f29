import { describe, expect, it } from 'vitest';
import { formatGate, gate, gateEach, median, regressionLines, selectWindow } from './gate.ts';
import type { Measure, RunRecord } from './measures.ts';

// a deterministic noise of about ±3 % (Park-Miller), so every run of the test sees the same numbers
function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return 0.97 + 0.06 * (s / 2147483647);
  };
}

const kind = '2c-24g-linux';
function record(i: number, scale: Partial<Record<string, number>> = {}, extra: Partial<RunRecord> = {}): RunRecord {
  const r = noise(1000 + i);
  const sample = (v: number) => Array.from({ length: 5 }, () => v * r());
  const measures: Measure[] = [
    { name: 'codec/encode', unit: 'MB/s', better: 'higher', samples: sample(400 * (scale['codec/encode'] ?? 1)) },
    { name: 'client-rss', unit: 'MB', better: 'lower', samples: sample(80 * (scale['client-rss'] ?? 1)) },
  ];
  return { commit: `c${i}`, date: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(), machine: { kind, cores: 2, memGiB: 24, kernel: '6.1', docker: null }, measures, ...extra };
}
const history = (n: number) => Array.from({ length: n }, (_, i) => record(i));

describe('the regression gate', () => {
  it('flags an injected 20 % regression in one measure, naming it, and only that one', () => {
    const r = gate([...history(10), record(10, { 'client-rss': 1.2 })]);
    expect(r.status).toBe('regressed');
    const rss = r.measures.find((m) => m.name === 'client-rss')!;
    expect(rss.verdict).toBe('regressed');
    expect(rss.change).toBeGreaterThan(0.15);
    expect(rss.p).toBeLessThan(0.05);
    expect(r.measures.find((m) => m.name === 'codec/encode')!.verdict).toBe('~');
    const lines = regressionLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^client-rss: .* MB -> .* MB \(\+\d+\.\d%.*p = /);
  });

  it('a 20 % drop of a higher-is-better measure is a regression too', () => {
    const r = gate([...history(10), record(10, { 'codec/encode': 0.8 })]);
    expect(r.measures.find((m) => m.name === 'codec/encode')!.verdict).toBe('regressed');
  });

  it('a run the same within noise is ~ everywhere', () => {
    const r = gate(history(11));
    expect(r.status).toBe('ok');
    expect(r.measures.map((m) => m.verdict)).toEqual(['~', '~']);
    expect(formatGate(r)).toContain('~');
  });

  it('a change in the good direction is an improvement, not a regression', () => {
    const r = gate([...history(10), record(10, { 'client-rss': 0.7, 'codec/encode': 1.3 })]);
    expect(r.status).toBe('ok');
    expect(r.measures.map((m) => m.verdict)).toEqual(['improved', 'improved']);
  });

  it('a significant move smaller than the threshold is ~', () => {
    const r = gate([...history(10), record(10, { 'client-rss': 1.08 })]);
    const rss = r.measures.find((m) => m.name === 'client-rss')!;
    expect(rss.p).toBeLessThan(0.05);
    expect(rss.verdict).toBe('~');
  });

  it('reports too little history instead of failing', () => {
    expect(gate([]).status).toBe('empty');
    const one = gate(history(1));
    expect(one.status).toBe('no-history');
    expect(formatGate(one)).toMatch(/too little history/);
    // another machine kind is no history either
    const other = record(1);
    other.machine = { ...other.machine, kind: '8c-32g-linux' };
    expect(gate([record(0), other]).status).toBe('no-history');
  });

  it('one sample against one cannot be significant: the verdict is ?, not a guess', () => {
    const one = (v: number, i: number): RunRecord => ({ ...record(i), measures: [{ name: 'x', unit: 's', better: 'lower', samples: [v] }] });
    const r = gate([one(1, 0), one(5, 1)]);
    expect(r.measures[0].verdict).toBe('?');
    expect(r.measures[0].note).toMatch(/too few samples/);
  });

  it('a baseline cuts the window: runs before it are not compared with', () => {
    // an intended 20 % rise accepted at run 5: runs 5.. are the new normal
    const recs = [...history(5), ...Array.from({ length: 5 }, (_, i) => record(5 + i, { 'client-rss': 1.2 }, i === 0 ? { baseline: true } : {}))];
    const w = selectWindow([...recs, record(10, { 'client-rss': 1.2 })], 10);
    expect(w.window.map((r) => r.commit)).toEqual(['c5', 'c6', 'c7', 'c8', 'c9']);
    expect(gate([...recs, record(10, { 'client-rss': 1.2 })]).status).toBe('ok');
    // without the baseline the same run is compared with the old level too
    const unmarked = recs.map(({ baseline: _, ...r }) => r);
    expect(selectWindow([...unmarked, record(10)], 10).window).toHaveLength(10);
    // the accepted run itself is reported as the baseline, not gated
    expect(gate(recs.slice(0, 6)).status).toBe('baseline');
  });

  it('the window keeps only the last N records', () => {
    expect(selectWindow(history(15), 10).window.map((r) => r.commit)).toEqual(['c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11', 'c12', 'c13']);
  });

  it('a measure new in the newest run is ?, not a failure', () => {
    const last = record(10);
    last.measures.push({ name: 'new', unit: 's', better: 'lower', samples: [1, 2, 3] });
    const r = gate([...history(10), last]);
    expect(r.status).toBe('ok');
    expect(r.measures.at(-1)!.verdict).toBe('?');
  });

  it('gateEach marks the regressed record in the trend', () => {
    const each = gateEach([...history(6), record(6, { 'client-rss': 1.3 }), record(7)]);
    expect(each.map((g) => g.status)).toEqual(['no-history', 'ok', 'ok', 'ok', 'ok', 'ok', 'regressed', 'ok']);
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  describe('exact measures (the simulation on fixed input)', () => {
    const withExact = (i: number, samples: number[]) => {
      const r = record(i);
      r.measures.push({ name: 'sim/share/p2p', unit: 'fraction', better: 'higher', samples, exact: true });
      return r;
    };

    it('the same value on three runs against three is =, where a rank test could only say ?', () => {
      const r = gate([withExact(0, [0.4, 0.4, 0.4]), withExact(1, [0.4, 0.4, 0.4])]);
      expect(r.status).toBe('ok');
      expect(r.measures.at(-1)!.verdict).toBe('=');
      expect(formatGate(r)).toMatch(/sim\/share\/p2p .* =/);
    });

    it('a change of 0.025 % is a change: the gate fails at once, naming it', () => {
      const r = gate([withExact(0, [0.4, 0.4, 0.4]), withExact(1, [0.4001, 0.4001, 0.4001])]);
      expect(r.status).toBe('regressed');
      expect(r.measures.at(-1)!.verdict).toBe('changed');
      expect(regressionLines(r).join('\n')).toMatch(/sim\/share\/p2p: 0\.4 fraction -> 0\.4001 fraction .*exact/);
    });

    it('an improvement of an exact figure is a change too: it must be accepted as a new baseline', () => {
      expect(gate([withExact(0, [0.4, 0.4, 0.4]), withExact(1, [0.5, 0.5, 0.5])]).status).toBe('regressed');
    });

    it('samples that differ within one run say the simulation is not deterministic', () => {
      const r = gate([withExact(0, [0.4, 0.4, 0.4]), withExact(1, [0.4, 0.41, 0.4])]);
      expect(r.measures.at(-1)!.verdict).toBe('changed');
      expect(r.measures.at(-1)!.note).toMatch(/not deterministic/);
    });

    it('is compared with the newest earlier record that has it, not the window pooled', () => {
      const r = gate([withExact(0, [0.3, 0.3, 0.3]), withExact(1, [0.4, 0.4, 0.4]), record(2), withExact(3, [0.4, 0.4, 0.4])]);
      expect(r.measures.at(-1)!.verdict).toBe('=');
    });
  });
});
