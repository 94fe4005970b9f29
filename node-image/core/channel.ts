// One protocol connection over any byte pipe: framing, an outgoing queue sorted by priority,
// and application keep-alives. The pipe (a TCP socket in the programs, an in-memory pair in unit
// tests) is the only I/O; the channel itself is pure protocol. A pipe within one process (the
// simulated network) may carry the messages themselves instead of their bytes (writeMessage).
//
// Why a queue of our own: the paper's client buffers application messages and sorts them by
// priority before they reach the OS, so a tracker query is never stuck behind megabytes of audio.
// We hand the pipe one frame at a time and only while it reports room (below its high-water mark),
// so at most about one chunk of bulk data sits in the socket ahead of an interactive message.

import type { Clock, TimerHandle } from './clock.ts';
import { encode, FrameDecoder, type Packed, ProtocolError, pack, unpack } from './codec.ts';
import { type Message, type MessageMap, type MessageType, priorityOf } from './messages.ts';

export interface Pipe {
  readonly remoteAddress: string;
  /** write bytes; returns false once the pipe's buffer is full (then wait for onDrain) */
  write(bytes: Buffer): boolean;
  onData(cb: (bytes: Buffer) => void): void;
  onDrain(cb: () => void): void;
  onClose(cb: (reason: string) => void): void;
  close(): void;
  /**
   * Optional, for a pipe that never leaves the process (the simulated network; a socket has no
   * such thing): write a message as it is, not its bytes, timed as its `bytes`; false as write().
   * The other end's onMessage listeners get it, in order with everything else written. A
   * channel on such a pipe encodes and decodes nothing, and checks what arrives as the decoder
   * would (codec.ts unpack). A payload is handed over, not copied: the core never writes into a
   * payload it has sent or received.
   */
  writeMessage?(msg: Packed): boolean;
  onMessage?(cb: (msg: Packed) => void): void;
}

export interface Dialer {
  /** open a pipe to host:port or reject within timeoutMs (real ms) */
  dial(host: string, port: number, timeoutMs: number): Promise<Pipe>;
}

/** A timer in real milliseconds on a scaled clock (keep-alives and network timeouts do not scale). */
export function afterReal(clock: Clock, ms: number, fn: () => void): TimerHandle {
  return clock.after(ms * clock.scale, fn);
}
export function everyReal(clock: Clock, ms: number, fn: () => void): TimerHandle {
  return clock.every(ms * clock.scale, fn);
}

/**
 * How a channel learns that its connection died without a word (a cut link, a machine gone):
 * what watches it from its start until it closes. The real protocol's is `keepalives`; the
 * simulated network, which knows when a path goes silent, may watch for that instead
 * (orchestrator/runtime/sim/liveness.ts), and spare every connection its timer and pings.
 */
export interface Liveness {
  watch(ch: Channel): { cancel(): void };
}

/** the protocol's own: a ping every keepaliveMs; closed after deadAfterMs without a byte */
const keepalives: Liveness = {
  watch: (ch) => everyReal(ch.clock, ch.opts.keepaliveMs, () => ch.keepalive()),
};

export interface ChannelOptions {
  maxFrameBytes: number;
  keepaliveMs: number;
  deadAfterMs: number;
  /**
   * bytes our own queue may hold for a peer that does not read (default: unbounded); past it the
   * connection closes, so one slow reader cannot make the process's memory grow without end
   */
  maxQueuedBytes?: number;
  /** real ms a frame may take to arrive once it has begun (default: deadAfterMs); a slowloris is closed */
  partialFrameMs?: number;
  /** for logs */
  name: string;
  /** what notices a silent death (default: keepalives) */
  liveness?: Liveness;
}

/** the channel options a protocol variant's parameters give */
export function channelOptions(
  p: { maxFrameBytes: number; keepaliveMs: number; deadAfterMs: number; maxQueuedBytes: number; partialFrameMs: number },
  name: string,
  liveness?: Liveness,
): ChannelOptions {
  return {
    maxFrameBytes: p.maxFrameBytes,
    keepaliveMs: p.keepaliveMs,
    deadAfterMs: p.deadAfterMs,
    maxQueuedBytes: p.maxQueuedBytes,
    partialFrameMs: p.partialFrameMs,
    name,
    ...(liveness ? { liveness } : {}),
  };
}

export class Channel {
  /** frames, or packed messages on a pipe that carries them (`direct`) */
  private readonly queues: (Buffer | Packed)[][] = [[], [], []];
  private readonly decoder: FrameDecoder;
  private readonly direct: boolean;
  private lastHeard: number;
  private timer: { cancel(): void } | null = null;
  private closed = false;
  private blocked = false;
  bytesIn = 0;
  bytesOut = 0;
  /** keep-alive round trip, real ms, smoothed (null before the first pong): the lowest-rtt peer choice reads it */
  rttMs: number | null = null;
  private pingSentAt: number | null = null;
  private queued = 0;
  /** queued + partly received bytes as last told to onHeld */
  private held = 0;
  /** while a frame is partly received: closes the connection once it has taken partialFrameMs */
  private partialTimer: TimerHandle | null = null;
  onMessage: (msg: Message, ch: Channel) => void = () => {};
  onClosed: (reason: string, ch: Channel) => void = () => {};
  /**
   * the bytes this connection holds changed by `delta`: a data centre keeps their sum over its
   * connections within one budget (core/dc.ts). Called after the change, with the channel in a
   * consistent state, so the listener may close this channel or another
   */
  onHeld: (delta: number, ch: Channel) => void = () => {};

