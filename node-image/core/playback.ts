// Streaming one track as in Kreitz & Niemelä (2010): on play, the first ~15 s of audio come from
// the server at once while the tracker and the overlay are asked for peers; the rest comes from
// peers in 16 kB chunks, each request going to the peer with the lowest expected download time; a
// request that is slow moves to another peer, or to the server once its chunk is urgent; while
// peers serve, the server is used only for the head and for urgent chunks; with no peer, the
// server sends the rest. When the playback buffer runs low the client enters emergency mode: it
// stops serving others and fetches from the server. When 30 s or less of a playlist track remain,
// the next track is prefetched the same way.
//
// Playback itself is simulated in time (no audio decoding): the play position advances at the
// track's rate as the clock moves, and an underrun (the position reaching missing data) is a
// stutter. Latency is real ms from the play request to the first audio playable.

import { createHash } from 'node:crypto';
import { type CacheIndex, type CacheKey, cacheKey } from './cache.ts';
import { afterReal } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { type ContentSource, expectedSha256, UNVERIFIED } from './content.ts';
import type { PeerAddress } from './messages.ts';
import type { ProtocolParams } from './params.ts';
import type { PeerOption, Protocol } from './policies.ts';
import type { ReportBody } from './report-queue.ts';
import type { Quality, Report } from './reports.ts';
import type { ChunkWaiter } from './server-link.ts';

/**
 * What playback needs of the client it plays in: the seam between streaming a track and the rest
 * of the client (core/client.ts implements it). A download asks the server, the tracker, the
 * overlay and its neighbours through it; nothing here reaches into the client's parts, so another
 * way to fetch chunks or find peers (a simulation's coarser model) plugs in behind these methods.
 */
export interface PlaybackHost {
  readonly id: string;
  readonly deps: { readonly clock: Clock; readonly params: ProtocolParams; readonly random: () => number };
  readonly policies: Omit<Protocol, 'params' | 'tracker'>;
  readonly cache: CacheIndex;
  readonly content: ContentSource;
  /** a mobile client uses only the servers (the paper, section II) */
  readonly mobile: boolean;
  readonly quality: Quality;
  /** connected to its data centre now */
  readonly connected: boolean;
  trackSize(track: number, quality: Quality): number;
  trackDurationMs(track: number): number;
  report(body: ReportBody): void;
  /** tell the tracker we have the whole track */
  announce(track: number, quality: Quality): void;
  askTracker(track: number, quality: Quality): Promise<PeerAddress[]>;
  searchOverlay(track: number, quality: Quality, onHit: (peer: PeerAddress, distance: number, ms: number) => void): { sentTo: number; done: () => void };
  connectPeer(peer: PeerAddress): Promise<unknown>;
  hasNeighbour(id: string): boolean;
  markInteresting(id: string): void;
  neighbourRtt(id: string): number | null;
  requestFromServer(track: number, quality: Quality, offset: number, length: number, waiter: ChunkWaiter): number;
  cancelServerRequest(rid: number): void;
  /** `count` chunks from `index` on, in one request and one answer */
  requestFromPeer(peer: string, track: number, quality: Quality, index: number, waiter: ChunkWaiter, count?: number): boolean;
}

const SRC_NONE = 0,
  SRC_SERVER = 1,
  SRC_P2P = 2,
  SRC_CACHE = 3;
const TICK_MS = 25;

/** a chunk in flight: to the server (`run` > 1: one request for that many chunks from this one's run), or to a peer */
type Pending = { kind: 'server'; rid: number; run: number } | { kind: 'peer'; peer: string; since: number };

/** the requests in flight by chunk, counting those to the server and those to peers as they change */
class PendingMap extends Map<number, Pending> {
  servers = 0;
  peers = 0;
  override set(i: number, p: Pending): this {
    this.count(super.get(i), -1);
    this.count(p, 1);
    return super.set(i, p);
  }
  override delete(i: number): boolean {
    this.count(super.get(i), -1);
    return super.delete(i);
  }
  override clear(): void {
    this.servers = 0;
    this.peers = 0;
    super.clear();
  }
  private count(p: Pending | undefined, by: number): void {
    if (p?.kind === 'server') this.servers += by;
    else if (p?.kind === 'peer') this.peers += by;
  }
}

