import { describe, expect, it } from 'vitest';
import { pool, poolDisjoint } from './schedule.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('poolDisjoint', () => {
  // a small testbed: routers share the WAN; each peer shares only its home with its router
  const items = [
    ...Array.from({ length: 6 }, (_, i) => ({ name: `r${i}`, nets: ['wan', `h${i}`] })),
    ...Array.from({ length: 6 }, (_, i) => ({ name: `p${i}`, nets: [`h${i}`] })),
    { name: 'dns', nets: ['wan', 'services'] },
  ];

  it('never runs two items that share a key at once, yet runs disjoint ones together, and runs every item', async () => {
    const inFlight = new Map<string, string[]>();
    const clashes: string[] = [];
    let most = 0;
    const done: string[] = [];
    await poolDisjoint(
      items,
      4,
      (x) => x.nets,
      async (x) => {
        for (const [other, nets] of inFlight) if (nets.some((k) => x.nets.includes(k))) clashes.push(`${x.name} with ${other}`);
        inFlight.set(x.name, x.nets);
        most = Math.max(most, inFlight.size);
        await tick(5);
        inFlight.delete(x.name);
        done.push(x.name);
      },
    );
    expect(clashes).toEqual([]);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    expect(done.sort()).toEqual(items.map((x) => x.name).sort());
  });

  it('runs every item even after one fails, then rethrows the first failure', async () => {
    const done: string[] = [];
    await expect(
      poolDisjoint(
        items,
        3,
        (x) => x.nets,
        async (x) => {
          await tick(1);
          if (x.name === 'r1') throw new Error('r1 would not go');
          done.push(x.name);
        },
      ),
    ).rejects.toThrow('r1 would not go');
    expect(done).toHaveLength(items.length - 1);
  });
});

describe('pool', () => {
  it('on abort takes no new item and returns only after the calls in flight have finished', async () => {
    const ac = new AbortController();
    const finished: number[] = [];
    const started: number[] = [];
    const p = pool(
      [1, 2, 3, 4, 5, 6],
      2,
      async (x) => {
        started.push(x);
        if (x === 2) ac.abort(new Error('interrupted'));
        // the item aborting is quick; the other is still in flight when its worker sees the abort
        await tick(x === 1 ? 60 : 1);
        finished.push(x);
      },
      ac.signal,
    );
    await expect(p).rejects.toThrow('interrupted');
    // whatever had started is done by the time the caller starts cleaning up
    expect(finished.sort()).toEqual(started.sort());
    expect(started.length).toBeLessThan(6);
  });
});
