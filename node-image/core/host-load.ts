// Host load as a program measures it (docs/time-scale.md, "An overloaded host"): how late its own
// timers fire against when they were due (timer slip: core/clock.ts realClock's `onLate`) and how
// long its event loop was held (event-loop delay: adapters/host-load.ts, perf_hooks), both in real
// ms. A program prints them as a `load` line of its log; the orchestrator keeps each program's
// last one in run.json and the analysis judges the run by them (orchestrator/analysis/host-load.ts).
// The slips are kept in a histogram of fixed buckets, so that the programs' histograms add up to
// the run's. Pure: nothing here reads a clock.

/** the upper edge of bucket 0, real ms: a slip below it is no slip at all */
const FLOOR_MS = 0.01;
/** buckets per doubling: each bucket is 2^(1/8), about 9 %, wider than the one below */
const PER_DOUBLING = 8;

/** the bucket of a slip of `ms` real ms: 0 below FLOOR_MS, then one per 2^(1/8) */
export function slipBucket(ms: number): number {
  return ms < FLOOR_MS ? 0 : Math.floor(PER_DOUBLING * Math.log2(ms / FLOOR_MS)) + 1;
}

/** the upper edge of bucket `i`, real ms */
function bucketTop(i: number): number {
  return FLOOR_MS * 2 ** (i / PER_DOUBLING);
}

/** p50, p99 and the largest, real ms */
export interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

/** What a program prints as its `load` line (beside the logger's t, program, name and event), over its life since the workload started. */
export interface HostLoad {
  /** real ms measured: from the workload's start (or the program's, if later) to this record */
  ms: number;
  /** timer slip: how late the program's own timers fired against when they were due, real ms */
  slipMs: Quantiles;
  /** the timers that fired: the slip's samples */
  timers: number;
  /** the slips by bucket (slipBucket): [bucket, count] in bucket order, no empty bucket; the counts add up to `timers` */
  slipHist: [number, number][];
  /** event-loop delay: perf_hooks.monitorEventLoopDelay's samples less its sampling period, real ms */
  loopDelayMs: Quantiles;
  /** its samples */
  loopSamples: number;
}

/** real ms to 0.01 ms, as printed */
export const roundMs = (ms: number): number => Math.round(ms * 100) / 100;

/** Timer slips in fixed buckets: a program's own, or the run's (the programs' added up). */
export class SlipHistogram {
  private readonly counts = new Map<number, number>();
  /** slips counted */
  count = 0;
  /** the largest slip, real ms */
  max = 0;

  /** one slip of `ms` real ms (a negative or non-finite one is not counted) */
  add(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    const b = slipBucket(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** another histogram's buckets (HostLoad.slipHist) and its largest slip */
  merge(pairs: readonly (readonly [number, number])[], max: number): void {
    for (const [b, n] of pairs) {
      this.counts.set(b, (this.counts.get(b) ?? 0) + n);
      this.count += n;
    }
    if (max > this.max) this.max = max;
  }

  /**
   * the q-quantile (0 < q <= 1), real ms: the upper edge of the bucket that holds it, but never
   * above the largest slip (HdrHistogram's "highest equivalent value"): at most 9 % high; 0 with no slip
   */
  quantile(q: number): number {
    if (!this.count) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const [b, n] of this.pairs()) {
      seen += n;
      if (seen >= rank) return Math.min(bucketTop(b), this.max);
    }
    return this.max;
  }

  quantiles(): Quantiles {
    return { p50: roundMs(this.quantile(0.5)), p99: roundMs(this.quantile(0.99)), max: roundMs(this.max) };
  }

  /** [bucket, count] in bucket order */
  pairs(): [number, number][] {
    return [...this.counts].sort((a, b) => a[0] - b[0]);
  }
}
