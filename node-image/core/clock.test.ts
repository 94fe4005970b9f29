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

describe('script runner', () => {
  it('ends after the last event even when the clock moves while timers are made', async () => {
    const { runScript } = await import('./script-runner.ts');
    // like a scaled real clock: now() keeps moving while timers are made, but every timer's due
    // time counts from the same cached loop time (libuv caches it for the whole tick)
    let reads = 0;
    const timers: { due: number; fn: () => void }[] = [];
    const clock = { scale: 600, now: () => 1000 * ++reads, realNow: () => 0, after: (ms: number, fn: () => void) => (timers.push({ due: ms, fn }), { cancel() {} }), every: () => ({ cancel() {} }) };
    const seen: string[] = [];
    const client = { deps: { clock }, login: () => seen.push('login'), logout: () => seen.push('logout'), play: () => seen.push('play') };
    const events = [
      { t: 5000, action: 'login' },
      { t: 50000, action: 'play', track: 1, access: 'random' },
      { t: 90000, action: 'logout' },
    ];
    runScript(client as never, events as never, () => seen.push('done'));
    for (const t of timers.sort((x, y) => x.due - y.due)) t.fn();
    expect(seen).toEqual(['login', 'play', 'logout', 'done']);
  });
});
