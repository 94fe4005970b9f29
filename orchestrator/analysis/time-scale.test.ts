import { describe, expect, it } from 'vitest';
import { distortedAt, FIGURES, figuresOf, MEASURED } from './time-scale.ts';

describe('the time-scale rule', () => {
  it('names exactly the figures whose measured safe scale the chosen scale exceeds', () => {
    expect(distortedAt(1)).toEqual([]);
    for (const f of FIGURES) {
      const safe = MEASURED[f.key];
      expect(distortedAt(safe).some((d) => d.startsWith(`${f.label} (`))).toBe(false);
      expect(distortedAt(safe * 2).some((d) => d.startsWith(`${f.label} (`))).toBe(true);
    }
  });

  it('reads every figure from a summary, null where a run has no latency', () => {
    const f = figuresOf({
      plays: 10,
      shares: { server: 0.5, p2p: 0.2, cache: 0.3 },
      discovery: { tracker: 0.4, overlay: 0.3 },
      stutterRate: 0.1,
      playsNeverStarted: 2,
      noNeighbourShare: 0.25,
      latencyMs: { p50: null, p90: 120 },
    });
    expect(Object.keys(f).sort()).toEqual(FIGURES.map((x) => x.key).sort());
    expect(f).toMatchObject({ server: 0.5, p2p: 0.2, neverStarted: 0.2, latencyP50: null, latencyP90: 120 });
  });
});
