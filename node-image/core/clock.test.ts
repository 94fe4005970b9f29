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

  it('tells how late each timer fired against when it was due: the timer slip (docs/time-scale.md, "An overloaded host")', async () => {
    const late: number[] = [];
    const c = realClock({ scale: 100, onLate: (ms) => late.push(ms) });
    const busy = (ms: number) => {
      const t = performance.now();
      while (performance.now() - t < ms);
    };
    // a 1 s workload timeout is 10 ms real; the loop is held 60 ms, so it fires at least 50 ms late
    const fired = new Promise<void>((r) => c.after(1000, r));
    busy(60);
    await fired;
    expect(late).toHaveLength(1);
    expect(late[0]).toBeGreaterThanOrEqual(49);
    // an interval, against its previous firing: held once, late once
    let n = 0;
    const every = new Promise<void>((r) => {
      const h = c.every(500, () => {
        if (++n === 1) busy(40);
        if (n === 3) {
          h.cancel();
          r();
        }
      });
    });
    await every;
    expect(late).toHaveLength(4);
    expect(late[2]).toBeGreaterThanOrEqual(30);
    expect(late.every((x) => x >= 0 && Number.isFinite(x))).toBe(true);
  });
});

describe('script runner', () => {
  it('arms one event at a time, each at its absolute time even when the one before fired late', async () => {
    const { runScript } = await import('./script-runner.ts');
    let now = 0;
    let armed: { due: number; fn: () => void } | null = null;
    let most = 0;
    let live = 0;
    const clock = {
      scale: 1,
      now: () => now,
      realNow: () => now,
      after: (ms: number, fn: () => void) => {
        live++;
        most = Math.max(most, live);
        armed = { due: now + ms, fn };
        return { cancel() {} };
      },
      every: () => ({ cancel() {} }),
    };
    const seen: [string, number][] = [];
    const client = { deps: { clock }, login: () => seen.push(['login', now]), play: () => seen.push(['play', now]), logout: () => seen.push(['logout', now]) };
    const events = [
      { t: 1000, action: 'login' },
      { t: 2000, action: 'play', track: 1, access: 'random' },
      { t: 3000, action: 'logout' },
    ];
    const script = runScript(client as never, events as never, () => seen.push(['done', now]));
    expect(script.playsLeft()).toBe(1);
    let lateBy = 700; // the first timer fires 700 ms late, as a busy real clock's can
    while (armed) {
      const a: { due: number; fn: () => void } = armed;
      armed = null;
      live--;
      now = a.due + lateBy;
      lateBy = 0;
      a.fn();
    }
    expect(most).toBe(1);
    expect(script.playsLeft()).toBe(0);
    expect(seen).toEqual([
      ['login', 1700],
      ['play', 2000],
      ['logout', 3000],
      ['done', 3001],
    ]);
  });
});
