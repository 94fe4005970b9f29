// The simulated network: access links with a rate, delay, jitter and loss each way, addresses
// that are reachable or not as the home routers of the paper's Table II make them, and TCP-like
// pipes between them. docs/simulation.md says what is modelled and what is left out, and why.
//
// A frame written on a pipe is serialised on the sender's uplink (a FIFO: what the sender wrote
// before goes first), crosses the network (both links' one-way delays, plus jitter), and is
// serialised again on the receiver's downlink (a FIFO in the order frames arrive there:
// reserveDown). A pipe never reorders: TCP does not. A lost
// segment costs a retransmission (one round trip, at least 200 ms, as Linux's minimum RTO) rather
// than being dropped, because TCP hides loss from the application as delay.
//
// A channel's messages cross as they are, not as bytes (Pipe.writeMessage): each is timed by the
// length its frame would have, so the links see the same bytes, and the 16 KiB frames of track
// data are neither encoded, copied nor decoded (that was a quarter of the simulation's time).

import type { Dialer, Pipe } from '../../../node-image/core/channel.ts';
import { frameOf, type Packed } from '../../../node-image/core/codec.ts';
import type { SimClock } from './clock.ts';

export interface LinkDir {
  kbit: number;
  delayMs: number;
  jitterMs: number;
  lossPct: number;
}

export interface SimHost {
  name: string;
  up: LinkDir;
  down: LinkDir;
  /** the address the host's own interface has (its LAN address behind a NAT) */
  localAddress: string;
  /** the address servers see it from: its own, or its (outermost) router's */
  publicAddress: string;
  /** home network id (-1: none); hosts of one home reach each other's local addresses */
  home: number;
  /** link faults: times until which the access link drops everything / runs at a factor */
  cutUntil: number;
  rateFactor: number;
  /** its program has exited: nothing listens there any more (SimNetwork.leave) */
  gone: boolean;
  /** when the uplink has sent everything written to it so far (a FIFO in write order) */
  upFree: number;
  /** the downlink's busy times ahead, in arrival order (`reserveDown`); null until first used */
  downBusy: number[] | null;
  pipes: Set<SimPipe>;
}

/** a host with its links idle, uncut, at full rate; `home` -1 when it is behind no router */
export function newHost(name: string, up: LinkDir, down: LinkDir, localAddress: string, publicAddress: string, home: number): SimHost {
  return { name, up, down, localAddress, publicAddress, home, cutUntil: 0, rateFactor: 1, gone: false, upFree: 0, downBusy: null, pipes: new Set() };
}

/** two reservations that meet closer than this (ms) are one */
const TOUCH_MS = 1e-9;

/**
 * The time `len` bytes that reach `h`'s downlink at `arrive` have crossed it, with the link's time
 * reserved for them. The downlink is a FIFO in the order frames *arrive* at it, not the order they
 * were written: a frame written later on a short path (a data centre's answer) passes one written
 * earlier that is still on a long one (a peer's chunk behind seconds of that peer's uplink).
 * Reservations are made when a frame is written, so one that arrives before frames already
 * reserved takes the first gap at or after its arrival that fits it, else waits behind them: the
 * link carries no more than its rate, and never waits while a frame is there. `busy` holds the
 * reserved intervals as [start, end, start, end, ...], sorted, apart, past ones dropped.
 *
 * Until 2026-12-07 the downlink was one "free at" time in write order, so every frame to a host
 * waited for the latest arrival written before it: a data centre's downlink, written to by every
 * client, ran as far ahead as the most backlogged client's uplink (350 ms at 3,000 peers in the
 * evening), and every request waited that long (docs/simulation.md, "A frame's journey").
 */