  constructor(
    readonly pipe: Pipe,
    readonly clock: Clock,
    readonly opts: ChannelOptions,
  ) {
    this.decoder = new FrameDecoder(opts.maxFrameBytes);
    this.lastHeard = clock.realNow();
    pipe.onData((b) => this.receive(b));
    this.direct = pipe.writeMessage !== undefined && pipe.onMessage !== undefined;
    if (this.direct) pipe.onMessage!((m) => this.receivePacked(m));
    pipe.onDrain(() => {
      this.blocked = false;
      this.flush();
      this.account();
    });
    pipe.onClose((reason) => this.finish(reason));
    this.timer = (opts.liveness ?? keepalives).watch(this);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get remoteAddress(): string {
    return this.pipe.remoteAddress;
  }

  /** bytes waiting in our own queue (not yet handed to the pipe) */
  get queuedBytes(): number {
    return this.queued;
  }

  /** what this connection holds in memory: its queue and the frame it is partly receiving */
  get heldBytes(): number {
    return this.held;
  }

  send<K extends MessageType>(type: K, body: MessageMap[K], payload?: Buffer): void {
    if (this.closed) return;
    const msg = { type, body, payload } as Message;
    const frame = this.direct ? pack(msg) : encode(msg);
    const len = lengthOf(frame);
    const max = this.opts.maxQueuedBytes;
    if (max !== undefined && this.queued + len > max) {
      this.close(`${this.pipe.remoteAddress} does not read: ${this.queued} bytes queued, the limit is ${max}`);
      return;
    }
    this.queues[priorityOf(type)].push(frame);
    this.queued += len;
    this.flush();
    this.account();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.finish(reason);
    this.pipe.close();
  }

  private flush(): void {
    while (!this.blocked && !this.closed) {
      const q = this.queues.find((x) => x.length > 0);
      if (!q) return;
      const frame = q.shift()!;
      const len = lengthOf(frame);
      this.queued -= len;
      this.bytesOut += len;
      if (!(Buffer.isBuffer(frame) ? this.pipe.write(frame) : this.pipe.writeMessage!(frame))) this.blocked = true;
    }
  }

  private receive(bytes: Buffer): void {
    if (this.closed) return;
    this.lastHeard = this.clock.realNow();
    this.bytesIn += bytes.length;
    let msgs: Message[];
    try {
      msgs = this.decoder.push(bytes);
    } catch (err) {
      const why = err instanceof ProtocolError ? err.message : `decoder failure: ${String(err)}`;
      this.close(`bad frame from ${this.pipe.remoteAddress}: ${why}`);
      return;
    }
    // a frame left incomplete began now if a frame just completed, else when the last one did;
    // its own timer closes a slowloris at partialFrameMs exactly (the keep-alive tick, every
    // keepaliveMs, would have let it run up to a tick longer)
    if (this.decoder.partialBytes === 0) this.endPartial();
    else if (msgs.length > 0 || this.partialTimer === null) {
      this.endPartial();
      const ms = this.opts.partialFrameMs ?? this.opts.deadAfterMs;
      this.partialTimer = afterReal(this.clock, ms, () => this.close(`a frame from ${this.pipe.remoteAddress} took more than ${ms} ms`));
    }
    // before the messages are handled: a connection shed for what it holds handles none of them
    this.account();
    for (const m of msgs) {
      if (this.closed) return;
      this.dispatch(m);
    }
  }

  /** a whole message from a pipe that carries messages: as receive() of its frame */
  private receivePacked(p: Packed): void {
    if (this.closed) return;
    this.lastHeard = this.clock.realNow();
    this.bytesIn += p.bytes;
    let m: Message;
    try {
      m = unpack(p, this.opts.maxFrameBytes);
    } catch (err) {
      const why = err instanceof ProtocolError ? err.message : `decoder failure: ${String(err)}`;
      this.close(`bad frame from ${this.pipe.remoteAddress}: ${why}`);
      return;
    }
    this.dispatch(m);
  }

  private dispatch(m: Message): void {
    if (m.type === 'ping') this.send('pong', {});
    else if (m.type === 'pong') this.measured();
    else this.onMessage(m, this);
  }

  /** a keep-alive tick: closed if nothing arrived for deadAfterMs, else a ping (its pong gives the rtt) */
  keepalive(): void {
    const now = this.clock.realNow();
    if (now - this.lastHeard > this.opts.deadAfterMs) {
      this.expire();
      return;
    }
    if (this.pingSentAt === null) this.pingSentAt = this.clock.realNow();
    this.send('ping', {});
  }

  /** closed as a keep-alive time-out closes it */
  expire(): void {
    this.close(`no traffic for ${this.opts.deadAfterMs} ms (keep-alive timeout)`);
  }

  private measured(): void {
    if (this.pingSentAt === null) return;
    const sample = this.clock.realNow() - this.pingSentAt;
    this.pingSentAt = null;
    this.rttMs = this.rttMs === null ? sample : 0.75 * this.rttMs + 0.25 * sample;
  }

  private account(): void {
    const now = this.closed ? 0 : this.queued + this.decoder.partialBytes;
    if (now === this.held) return;
    const delta = now - this.held;
    this.held = now;
    this.onHeld(delta, this);
  }

  private endPartial(): void {
    this.partialTimer?.cancel();
    this.partialTimer = null;
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.endPartial();
    for (const q of this.queues) q.length = 0;
    this.queued = 0;
    this.decoder.clear();
    this.account();
    this.onClosed(reason, this);
  }
}

const lengthOf = (f: Buffer | Packed): number => (Buffer.isBuffer(f) ? f.length : f.bytes);