/**
 * A test hook of the benchmark suite (docs/benchmarks.md): TESTBED_SLOW_CHUNK_MS holds every chunk
 * from the server that long before the player takes it, a deliberate regression that the
 * benchmark gate must flag in the latency measures. Unset, it costs nothing.
 */
const SLOW_CHUNK_MS = Number(process.env.TESTBED_SLOW_CHUNK_MS ?? 0) || 0;
function slowed(client: PlaybackHost, fn: () => void): void {
  if (SLOW_CHUNK_MS > 0) afterReal(client.deps.clock, SLOW_CHUNK_MS, fn);
  else fn();
}

export class Download {
  readonly size: number;
  readonly chunks: number;
  readonly chunkBytes: number;
  readonly data: Buffer;
  readonly source: Uint8Array;
  /**
   * next[i] leads to the first chunk at or after i that has not arrived (`chunks` if none): i
   * itself while chunk i is missing, else a later chunk (a disjoint-set forest with path
   * compression). A chunk once arrived never goes missing again, so this only ever moves on, and
   * the scheduler and the player skip what has arrived without scanning it on every call.
   */
  private readonly next: Int32Array;
  private readonly pending = new PendingMap();
  private readonly candidates = new Map<string, PeerAddress>();
  private readonly peerRate = new Map<string, { bytes: number; ms: number }>();
  private readonly failures = new Map<string, number>();
  /**
   * What a schedule asks the peer choice with, reused from call to call: schedule runs on every
   * arrival, and an array of new option objects for every chunk it placed was the largest share of
   * what a simulated evening allocated (13 % at 10,000 peers). The policy reads them during `pick`
   * only.
   */
  private readonly load = new Map<string, number>();
  private readonly options: PeerOption[] = [];
  private readonly optionPool: PeerOption[] = [];
  private discovered = false;
  private headRequested = false;
  private received = 0;
  complete = false;
  cancelled = false;
  /** the chunk the player needs next; prefetches start at 0 */
  position = 0;
  playing = false;
  /** its bytes are checked at the end of the play; an unverified track's data is a shared view of zeros */
  readonly verified: boolean;
  /** audio seconds per chunk, to turn the paper's windows (15 s, 3 s) into chunk counts */
  readonly secPerChunk: number;
  /** told when something the player acts on changed outside its ticks (set by the Playback playing this download) */
  onChange: (() => void) | null = null;

  constructor(
    private readonly client: PlaybackHost,
    readonly track: number,
    readonly quality: Quality,
  ) {
    this.size = client.trackSize(track, quality);
    this.chunkBytes = client.deps.params.chunkBytes;
    this.chunks = Math.ceil(this.size / this.chunkBytes);
    this.verified = client.content.verified(track);
    this.data = client.content.buffer(track, this.size);
    this.source = new Uint8Array(this.chunks);
    this.next = new Int32Array(this.chunks + 1);
    for (let i = 0; i <= this.chunks; i++) this.next[i] = i;
    this.secPerChunk = client.trackDurationMs(track) / 1000 / this.chunks;
  }

  get key(): CacheKey {
    return cacheKey(this.track, this.quality);
  }