export function reserveDown(h: SimHost, arrive: number, len: number, now: number): number {
  const d = (len * 8) / (h.down.kbit * h.rateFactor);
  const b = (h.downBusy ??= []);
  let past = 0;
  while (past < b.length && b[past + 1] <= now) past += 2;
  // moved by hand, here and below: splice makes an array of what it removes, on most frames (and
  // setting the length is a call into the runtime; pop is not)
  if (past) {
    for (let k = past; k < b.length; k++) b[k - past] = b[k];
    for (let k = 0; k < past; k++) b.pop();
  }
  let t = arrive;
  let i = 0;
  for (; i < b.length; i += 2) {
    if (b[i + 1] <= t) continue;
    if (b[i] >= t + d) break;
    t = b[i + 1];
  }
  const end = t + d;
  const joinsBefore = i > 0 && b[i - 1] >= t - TOUCH_MS;
  const joinsAfter = i < b.length && b[i] <= end + TOUCH_MS;
  if (joinsBefore && joinsAfter) {
    for (let k = i + 1; k < b.length; k++) b[k - 2] = b[k];
    b.pop();
    b.pop();
  } else if (joinsBefore) b[i - 1] = end;
  else if (joinsAfter) b[i] = t;
  else if (i === b.length) b.push(t, end);
  else {
    b.push(0, 0);
    for (let k = b.length - 1; k > i + 1; k--) b[k] = b[k - 2];
    b[i] = t;
    b[i + 1] = end;
  }
  return end;
}

export interface Endpoint {
  host: SimHost;
  accept: (pipe: Pipe) => void;
}

const MSS = 1448;
export const MIN_RTO_MS = 200;

export class SimPipe implements Pipe {
  other!: SimPipe;
  closed = false;
  private buffered = 0;
  private blocked = false;
  private lastArrival = 0;
  private readonly dataCbs: ((b: Buffer) => void)[] = [];
  private readonly messageCbs: ((m: Packed) => void)[] = [];
  private readonly drainCbs: (() => void)[] = [];
  private readonly closeCbs: ((r: string) => void)[] = [];
  /** what this end wrote arrives at the other: one function for every frame, not a closure each */
  private readonly arrive = (what: Buffer | Packed): void => {
    this.buffered -= Buffer.isBuffer(what) ? what.length : what.bytes;
    if (!this.other.closed) this.other.deliver(what);
    if (this.blocked && this.buffered < this.capacity && !this.closed) {
      this.blocked = false;
      for (const cb of this.drainCbs) cb();
    }
  };

  constructor(
    private readonly net: SimNetwork,
    readonly self: SimHost,
    readonly remoteAddress: string,
    /** bytes in flight before write() reports the pipe full: about a socket buffer */
    private readonly capacity: number,
  ) {
    self.pipes.add(this);
  }

  write(bytes: Buffer): boolean {
    return this.send(bytes, bytes.length);
  }
  writeMessage(msg: Packed): boolean {
    return this.send(msg, msg.bytes);
  }
  private send(what: Buffer | Packed, len: number): boolean {
    if (this.closed) return false;
    this.net.count(Buffer.isBuffer(what) ? 'bytes' : what.type);
    this.buffered += len;
    const arrival = Math.max(this.net.transit(this.self, this.other.self, len), this.lastArrival);
    this.lastArrival = arrival;
    this.net.clock.afterRealWith(arrival - this.net.clock.realNow(), this.arrive, what);
    if (this.buffered >= this.capacity) this.blocked = true;
    return !this.blocked;
  }
  /** what arrives: a message to the listeners of messages, or as its frame to those of bytes */
  private deliver(what: Buffer | Packed): void {
    if (Buffer.isBuffer(what)) for (const cb of this.dataCbs) cb(what);
    else if (this.messageCbs.length > 0) for (const cb of this.messageCbs) cb(what);
    else {
      const frame = frameOf(what);
      for (const cb of this.dataCbs) cb(frame);
    }
  }
  onData(cb: (b: Buffer) => void): void {
    this.dataCbs.push(cb);
  }
  onMessage(cb: (m: Packed) => void): void {
    this.messageCbs.push(cb);
  }
  onDrain(cb: () => void): void {
    this.drainCbs.push(cb);
  }
  onClose(cb: (r: string) => void): void {
    this.closeCbs.push(cb);
  }
  /** close this end now; the other end hears the FIN after what was sent before it */
  close(): void {
    if (this.closed) return;
    this.end('closed');
    const other = this.other;
    const fin = Math.max(this.lastArrival, this.net.clock.realNow() + this.net.oneWay(this.self, other.self));
    this.net.clock.afterReal(fin - this.net.clock.realNow(), () => other.end('closed by peer'));
  }
  /** both ends at once: a router that lost its NAT state answers every segment with a reset */
  reset(reason: string): void {
    this.end(reason);
    this.other.end(reason);
  }
  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.self.pipes.delete(this);
    for (const cb of this.closeCbs) cb(reason);
  }
}

