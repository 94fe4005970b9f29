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

import { Heap } from 'heap-js';
import type { Clock, TimerHandle } from '../../../node-image/core/clock.ts';

const noop = () => {};

/** a queued event, and its own handle: one object per timer, no closure (this runs for every frame) */
class Timer implements TimerHandle {
  dead = false;
  constructor(
    public due: number,
    public seq: number,
    public fn: () => void,
    readonly period: number,
  ) {}
  cancel(): void {
    // a cancelled timer stays in the heap until its time; it must not keep what its closure
    // holds (a play's whole track buffer) alive until then
    this.dead = true;
    this.fn = noop;
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
  private readonly heap = new Heap<Timer>((a, b) => a.due - b.due || a.seq - b.seq);

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
  /** timers waiting (cancelled ones included until their time comes) */
  get pending(): number {
    return this.heap.size();
  }

  private push(ms: number, fn: () => void, period: number): TimerHandle {
    const timer = new Timer(this.t + ms, this.seq++, fn, period);
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
        e.fn();
      }
      if (++instants % INSTANTS_PER_TURN === 0) await yieldTurn();
      else await afterMicrotasks();
      o.onInstant?.(this.now());
      if (o.stop?.()) return;
    }
    this.t = Math.max(this.t, end);
  }
}