  /** take what the cache holds, then ask for peers and start fetching */
  start(): void {
    const cached = this.client.cache.load(this.key);
    this.client.cache.use(this.key, this.client.deps.clock.now());
    if (cached) {
      const whole = cached.length >= this.size ? this.chunks : Math.floor(cached.length / this.chunkBytes);
      for (let i = 0; i < whole; i++) this.accept(i, cached.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes), SRC_CACHE);
    }
    if (this.complete) return;
    void this.discover();
    this.schedule();
  }

  /** bytes available contiguously from `from` */
  contiguousFrom(from: number): number {
    return Math.min(this.size, this.missingFrom(Math.floor(from / this.chunkBytes)) * this.chunkBytes);
  }

  /** the first chunk at or after `i` that has not arrived; `chunks` if there is none */
  private missingFrom(i: number): number {
    const next = this.next;
    if (i >= this.chunks) return i;
    if (i < 0) i = 0; // before the first chunk: nothing is missing there
    let root = i;
    while (next[root] !== root) root = next[root];
    while (next[i] !== root) {
      const up = next[i];
      next[i] = root;
      i = up;
    }
    return root;
  }

  sourceOf(chunk: number): number {
    return this.source[chunk];
  }

  private async discover(): Promise<void> {
    const c = this.client;
    const { discovery, features } = c.policies;
    if (c.mobile || !features.p2p) {
      // mobile clients, and every client of the server-only baseline, use only the servers
      this.discovered = true;
      return;
    }
    const overlay: { distance: 1 | 2; ms: number }[] = [];
    const sentAt = c.deps.clock.realNow();
    const search = c.searchOverlay(this.track, this.quality, (peer, distance, ms) => {
      overlay.push({ distance: distance <= 1 ? 1 : 2, ms: Math.round(ms) });
      this.addCandidate(peer);
    });
    const askTracker = discovery.tracker && c.connected;
    const tracker = askTracker ? await c.askTracker(this.track, this.quality) : [];
    for (const p of tracker) this.addCandidate(p);
    await new Promise<void>((r) => afterReal(c.deps.clock, c.deps.params.searchWaitMs, r));
    search.done();
    this.discovered = true;
    if (this.cancelled) return;
    // tracker: null when it was not asked (offline, or a variant without it)
    const waitedMs = Math.round(c.deps.clock.realNow() - sentAt);
    c.report({
      type: 'search',
      track: this.track,
      quality: this.quality,
      tracker: askTracker || tracker.length ? { peers: tracker.length } : null,
      overlay,
      neighbours: search.sentTo,
      waitedMs,
    } as Report);
    this.changed();
  }

  private addCandidate(p: PeerAddress): void {
    if (p.id === this.client.id || this.candidates.has(p.id) || this.cancelled || this.complete) return;
    this.candidates.set(p.id, p);
    if (this.client.hasNeighbour(p.id)) {
      this.client.markInteresting(p.id);
      this.changed();
      return;
    }
    // connect to a few candidates at a time; more are tried as others fail
    if (this.connectedCandidates().length < this.client.deps.params.candidatePeers) {
      void this.client.connectPeer(p).then((n) => {
        if (!n) this.failures.set(p.id, 99);
        this.changed();
      });
    }
  }

  private connectedCandidates(): string[] {
    return [...this.candidates.keys()].filter((id) => this.client.hasNeighbour(id) && (this.failures.get(id) ?? 0) < this.client.deps.params.peerFailureLimit);
  }

  /** an arrival, a failure, a neighbour or the end of discovery: the requests, then the player */
  private changed(): void {
    this.schedule();
    this.onChange?.();
  }

  /** issue whatever requests the current state calls for */
  schedule(): void {
    if (this.complete || this.cancelled) return;
    const c = this.client;
    const p = c.deps.params;
    const now = c.deps.clock.realNow();
    const startChunk = Math.min(this.position, this.chunks - 1);

    // 1. the head: the first ~15 s of audio from the server, at once
    if (!this.headRequested) {
      this.headRequested = true;
      for (let i = startChunk; i < Math.min(this.chunks, startChunk + this.chunksFor(p.serverHeadSec)); i++) this.fromServer(i);
    }
    // 2. urgent chunks (needed within the emergency window) go to the server
    if (this.playing && c.policies.features.emergency) {
      for (let i = startChunk; i < Math.min(this.chunks, startChunk + this.chunksFor(p.emergencySec)); i++) {
        const pend = this.pending.get(i);
        if (this.source[i] === SRC_NONE && pend?.kind !== 'server') this.fromServer(i);
      }
    }
    // 3. slow peer requests move elsewhere
    if (this.pending.peers > 0) {
      for (const [i, pend] of this.pending) {
        if (pend.kind === 'peer' && now - pend.since > p.peerRequestTimeoutMs) {
          this.pending.delete(i);
          this.failures.set(pend.peer, (this.failures.get(pend.peer) ?? 0) + 1);
        }
      }
    }
    const peers = this.connectedCandidates();
    if (peers.length > 0) {
      // 4. the rest from peers, each chunk to the lowest expected download time. With runs
      // (peerRunChunks > 1) the chosen peer gets the chunks after it too, up to a run and as many
      // as its pipeline has room for: what is in flight to each peer stays the protocol's.
      const load = this.load;
      load.clear();
      for (const id of peers) load.set(id, 0);
      if (this.pending.peers > 0) for (const pend of this.pending.values()) if (pend.kind === 'peer' && load.has(pend.peer)) load.set(pend.peer, load.get(pend.peer)! + 1);
      const choice = c.policies.peerChoice;
      for (let i = this.missingFrom(startChunk); i < this.chunks; i = this.missingFrom(i + 1)) {
        if (this.pending.has(i)) continue;
        const best = choice.pick(this.optionsWithRoom(peers, p.peerPipeline), this.chunkBytes, c.deps.random);
        if (best === null) break;
        const run = p.peerRunChunks === 1 ? 1 : this.runFrom(i, Math.min(p.peerRunChunks, p.peerPipeline - load.get(best)!));
        load.set(best, load.get(best)! + run);
        this.fromPeer(i, best, run);
        i += run - 1;
      }
      // server stays ~15 s ahead of playback only
      return;
    }
    if (!this.discovered) {
      // 5. peers not known yet: the server keeps playback ~15 s ahead meanwhile
      for (let i = startChunk; i < Math.min(this.chunks, startChunk + this.chunksFor(p.serverAheadSec)); i++) {
        if (this.source[i] === SRC_NONE && !this.pending.has(i)) this.fromServer(i);
      }
      return;
    }
    // 6. no peer: the server sends the rest, a window of chunks at a time, in runs of up to
    // serverRunChunks consecutive chunks a request. A run is asked for once the window has room
    // for half of it: what is in flight then swings around the window (12 to 20 chunks for runs of
    // 8 in a window of 16) instead of below it (8 to 16, were a run asked for only when it fits
    // whole); with runs of 1 this is the protocol's window. The crosscheck of docs/simulation.md,
    // Models, ran with this rule.
    let inflight = this.pending.servers;
    for (let i = this.missingFrom(startChunk); i < this.chunks && inflight + Math.ceil(Math.min(p.serverRunChunks, this.chunks - i) / 2) <= p.serverWindowChunks; i = this.missingFrom(i + 1)) {
      if (this.pending.has(i)) continue;
      const run = this.runFrom(i, p.serverRunChunks);
      this.fromServer(i, run);
      inflight += run;
      i += run - 1;
    }
  }

  /** the peers, in their order, with room in their pipeline as `load` has it now, each as the peer choice sees it */
  private optionsWithRoom(peers: readonly string[], pipeline: number): readonly PeerOption[] {
    const options = this.options;
    options.length = 0;
    for (const id of peers) {
      const inFlight = this.load.get(id)!;
      if (inFlight >= pipeline) continue;
      const o = this.optionPool[options.length] ?? (this.optionPool[options.length] = { id, inFlight, bytesPerMs: 0, rttMs: null });
      o.id = id;
      o.inFlight = inFlight;
      o.bytesPerMs = this.rateOf(id);
      o.rttMs = this.client.neighbourRtt(id);
      options.push(o);
    }
    return options;
  }

  /** chunks from `i` on, at most `max`, that have neither arrived nor been asked for */
  private runFrom(i: number, max: number): number {
    let n = 1;
    while (n < max && i + n < this.chunks && this.source[i + n] === SRC_NONE && !this.pending.has(i + n)) n++;
    return n;
  }

  /** real ms at which the oldest request to a peer times out (infinity if none is in flight) */
  peerDeadline(): number {
    if (this.pending.peers === 0) return Number.POSITIVE_INFINITY;
    let oldest = Number.POSITIVE_INFINITY;
    for (const pend of this.pending.values()) if (pend.kind === 'peer' && pend.since < oldest) oldest = pend.since;
    return oldest + this.client.deps.params.peerRequestTimeoutMs;
  }

  /** chunks that hold `s` seconds of audio, at least one (a method: a closure here would be made on every call) */
  private chunksFor(s: number): number {
    return Math.max(1, Math.ceil(s / this.secPerChunk));
  }

  /** expected bytes per ms from a peer: measured, with an optimistic prior for new peers */
  private rateOf(id: string): number {
    const r = this.peerRate.get(id);
    return r && r.ms > 0 ? r.bytes / r.ms : 1000;
  }

  /** chunk `i` (and the `run` - 1 after it, none of them in flight) in one request to the server */
  private fromServer(i: number, run = 1): void {
    const prev = this.pending.get(i);
    if (prev?.kind === 'server') return;
    const cb = this.chunkBytes;
    const offset = i * cb;
    const length = Math.min(run * cb, this.size - offset);
    const rid = this.client.requestFromServer(this.track, this.quality, offset, length, (buf) =>
      slowed(this.client, () => {
        for (let k = i; k < i + run; k++) {
          const pend = this.pending.get(k);
          if (pend?.kind === 'server' && pend.rid === rid) this.pending.delete(k);
          if (buf) this.accept(k, buf.subarray((k - i) * cb, (k - i + 1) * cb), SRC_SERVER);
        }
        this.changed();
      }),
    );
    for (let k = i; k < i + run; k++) this.pending.set(k, { kind: 'server', rid, run });
  }

  /** chunk `i` (and the `run` - 1 after it, none of them in flight) in one request to `peer` */
  private fromPeer(i: number, peer: string, run = 1): void {
    const since = this.client.deps.clock.realNow();
    const cb = this.chunkBytes;
    const ok = this.client.requestFromPeer(
      peer,
      this.track,
      this.quality,
      i,
      (buf, from) => {
        for (let k = i; k < i + run; k++) {
          const pend = this.pending.get(k);
          if (pend?.kind === 'peer' && pend.peer === from) this.pending.delete(k);
        }
        if (buf && buf.length === Math.min(run * cb, this.size - i * cb)) {
          const r = this.peerRate.get(from) ?? { bytes: 0, ms: 0 };
          r.bytes += buf.length;
          r.ms += Math.max(1, this.client.deps.clock.realNow() - since);
          this.peerRate.set(from, r);
          for (let k = i; k < i + run; k++) this.accept(k, run === 1 ? buf : buf.subarray((k - i) * cb, (k - i + 1) * cb), SRC_P2P);
        } else {
          // a failure per chunk asked for, as `run` requests of one chunk each would have counted
          this.failures.set(from, (this.failures.get(from) ?? 0) + run);
        }
        this.changed();
      },
      run,
    );
    if (ok) for (let k = i; k < i + run; k++) this.pending.set(k, { kind: 'peer', peer, since });
  }

  private accept(i: number, buf: Buffer, src: number): void {
    if (this.source[i] !== SRC_NONE || this.cancelled) return;
    if (this.verified) buf.copy(this.data, i * this.chunkBytes);
    this.source[i] = src;
    this.next[i] = i + 1;
    this.received++;
    const pend = this.pending.get(i);
    // a run's request stays: the rest of its chunks still come with it
    if (pend?.kind === 'server' && pend.run === 1) this.client.cancelServerRequest(pend.rid);
    this.pending.delete(i);
    if (this.received === this.chunks) this.finish();
  }

  private finish(): void {
    this.complete = true;
    for (const pend of this.pending.values()) if (pend.kind === 'server') this.client.cancelServerRequest(pend.rid);
    this.pending.clear();
    const c = this.client;
    const fromCache = this.source.every((s) => s === SRC_CACHE);
    if (!fromCache) c.cache.put(this.key, this.data, true, c.deps.clock.now());
    if (!c.mobile) c.announce(this.track, this.quality);
  }

  /** stop fetching; keep what arrived as a partial track in the cache (never served) */
  cancel(): void {
    if (this.complete || this.cancelled) return;
    this.cancelled = true;
    for (const pend of this.pending.values()) if (pend.kind === 'server') this.client.cancelServerRequest(pend.rid);
    this.pending.clear();
    const prefix = this.contiguousFrom(0);
    const held = this.client.cache.has(this.key);
    if (prefix > 0 && (!held || held.size < prefix)) this.client.cache.put(this.key, this.data.subarray(0, prefix), false, this.client.deps.clock.now());
  }
}