export class SimNetwork {
  /** address:port -> who accepts connections there (public addresses and UPnP mappings) */
  private readonly endpoints = new Map<string, Endpoint>();
  /** local address:port of hosts behind a NAT: reachable only from their own home */
  private readonly lan = new Map<string, Endpoint>();
  /** addresses a machine answers at, whatever the port: home routers' public addresses */
  private readonly answering = new Set<string>();
  /**
   * messages sent, by type ('bytes': raw writes of a pipe that does not carry messages): what the
   * run's events are spent on (each message is one event where it arrives)
   */
  readonly messages = new Map<string, number>();

  constructor(
    readonly clock: SimClock,
    private readonly random: () => number,
  ) {}

  count(type: string): void {
    this.messages.set(type, (this.messages.get(type) ?? 0) + 1);
  }

  listen(address: string, port: number, e: Endpoint, local = false): void {
    (local ? this.lan : this.endpoints).set(`${address}:${port}`, e);
  }
  /** a router's public address: a SYN to a port it maps nothing at gets a reset, not silence */
  router(address: string): void {
    this.answering.add(address);
  }
  unlisten(address: string, port: number): void {
    this.endpoints.delete(`${address}:${port}`);
  }

  /**
   * The host's program has exited, as a container stops at the end of its script. Who dials it
   * then learns it as the emulation does (the containers' connect reports, docs/simulation.md):
   * a NAT-less host's address drops the SYN (no one answers ARP for it), so the dial runs into
   * its own time-out; a UPnP mapping to a host behind a router is refused at once by the router,
   * which stays up (a dial on the host's own LAN gets silence, as a NAT-less one's).
   */
  leave(host: SimHost): void {
    host.gone = true;
  }

  /** who is told when a host's access link goes silent (a cut, a router that is off) */
  readonly onCut: ((host: SimHost, untilReal: number) => void)[] = [];

  /** the host's access link drops everything until `untilReal` (real ms): held, then resent, as TCP would */
  cut(host: SimHost, untilReal: number): void {
    host.cutUntil = untilReal;
    for (const cb of this.onCut) cb(host, untilReal);
  }

  /** the round trip between two hosts, without jitter, queues or loss */
  baseRtt(a: SimHost, b: SimHost): number {
    return this.rtt(a, b);
  }

  dialer(from: SimHost): Dialer {
    return { dial: (host, port, timeoutMs) => this.dial(from, host, port, timeoutMs) };
  }

  /** one-way propagation delay between two hosts, jitter included */
  oneWay(a: SimHost, b: SimHost): number {
    return Math.max(0, a.up.delayMs + this.jitter(a.up)) + Math.max(0, b.down.delayMs + this.jitter(b.down));
  }

  /** a method, not a closure made on every call: this runs for every frame */
  private jitter(d: LinkDir): number {
    return d.jitterMs ? (this.random() * 2 - 1) * d.jitterMs : 0;
  }

  private rtt(a: SimHost, b: SimHost): number {
    return a.up.delayMs + b.down.delayMs + b.up.delayMs + a.down.delayMs;
  }

  /**
   * Virtual time at which `len` bytes written now by `a` have arrived at `b`; reserves both links.
   *
   * A lost segment is resent after a retransmission timeout, and the message reaches the
   * application that much later: the pipe holds what follows it on the same connection (TCP's
   * in-order delivery, `lastArrival` in the pipe). It does not hold the receiver's link: the
   * other segments arrive on time and wait in the receive buffer, and other connections' bytes
   * pass meanwhile. (Until 2026-12-07 the delayed arrival reserved the receiver's downlink, so one
   * lossy client's retransmission held every message to a data centre for 200 ms or more; it
   * inflated the latency tail in proportion to the number of messages, which is what made the
   * lazy keep-alives and the server-data runs look faster at the 90th percentile: docs/simulation.md.)
   */
  transit(a: SimHost, b: SimHost, len: number): number {
    return this.transitAt(a, b, len, this.clock.realNow());
  }

