import { describe, expect, it } from 'vitest';
import { ManualClock, realClock } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in due order, periodic ones repeatedly', () => {
    const c = new ManualClock();
    const seen: string[] = [];
    c.after(30, () => seen.push(`a@${c.now()}`));
    const p = c.every(20, () => seen.push(`p@${c.now()}`));
    c.after(10, () => seen.push(`b@${c.now()}`));
    c.advance(45);
    expect(seen).toEqual(['b@10', 'p@20', 'a@30', 'p@40']);
    p.cancel();
    c.advance(100);
    expect(seen).toHaveLength(4);
    expect(c.now()).toBe(145);
  });
});

describe('realClock', () => {
  it('runs workload time `scale` times faster than real time', async () => {
    const c = realClock({ scale: 100 });
    const t0 = c.now();
    await new Promise((r) => setTimeout(r, 50));
    const dt = c.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(4000);
    expect(() => realClock({ scale: 0 })).toThrow(/scale/);
  });
});