export class Playback {
  /**
   * the longest the player sleeps between ticks while on the grid (gridWait), in ticks. 1 is
   * every tick, as the player ran until 2026-12-07: the test that holds the sleeping to the same
   * plays runs both (orchestrator/experiment/sim.int.test.ts)
   */
  static gridSleepTicks = 40;
  readonly dl: Download;
  private readonly requestedAt: number;
  private startedAt: number | null = null;
  private lastTick: number;
  private position = 0;
  private rangeStart = 0;
  private readonly ranges: [number, number][] = [];
  private stalledAt: number | null = null;
  private stutters = 0;
  private stutterMs = 0;
  private timer: TimerHandle | null = null;
  private prefetch: Download | null = null;
  private done = false;
  /**
   * the buffer has run low (below emergencySec): the client stops serving others while it is set
   * (client.ts asks the current playback) and the download fetches from the server
   */
  emergency = false;
  /** bytes per real ms of playback */
  private readonly rate: number;
  /** the player was left waiting for data or in emergency mode, where it runs on a grid of TICK_MS from `gridFrom` (rearm) */
  private onGrid = false;
  private gridFrom = 0;
  /** real ms its timer is due */
  private wakeAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly client: PlaybackHost,
    readonly track: number,
    readonly quality: Quality,
    private readonly access: 'playlist' | 'random',
    private readonly next: number | undefined,
    prefetched: Download | null,
    private readonly wasPrefetched = prefetched !== null,
  ) {
    this.dl = prefetched ?? new Download(client, track, quality);
    const realMs = client.trackDurationMs(track) / client.deps.clock.scale;
    this.rate = this.dl.size / realMs;
    this.requestedAt = client.deps.clock.realNow();
    this.lastTick = this.requestedAt;
    this.dl.onChange = () => this.wake();
  }

  start(): void {
    this.dl.playing = true;
    if (!this.wasPrefetched) this.dl.start();
    else this.dl.schedule();
    this.tick();
  }

  /**
   * The next tick. Every TICK_MS while the player waits for data (the start buffer, a stall) or
   * the client is in emergency mode. Otherwise what a tick computes changes only at times known in
   * advance, and the player sleeps until the earliest of them: with the whole track here, the end
   * or the prefetch point; while it still downloads, also the position reaching missing data (a
   * stall), the buffer falling under the emergency window, the position entering its next chunk
   * (the urgent window moves on), and the oldest peer request's timeout (the overlay's own timer
   * per request already reports it to the download; the player wakes there too, as its 25 ms
   * tick would have soon after). An arrival can only move the first two later. What else moves
   * the download on calls schedule() itself: every arrival and failure, the end of discovery, a
   * new candidate that is already a neighbour. One thing waits longer than it did: a candidate
   * that becomes a neighbour by another way (it dialled us) is asked at the next of these, at
   * most a chunk's playing time later (0.8 s of q5), instead of within TICK_MS. A 4-minute track
   * is then tens of timers instead of thousands, which is what lets the simulated runtime play
   * millions of tracks.
   */
  private rearm(soon = false): void {
    this.timer?.cancel();
    const now = this.client.deps.clock.realNow();
    let ms = TICK_MS;
    this.onGrid = this.startedAt === null || this.stalledAt !== null || (this.emergency && !this.dl.complete);
    this.gridFrom = now;
    if (!soon && this.rate > 0) {
      // the next thing a tick acts on that is known now: a peer request's time-out, and while the
      // position moves, what it meets next (off the grid, the emergency window too)
      let wait = this.dl.complete ? Number.POSITIVE_INFINITY : this.dl.peerDeadline() - now;
      if (this.startedAt !== null && this.stalledAt === null) wait = Math.min(wait, Math.ceil(this.bytesToNext(!this.onGrid) / this.rate));
      ms = this.onGrid ? this.gridWait(wait) : Math.max(TICK_MS, wait);
    }
    this.wakeAt = now + ms;
    this.timer = afterReal(this.client.deps.clock, ms, () => this.tick());
  }

  /**
   * While the player waits for data (the start buffer, a stall) or is in emergency mode, it ticks
   * every TICK_MS, and the ticks' times are what the play's latency, stalls and emergency mode
   * are measured on. Most of those ticks change nothing: until something arrives, fails or
   * connects (the download calls wake()), a tick only moves the position, which matters at
   * times known now. So the player sleeps to the first tick of the same grid at or after the
   * earliest of them (the position reaching missing data, its next chunk or the prefetch point;
   * the oldest peer request's time-out), and wake() brings the grid's next tick forward when
   * something happens: the ticks that act are the grid's, at the grid's times (2026-12-07: at
   * 100,000 peers the 25 ms ticks were 73 of a play's 230 events). It sleeps at most
   * gridSleepTicks: a neighbour that dialled us is not told to the download, and a tick soon
   * after finds it, as before.
   */
  private gridWait(wait: number): number {
    return TICK_MS * Math.min(Playback.gridSleepTicks, Math.max(1, Math.ceil(wait / TICK_MS)));
  }

  /**
   * bytes the position moves before it meets the next thing a tick acts on: the end or the
   * prefetch point; while downloading, missing data and its next chunk (the urgent window moves
   * on), and with `emergencyWindow` the buffer falling under the emergency window
   */
  private bytesToNext(emergencyWindow: boolean): number {
    const p = this.client.deps.params;
    let bytes = this.dl.size - this.position;
    if (this.toPrefetch !== null) bytes = Math.min(bytes, this.dl.size - p.prefetchSec * this.bytesPerSec - this.position);
    if (!this.dl.complete) {
      const ahead = this.dl.contiguousFrom(this.position) - this.position;
      bytes = Math.min(bytes, ahead);
      if (emergencyWindow && this.client.policies.features.emergency) bytes = Math.min(bytes, ahead - p.emergencySec * this.bytesPerSec);
      const cb = this.dl.chunkBytes;
      bytes = Math.min(bytes, (Math.floor(this.position / cb) + 1) * cb - this.position);
    }
    return bytes;
  }

  /** something a tick acts on changed: on the grid, its next tick comes now (see gridWait) */
  private wake(): void {
    if (this.done || !this.onGrid) return;
    const now = this.client.deps.clock.realNow();
    const next = this.gridFrom + TICK_MS * (Math.floor((now - this.gridFrom) / TICK_MS) + 1);
    if (next >= this.wakeAt) return;
    this.timer?.cancel();
    this.wakeAt = next;
    this.timer = afterReal(this.client.deps.clock, next - now, () => this.tick());
  }

  /** bytes of this track per second of audio */
  private get bytesPerSec(): number {
    return this.dl.size / (this.client.trackDurationMs(this.track) / 1000);
  }

  /** the next track, when it is known, not yet being fetched, and this variant prefetches */
  private get toPrefetch(): number | null {
    return this.next !== undefined && !this.prefetch && this.client.policies.features.prefetch ? this.next : null;
  }

  /** move the play position to now, as a tick would (between sparse ticks it lags) */
  private catchUp(): void {
    if (this.startedAt === null || this.stalledAt !== null) return;
    const now = this.client.deps.clock.realNow();
    this.position = Math.min(this.dl.contiguousFrom(this.position), this.position + (now - this.lastTick) * this.rate);
    this.lastTick = now;
  }

  /** the prefetched download for `track`, if this playback made one */
  takePrefetch(track: number): Download | null {
    const p = this.prefetch;
    if (p && p.track === track && p.quality === this.client.quality) {
      this.prefetch = null;
      return p;
    }
    return null;
  }

  seek(positionMs: number): void {
    this.catchUp();
    const to = Math.max(0, Math.min(this.dl.size - 1, Math.floor((positionMs / this.client.trackDurationMs(this.track)) * this.dl.size)));
    this.closeRange();
    this.position = to;
    this.rangeStart = to;
    this.dl.position = Math.floor(to / this.dl.chunkBytes);
    this.dl.schedule();
    if (!this.done) this.rearm(true);
  }

  /** played bytes are whole bytes: the position moves in fractions of a byte per tick */
  private closeRange(): void {
    const end = Math.floor(this.position);
    if (end > this.rangeStart) this.ranges.push([this.rangeStart, end]);
  }

  private tick(): void {
    if (this.done) return;
    const c = this.client;
    const p = c.deps.params;
    const now = c.deps.clock.realNow();
    const dt = now - this.lastTick;
    this.lastTick = now;
    const avail = this.dl.contiguousFrom(this.position);
    const bytesPerSec = this.bytesPerSec;
    if (this.startedAt === null) {
      const need = Math.min(this.dl.size - this.position, Math.max(1, p.startBufferSec * bytesPerSec));
      if (avail - this.position >= need) this.startedAt = now;
    } else if (this.stalledAt !== null) {
      const need = Math.min(this.dl.size - this.position, Math.max(1, p.startBufferSec * bytesPerSec));
      if (avail - this.position >= need) {
        this.stutterMs += now - this.stalledAt;
        this.stalledAt = null;
      }
    } else {
      this.position = Math.min(avail, this.position + dt * this.rate);
      if (this.position >= this.dl.size) return this.stop('end');
      if (this.position >= avail) {
        this.stutters++;
        this.stalledAt = now;
      }
    }
    this.dl.position = Math.floor(this.position / this.dl.chunkBytes);
    const bufferedSec = (avail - this.position) / bytesPerSec;
    this.emergency = c.policies.features.emergency && this.startedAt !== null && !this.dl.complete && bufferedSec < p.emergencySec;
    const remainingSec = (this.dl.size - this.position) / bytesPerSec;
    const next = this.toPrefetch;
    if (next !== null && remainingSec <= p.prefetchSec) {
      this.prefetch = new Download(c, next, this.quality);
      this.prefetch.start();
    }
    this.dl.schedule();
    this.rearm();
  }

  /**
   * End the play and report it. A play interrupted in its last 5% counts as complete: a
   * playlist's next play event is timed by workload time, and real network latency can make it
   * arrive a moment before the scaled playback reaches the very end.
   */
  stop(reason: 'end' | 'skip' | 'next' | 'logout' | 'stop'): void {
    if (this.done) return;
    this.catchUp();
    this.done = true;
    this.timer?.cancel();
    this.dl.onChange = null;
    this.emergency = false;
    this.closeRange();
    const c = this.client;
    const complete = reason === 'end' || this.position >= this.dl.size * 0.95;
    if (reason !== 'end' && reason !== 'next') this.prefetch?.cancel();
    if (!this.dl.complete) this.dl.cancel();
    this.dl.playing = false;
    const bytes = { server: 0, p2p: 0, cache: 0 };
    const verify = this.dl.verified;
    const h = createHash('sha256');
    for (const [from, to] of this.ranges) {
      if (verify) h.update(this.dl.data.subarray(from, to));
      for (let i = Math.floor(from / this.dl.chunkBytes); i * this.dl.chunkBytes < to; i++) {
        const lo = Math.max(from, i * this.dl.chunkBytes);
        const hi = Math.min(to, (i + 1) * this.dl.chunkBytes);
        const s = this.dl.sourceOf(i);
        if (s === SRC_SERVER) bytes.server += hi - lo;
        else if (s === SRC_P2P) bytes.p2p += hi - lo;
        else if (s === SRC_CACHE) bytes.cache += hi - lo;
      }
    }
    if (this.stalledAt !== null) this.stutterMs += c.deps.clock.realNow() - this.stalledAt;
    c.report({
      type: 'play',
      track: this.track,
      quality: this.quality,
      bytes,
      latencyMs: this.startedAt === null ? -1 : Math.round(this.startedAt - this.requestedAt),
      stutters: this.stutters,
      stutterMs: Math.round(this.stutterMs),
      complete,
      sha256: verify ? h.digest('hex') : UNVERIFIED,
      expectedSha256: verify ? expectedSha256(this.track, this.quality, this.ranges) : UNVERIFIED,
      access: this.access,
      prefetched: this.wasPrefetched,
    } as Report);
  }

  get finished(): boolean {
    return this.done;
  }
}
