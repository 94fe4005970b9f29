// One injected clock for every protocol timer (keep-alives, 30-minute reports, pruning windows,
// prefetch). The protocol core never calls Date.now() or setTimeout itself: it asks a Clock.
//
// Time scale: a clock with scale k runs workload time k times faster than real time. A protocol
// parameter written in workload units (a 30-minute neighbour report, a 60-minute pruning window,
// a 240-second track) fires k times sooner in real time. What it cannot compress is network
// delay and CPU time: those stay real, which is why latencies are reported in real ms.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** workload milliseconds (scaled) */
  now(): number;
  /** real milliseconds, for latency measurements that must not be scaled */
  realNow(): number;
  /** run `fn` after `ms` of workload time */
  after(ms: number, fn: () => void): TimerHandle;
  /** run `fn` every `ms` of workload time */
  every(ms: number, fn: () => void): TimerHandle;
  readonly scale: number;
}

/**
 * A clock on the process's real timers. `epochReal` is the real Date.now() at workload time
 * `epochWorkload`. `onLate`, if given, hears how late each timer fired against when it was due,
 * in real ms (the timer slip of docs/time-scale.md, "An overloaded host"): a timeout against the
 * moment it was set plus its delay (Node fires none sooner than 1 ms), an interval against its
 * previous firing plus its period. A timer firing a little early by the loop's cached time counts 0.
 */
export function realClock(opts: { scale?: number; epochReal?: number; epochWorkload?: number; onLate?: (ms: number) => void } = {}): Clock {
  const scale = opts.scale ?? 1;
  if (!(scale > 0)) throw new RangeError(`time scale must be > 0, got ${scale}`);
  const epochReal = opts.epochReal ?? Date.now();
  const epochWorkload = opts.epochWorkload ?? 0;
  const toReal = (ms: number) => Math.max(0, ms / scale);
  const late = opts.onLate;
  return {
    scale,
    now: () => epochWorkload + (Date.now() - epochReal) * scale,
    realNow: () => performance.timeOrigin + performance.now(),
    after(ms, fn) {
      const real = toReal(ms);
      let run = fn;
      if (late) {
        const due = performance.now() + Math.max(1, real);
        run = () => {
          late(Math.max(0, performance.now() - due));
          fn();
        };
      }
      const h = setTimeout(run, real);
      h.unref?.();
      return { cancel: () => clearTimeout(h) };
    },
    every(ms, fn) {
      const period = Math.max(1, toReal(ms));
      let run = fn;
      if (late) {
        let due = performance.now() + period;
        run = () => {
          const now = performance.now();
          late(Math.max(0, now - due));
          due = now + period;
          fn();
        };
      }
      const h = setInterval(run, period);
      h.unref?.();
      return { cancel: () => clearInterval(h) };
    },
  };
}

/**
 * A virtual clock for unit tests and simulations: time moves only when `advance` is called,
 * and timers fire in order of their due time.
 */
export class ManualClock implements Clock {
  readonly scale: number;
  private t: number;
  private seq = 0;
  private timers: { due: number; seq: number; fn: () => void; period?: number; dead: boolean }[] = [];

  constructor(start = 0, scale = 1) {
    this.t = start;
    this.scale = scale;
  }
  now(): number {
    return this.t;
  }
  realNow(): number {
    return this.t / this.scale;
  }
  after(ms: number, fn: () => void): TimerHandle {
    const timer = { due: this.t + Math.max(0, ms), seq: this.seq++, fn, dead: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.dead = true) };
  }
  every(ms: number, fn: () => void): TimerHandle {
    if (!(ms > 0)) throw new RangeError(`period must be > 0, got ${ms}`);
    const timer = { due: this.t + ms, seq: this.seq++, fn, period: ms, dead: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.dead = true) };
  }
  /** move time forward by `ms`, firing every timer that falls due on the way */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => !x.dead);
      const next = this.timers.filter((x) => x.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.t = next.due;
      if (next.period) {
        next.due += next.period;
        next.seq = this.seq++;
      } else next.dead = true;
      next.fn();
    }
    this.t = end;
  }
}
