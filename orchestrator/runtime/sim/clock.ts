// The simulation's clock: one event queue (a binary heap) on virtual milliseconds. The protocol
// core asks it for timers exactly as it asks a real clock, so the unchanged client, data centre
// and tracker classes run here.
//
// Promises: the core awaits dials, tracker answers and sink writes. Their continuations are
// microtasks, which must run at the virtual instant that resolved them, before time moves on. So
// the loop runs every event due at one instant, then lets the microtask queue empty, and only
// then advances time. The loop itself runs as a microtask, and Node runs process.nextTick
// callbacks only once the microtask queue is empty: a nextTick is the cheapest wait that is sure
// to come after every continuation (a setImmediate turn costs ~5x more, and most events are one
// instant each). Every few thousand instants a setImmediate turn lets signals (Ctrl-C) and
// output through.
//
// Time scale: by default none (scale 1): a simulated track has its real size, a latency is in
// virtual ms, and now() and realNow() are the same virtual time. With a scale k the clock does
// what a container's real clock does under `timeScale: k`: workload time (now(), after(), every())
// runs k times faster than the network's time (realNow(), afterReal()), so tracks are k times
// shorter and every protocol timer k times sooner, while delays, serialisation and handshakes stay
// as they are. That lets a simulated run reproduce an emulated run's distortion on purpose
// (docs/time-scale.md). The queue is kept in real (network) ms.

import type { Clock, TimerHandle } from '../../../node-image/core/clock.ts';

const noop = () => {};

/**
 * a queued event, and its own handle: one object per timer, no closure (this runs for every
 * frame); `fn` is called with `arg`, so that a frame's arrival needs no closure of its own either
 */
class Timer implements TimerHandle {
  dead = false;
  constructor(
    public due: number,
    public seq: number,
    public fn: (arg: unknown) => void,
    readonly period: number,
    public arg: unknown,
  ) {}
  cancel(): void {
    // a cancelled timer stays in the heap until its time; it must not keep what its closure
    // holds (a play's whole track buffer) alive until then
    this.dead = true;
    this.fn = noop;
    this.arg = undefined;
  }
}

/**
 * The event queue: a binary heap of timers by (due, seq), the keys in typed arrays beside them.
 * heap-js's generic heap called a comparator closure that read both timers, scattered over the
 * heap, at every step (that closure alone was 3.4 % of 10,000 peers' time). Same total order,
 * so the same events in the same order.
 */
class TimerQueue {
  private due = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private timers: (Timer | undefined)[] = [];
  size = 0;

  /** the earliest timer, left in the queue */
  peek(): Timer | undefined {
    return this.timers[0];
  }

  push(x: Timer): void {
    if (this.size === this.due.length) this.grow();
    const { due, seq, timers } = this;
    const d = x.due;
    const s = x.seq;
    let k = this.size++;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!(d < due[p] || (!(d > due[p]) && s < seq[p]))) break;
      due[k] = due[p];
      seq[k] = seq[p];
      timers[k] = timers[p];
      k = p;
    }
    due[k] = d;
    seq[k] = s;
    timers[k] = x;
  }

  /** takes the earliest timer out */
  pop(): Timer | undefined {
    const { due, seq, timers } = this;
    const top = timers[0];
    if (this.size === 0) return top;
    const n = --this.size;
    const last = timers[n];
    const d = due[n];
    const s = seq[n];
    // not kept for a later push to overwrite: a timer's closure can hold much (a play's track)
    timers[n] = undefined;
    if (n === 0) return top;
    let k = 0;
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      if (c + 1 < n && (due[c + 1] < due[c] || (!(due[c + 1] > due[c]) && seq[c + 1] < seq[c]))) c++;
      if (!(due[c] < d || (!(due[c] > d) && seq[c] < s))) break;
      due[k] = due[c];
      seq[k] = seq[c];
      timers[k] = timers[c];
      k = c;
    }
    due[k] = d;
    seq[k] = s;
    timers[k] = last;
    return top;
  }

  private grow(): void {
    const due = new Float64Array(this.due.length * 2);
    due.set(this.due);
    this.due = due;
    const seq = new Float64Array(this.seq.length * 2);
    seq.set(this.seq);
    this.seq = seq;
  }
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const afterMicrotasks = () => new Promise<void>((resolve) => process.nextTick(resolve));
const INSTANTS_PER_TURN = 4096;

export class SimClock implements Clock {
  /** events fired so far (the benchmark's events per second) */
  events = 0;
  /** network (real) virtual ms */
  private t = 0;
  private seq = 0;
  private readonly heap = new TimerQueue();

  /** `start`: the workload ms at the first instant; `scale`: workload ms per network ms */
  constructor(
    private readonly start = 0,
    readonly scale = 1,
  ) {
    if (!(scale > 0)) throw new RangeError(`time scale must be > 0, got ${scale}`);
  }
  now(): number {
    return this.start + this.t * this.scale;
  }
  realNow(): number {
    return this.t;
  }
  /** network ms at which workload time reaches `workloadMs` */
  toReal(workloadMs: number): number {
    return (workloadMs - this.start) / this.scale;
  }
  after(ms: number, fn: () => void): TimerHandle {
    return this.push(Math.max(0, ms) / this.scale, fn, 0);
  }
  every(ms: number, fn: () => void): TimerHandle {
    if (!(ms > 0)) throw new RangeError(`period must be > 0, got ${ms}`);
    return this.push(ms / this.scale, fn, ms / this.scale);
  }
  /** run `fn` after `ms` of network time: delays, serialisation, handshakes */
  afterReal(ms: number, fn: () => void): TimerHandle {
    return this.push(Math.max(0, ms), fn, 0);
  }
  /** afterReal, `fn` called with `arg`: one function for many timers, instead of a closure each */
  afterRealWith<T>(ms: number, fn: (arg: T) => void, arg: T): TimerHandle {
    return this.push(Math.max(0, ms), fn as (arg: unknown) => void, 0, arg);
  }
  /** timers waiting (cancelled ones included until their time comes) */
  get pending(): number {
    return this.heap.size;
  }

  private push(ms: number, fn: (arg: unknown) => void, period: number, arg?: unknown): TimerHandle {
    const timer = new Timer(this.t + ms, this.seq++, fn, period, arg);
    this.heap.push(timer);
    return timer;
  }

  /**
   * Run every event up to workload time `until` (inclusive), then set the clock there. `stop` is
   * asked between instants and ends the run early (it returns true); `onInstant` sees each instant.
   */
  async runUntil(until: number, o: { stop?: () => boolean; onInstant?: (t: number) => void } = {}): Promise<void> {
    const end = this.toReal(until);
    await yieldTurn();
    let instants = 0;
    for (;;) {
      const next = this.heap.peek();
      if (!next || next.due > end) break;
      this.t = next.due;
      // everything due at this instant, including what these events schedule for it
      for (let e = this.heap.peek(); e && e.due === this.t; e = this.heap.peek()) {
        this.heap.pop();
        if (e.dead) continue;
        if (e.period) {
          e.due += e.period;
          e.seq = this.seq++;
          this.heap.push(e);
        } else e.dead = true;
        this.events++;
        e.fn(e.arg);
      }
      if (++instants % INSTANTS_PER_TURN === 0) await yieldTurn();
      else await afterMicrotasks();
      o.onInstant?.(this.now());
      if (o.stop?.()) return;
    }
    this.t = Math.max(this.t, end);
  }
}
