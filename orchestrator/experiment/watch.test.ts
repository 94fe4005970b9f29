// The loop both runtimes of real programs wait on: it ends when the runtime says the peers are
// done or at the deadline, says each dead program's warning once, and shows the sinks' progress.
import { describe, expect, it } from 'vitest';
import { type ProgramsNow, watchWorkload } from './watch.ts';

const H = 3_600_000;

function watched(looks: ((pastEnd: boolean) => ProgramsNow)[], epoch: number) {
  const lines: string[] = [];
  const updates: string[] = [];
  const seen: boolean[] = [];
  let i = 0;
  const r = {
    e: { durationMs: H, timeScale: 600 },
    progress: { line: (l: string) => lines.push(l), update: (l: string) => updates.push(l) },
    signal: new AbortController().signal,
    live: () => 'plays 0',
  };
  const done = watchWorkload(r, epoch, {
    everyMs: 1,
    look: (pastEnd) => {
      seen.push(pastEnd);
      return looks[Math.min(i++, looks.length - 1)](pastEnd);
    },
  });
  return { done, lines, updates, seen };
}

const now = (o: Partial<ProgramsNow>): ProgramsNow => ({ finished: 0, peers: 3, running: 3, done: false, died: [], ...o });

describe('watching a workload of real programs', () => {
  it('ends when the runtime says every peer is done, a dead program said once', async () => {
    const w = watched([() => now({ died: ['data centre dc-stockholm exited'] }), () => now({ finished: 1, running: 2 }), () => now({ finished: 3, running: 0, done: true })], Date.now());
    await w.done;
    expect(w.lines).toEqual(['warning: data centre dc-stockholm exited', 'workload finished']);
    expect(w.updates).toHaveLength(3);
    expect(w.updates[2]).toMatch(/^day 0 00:0\d of day 0 01:00 \| plays 0 \| peer programs finished 3\/3$/);
    expect(w.seen).toEqual([false, false, false]);
  });

  it('tells the runtime when the workload is past its end, and gives up on the peers at the deadline', async () => {
    // the workload's 6 real seconds ended 130 s ago: past the 120 s its clients have to drain
    const w = watched([() => now({ finished: 1, running: 2 })], Date.now() - 6_000 - 130_000);
    await w.done;
    expect(w.seen).toEqual([true]);
    expect(w.lines).toEqual(["warning: 2 peers still running 130 s after the workload's end; stopping them", 'workload finished']);
  });

  it('stops at once when the run is interrupted', async () => {
    const c = new AbortController();
    c.abort();
    const lines: string[] = [];
    await watchWorkload({ e: { durationMs: H, timeScale: 600 }, progress: { line: (l) => lines.push(l), update: () => {} }, signal: c.signal, live: () => '' }, Date.now(), {
      everyMs: 1,
      look: () => {
        throw new Error('not looked at');
      },
    });
    expect(lines).toEqual(['workload finished']);
  });
});
