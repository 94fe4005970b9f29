// A program's measurement of its host's load (docs/time-scale.md, "An overloaded host"): the slip
// of its own timers, heard from its real clock (core/clock.ts realClock's `onLate`), and its
// event-loop delay from perf_hooks, from the workload's start on. It prints them as a `load` line
// of its log every LOAD_EVERY_MS and once more when it exits, each over its life so far, so the
// last line the orchestrator finds is the fullest, and a program killed before its exit still
// leaves one behind.
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { type HostLoad, type Quantiles, roundMs, SlipHistogram } from '../core/host-load.ts';

/**
 * monitorEventLoopDelay's sampling period for a client, real ms. Its samples are the delay of a
 * timer due at an instant that has nothing to do with the program's work, whatever the period;
 * the period sets only how many there are and what they cost: its timer wakes the process each
 * time, and at every 20 ms that cost 2.3 ms of CPU a second per process on this 2-core machine
 * (0.12 ms at 500 ms), too much for 500 clients on one host. Node keeps the samples to 3
 * significant figures: about 0.5 ms at 500 ms. A data centre, one of two serving them all,
 * samples every DC_LOOP_SAMPLE_MS: 50 samples a second, each to 0.02 ms.
 */
export const LOOP_SAMPLE_MS = 500;
export const DC_LOOP_SAMPLE_MS = 20;
/** a `load` line this often, real ms */
const LOAD_EVERY_MS = 30_000;

type Log = (event: string, fields?: Record<string, unknown>) => void;
/** what the monitor reads of perf_hooks' histogram */
type LoopHistogram = Pick<IntervalHistogram, 'enable' | 'disable' | 'percentile' | 'max' | 'count'>;

interface Options {
  /** the event-loop histogram's sampling period, real ms */
  loopSampleMs?: number;
  /** real ms, monotonic */
  now?: () => number;
  /** the event-loop delay histogram, enabled when measuring starts */
  loopHistogram?: (resolutionMs: number) => LoopHistogram;
}

export class HostLoadMonitor {
  private readonly slips = new SlipHistogram();
  private loop: LoopHistogram | null = null;
  private since: number | null = null;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private stopped = false;

  private readonly loopSampleMs: number;
  private readonly now: () => number;
  private readonly loopHistogram: (resolutionMs: number) => LoopHistogram;

  constructor(
    private readonly log: Log,
    o: Options = {},
  ) {
    this.loopSampleMs = o.loopSampleMs ?? LOOP_SAMPLE_MS;
    this.now = o.now ?? (() => performance.now());
    this.loopHistogram = o.loopHistogram ?? ((resolution) => monitorEventLoopDelay({ resolution }));
  }

  /** a timer's slip in real ms (realClock's `onLate`): counted once measuring has started */
  readonly late = (ms: number): void => {
    if (this.since !== null) this.slips.add(ms);
  };

  /** start measuring at the real Date.now() `epochReal` (the workload's start), at once if it has passed */
  startAt(epochReal: number): void {
    if (this.stopped) return;
    const wait = epochReal - Date.now();
    if (wait <= 0) return this.start();
    const t = setTimeout(() => this.start(), wait);
    t.unref();
    this.timers.push(t);
  }

  private start(): void {
    if (this.since !== null) return;
    this.since = this.now();
    this.loop = this.loopHistogram(this.loopSampleMs);
    this.loop.enable();
    const t = setInterval(() => this.log('load', { ...this.record() }), LOAD_EVERY_MS);
    t.unref();
    this.timers.push(t);
  }

  /** what has been measured so far */
  record(): HostLoad {
    const loop = this.loop;
    const samples = loop?.count ?? 0;
    // a sample is the time between two firings of the histogram's timer: its period, plus what held the loop
    const delay = (ns: number) => roundMs(Math.max(0, ns / 1e6 - this.loopSampleMs));
    const loopDelayMs: Quantiles = loop && samples ? { p50: delay(loop.percentile(50)), p99: delay(loop.percentile(99)), max: delay(loop.max) } : { p50: 0, p99: 0, max: 0 };
    return {
      ms: this.since === null ? 0 : Math.max(0, Math.round(this.now() - this.since)),
      slipMs: this.slips.quantiles(),
      timers: this.slips.count,
      slipHist: this.slips.pairs(),
      loopDelayMs,
      loopSamples: samples,
    };
  }

  /** the last `load` line (if measuring had started), and no more: at the program's exit */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.stopped) return;
    this.stopped = true;
    if (this.since === null) return;
    this.log('load', { ...this.record() });
    this.loop?.disable();
  }
}
