// The programs' host-load monitor on an injected clock and event-loop histogram, its schedule on
// vitest's fake timers: it counts slips from the workload's start only, takes the histogram's
// sampling period off the loop delay, prints a `load` line every 30 s and a last one at exit.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hostLoadProblem } from '../core/report-check.ts';
import { DC_LOOP_SAMPLE_MS, HostLoadMonitor, LOOP_SAMPLE_MS } from './host-load.ts';

/** a stand-in for perf_hooks' histogram: samples in ns, as monitorEventLoopDelay records them */
function fakeLoop(samplesMs: number[]) {
  const ns = samplesMs.map((x) => x * 1e6).sort((a, b) => a - b);
  return {
    enabled: false,
    enable() {
      this.enabled = true;
      return true;
    },
    disable() {
      this.enabled = false;
      return true;
    },
    percentile: (p: number) => ns[Math.max(1, Math.ceil((p / 100) * ns.length)) - 1],
    get max() {
      return ns.at(-1) ?? 0;
    },
    get count() {
      return ns.length;
    },
  };
}

describe('HostLoadMonitor', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  function monitor(loopMs: number[]) {
    let now = 0;
    const lines: Record<string, unknown>[] = [];
    const loop = fakeLoop(loopMs);
    const m = new HostLoadMonitor((event, fields) => lines.push({ event, ...fields }), { now: () => now, loopHistogram: () => loop });
    return { m, lines, loop, tick: (ms: number) => (now += ms) };
  }

  it('counts the slips of the timers that fire from the workload start on', () => {
    const { m, tick } = monitor([LOOP_SAMPLE_MS + 0.2, LOOP_SAMPLE_MS + 1, LOOP_SAMPLE_MS + 40, LOOP_SAMPLE_MS - 0.5]);
    m.startAt(Date.now() + 1500);
    m.late(900); // before the workload: the start-up's, not the run's
    vi.advanceTimersByTime(1500);
    for (const x of [0.3, 0.4, 2, 25]) m.late(x);
    tick(10_000);
    const r = m.record();
    expect(r.timers).toBe(4);
    expect(r.ms).toBe(10_000);
    expect(r.slipMs.max).toBe(25);
    expect(r.slipMs.p50).toBeGreaterThanOrEqual(0.4);
    expect(r.slipMs.p50).toBeLessThan(0.44);
    // the loop's samples less its sampling period; one under it (the loop's cached time) counts 0
    expect(r.loopDelayMs).toEqual({ p50: 0.2, p99: 40, max: 40 });
    expect(r.loopSamples).toBe(4);
    expect(hostLoadProblem(JSON.parse(JSON.stringify(r)))).toBeNull();
  });

  it('prints a load line every 30 s and a last one when stopped, then none', () => {
    const { m, lines, loop } = monitor([LOOP_SAMPLE_MS]);
    m.startAt(Date.now() - 5);
    expect(loop.enabled).toBe(true);
    m.late(3);
    vi.advanceTimersByTime(65_000);
    expect(lines.map((l) => l.event)).toEqual(['load', 'load']);
    m.stop();
    m.stop();
    vi.advanceTimersByTime(65_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ event: 'load', timers: 1, slipMs: { max: 3 } });
    expect(loop.enabled).toBe(false);
  });

  it("takes a data centre's finer sampling period off its samples", () => {
    const asked: number[] = [];
    const loop = fakeLoop([DC_LOOP_SAMPLE_MS + 0.5, DC_LOOP_SAMPLE_MS + 3]);
    const m = new HostLoadMonitor(() => {}, {
      loopSampleMs: DC_LOOP_SAMPLE_MS,
      loopHistogram: (resolution) => (asked.push(resolution), loop),
    });
    m.startAt(Date.now());
    expect(asked).toEqual([DC_LOOP_SAMPLE_MS]);
    expect(m.record().loopDelayMs).toEqual({ p50: 0.5, p99: 3, max: 3 });
  });

  it('prints nothing for a program stopped before the workload began', () => {
    const { m, lines } = monitor([]);
    m.startAt(Date.now() + 60_000);
    m.stop();
    vi.advanceTimersByTime(120_000);
    expect(lines).toEqual([]);
    expect(m.record()).toMatchObject({ ms: 0, timers: 0, loopSamples: 0, loopDelayMs: { p50: 0, p99: 0, max: 0 } });
  });
});