  /**
   * As transit, for a frame written at `at` (now or later): the search walk (search-walk.ts) puts
   * a search's forwarded queries on the links when the search is sent, each at the time the flood
   * would write it. A later write queues behind what the sender's uplink already holds past `at`;
   * where the uplink is idle by then it takes no reservation, so that it does not hold up what the
   * sender writes in between (a tiny message in what is, so far, a gap).
   */
  transitAt(a: SimHost, b: SimHost, len: number, at: number): number {
    const now = this.clock.realNow();
    const ser = (len * 8) / (a.up.kbit * a.rateFactor);
    const behind = at <= now || a.upFree >= at;
    const depart = Math.max(at, a.upFree) + ser;
    if (behind) a.upFree = depart;
    let arrive = depart + this.oneWay(a, b);
    const lossUp = a.up.lossPct;
    const lossDown = b.down.lossPct;
    // no loss either way: p would be 1 - 1 ** segments, 0, and draw nothing
    let resend = 0;
    if (lossUp || lossDown) {
      const segments = Math.ceil(len / MSS) || 1;
      const p = 1 - ((1 - lossUp / 100) * (1 - lossDown / 100)) ** segments;
      if (p > 0 && this.random() < p) resend = Math.max(MIN_RTO_MS, this.rtt(a, b));
    }
    // a cut link holds everything (TCP keeps retransmitting) until it is back
    const cut = Math.max(a.cutUntil, b.cutUntil);
    if (cut > at) arrive = Math.max(arrive, cut + MIN_RTO_MS);
    return reserveDown(b, arrive, len, now) + resend;
  }

  /** who answers at host:port for `from`, and the address it sees `from` by */
  private resolve(from: SimHost, host: string, port: number): { e: Endpoint; seen: string; lan: boolean } | undefined {
    const key = `${host}:${port}`;
    const e = this.endpoints.get(key);
    if (e) return { e, seen: from.publicAddress, lan: false };
    const l = this.lan.get(key);
    return l && l.host.home >= 0 && l.host.home === from.home ? { e: l, seen: from.localAddress, lan: true } : undefined;
  }

  private dial(from: SimHost, host: string, port: number, timeoutMs: number): Promise<Pipe> {
    const clock = this.clock;
    const found = this.resolve(from, host, port);
    const target = found?.e;
    return new Promise<Pipe>((resolve, reject) => {
      const now = clock.realNow();
      // Silence, so the dialler's own time-out decides: a SYN into a cut link or from one; to an
      // address no machine has (another home's LAN address, a double NAT's private one, a wrong
      // UPnP answer), which the Internet drops; to a host that has left, where no router stands
      // in front of it (a NAT-less one, or one dialled on its own LAN): nobody answers ARP for its
      // address. The containers' NAT'd diallers time out on these too (docs/simulation.md).
      const silent = target ? target.host.cutUntil > now || (target.host.gone && (target.host.home < 0 || found!.lan)) : !this.answering.has(host);
      if (from.cutUntil > now || silent) {
        clock.afterReal(timeoutMs, () => reject(new Error(`connect ${host}:${port} timed out`)));
        return;
      }
      if (!target || target.host.gone) {
        // a router with no mapping there (or whose peer has left) resets it: refused after a round trip
        clock.afterReal(from.up.delayMs + from.down.delayMs + 2, () => reject(new Error(`connect ${host}:${port} refused`)));
        return;
      }
      const b = target.host;
      const rtt = this.rtt(from, b);
      if (rtt > timeoutMs) {
        clock.afterReal(timeoutMs, () => reject(new Error(`connect ${host}:${port} timed out`)));
        return;
      }
      // a socket buffer of at least twice the path's bandwidth-delay product, as Linux autotunes it
      const bdp = (Math.min(from.up.kbit, b.down.kbit) * rtt) / 8;
      const capacity = Math.max(64 * 1024, Math.min(4 << 20, 2 * bdp));
      const mine = new SimPipe(this, from, host, capacity);
      const theirs = new SimPipe(this, b, found!.seen, capacity);
      mine.other = theirs;
      theirs.other = mine;
      // the listener has the connection before the first byte the dialler writes can arrive
      clock.afterReal(rtt / 2, () => target.accept(theirs));
      clock.afterReal(rtt, () => resolve(mine));
    });
  }
}
