// The client's neighbours in the overlay: connections (direct, or reversed through the server),
// the soft and hard limits and pruning, the two-hop search with its query memory, and chunk
// requests to neighbours. Uploads go to `Serving`; the server connection is the `ServerLink`.
import type { CacheIndex } from './cache.ts';
import { cacheKey } from './cache.ts';
import { afterReal, Channel, channelOptions, type Dialer, type Liveness, type Pipe } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { Message, PeerAddress } from './messages.ts';
import { type NeighbourStats, newStats, trimStats } from './neighbours.ts';
import type { ProtocolParams } from './params.ts';
import type { Protocol } from './policies.ts';
import type { ReportBody } from './report-queue.ts';
import type { Quality } from './reports.ts';
import { CLOSED, QueryMemory, type SearchWalk, type WalkNode } from './search.ts';
import type { ChunkWaiter } from './server-link.ts';
import type { Serving } from './serving.ts';

export interface Neighbour {
  id: string;
  ch: Channel;
  address: PeerAddress;
  stats: NeighbourStats;
  outgoing: boolean;
  /** last time (real ms) we uploaded to it, for upload slots */
  lastUpload: number;
  /** workload ms when the connection was made (the `oldest` pruning reads it) */
  since: number;
}

export interface OverlayDeps {
  clock: Clock;
  params: ProtocolParams;
  dialer: Dialer;
  random: () => number;
  log: (event: string, fields?: Record<string, unknown>) => void;
  policies: Omit<Protocol, 'params' | 'tracker'>;
  liveness?: Liveness;
  /** the simulation's graph walk in place of the search flood (core/search.ts); absent: the protocol's flood */
  searchWalk?: SearchWalk;
}

/** what the overlay sees of the rest of the client */
export interface OverlayHost {
  readonly id: string;
  /** the address other peers dial */
  readonly advertise: { host: string; port: number };
  readonly loggedIn: boolean;
  readonly offline: boolean;
  readonly dc: string;
  readonly cache: CacheIndex;
  report(body: ReportBody): void;
  /** ask the data centre to have `target` dial us (false if not connected) */
  reverse(target: string): boolean;
}

export class Overlay implements WalkNode {
  private readonly neighbours = new Map<string, Neighbour>();
  private readonly dialing = new Set<string>();
  private readonly reversals = new Map<string, (ok: boolean) => void>();
  private readonly searchAnswers = new Map<string, (peer: PeerAddress, distance: number) => void>();
  /**
   * Answers to our own searches that came too late to count: after the searcher stopped waiting
   * (`late`), or after the query id had left our memory of the last `searchMemory` queries, so
   * that we no longer knew it as ours (`forgotten`). The logout report carries them; they are
   * what separates a search that found nothing from one whose answers were lost on the way.
   */
  readonly lostHits = { late: 0, forgotten: 0 };
  private readonly queries: QueryMemory<Neighbour>;
  private readonly peerRequests = new Map<number, { peer: string; waiter: ChunkWaiter; timer: TimerHandle }>();
  private nextRid = 1;
  private nextQuery = 1;

  constructor(
    private readonly deps: OverlayDeps,
    private readonly host: OverlayHost,
    private readonly serving: Serving,
  ) {
    this.queries = new QueryMemory(deps.params.searchMemory);
    deps.searchWalk?.join(this);
  }

  get size(): number {
    return this.neighbours.size;
  }

  has(id: string): boolean {
    return this.neighbours.has(id);
  }

  /** the keep-alive round trip to a neighbour, real ms (null if unknown) */
  rtt(id: string): number | null {
    return this.neighbours.get(id)?.ch.rttMs ?? null;
  }

  markInteresting(id: string): void {
    this.neighbours.get(id)?.stats.interesting.push(this.deps.clock.now());
  }

  closeAll(reason: string): void {
    for (const n of [...this.neighbours.values()]) n.ch.close(reason);
  }

  // ---- search --------------------------------------------------------------------------------

  /**
   * search all neighbours (who forward once); `onHit` is called per answer until `done`, with the
   * real ms since the search went out
   */
  search(track: number, quality: Quality, onHit: (peer: PeerAddress, distance: number, ms: number) => void): { sentTo: number; done: () => void } {
    const qid = `${this.host.id}:${this.nextQuery++}`;
    this.queries.remember(qid, null);
    const sentAt = this.deps.clock.realNow();
    this.searchAnswers.set(qid, (peer, distance) => onHit(peer, distance, this.deps.clock.realNow() - sentAt));
    const { discovery, features } = this.deps.policies;
    const ns = discovery.overlay && features.p2p ? [...this.neighbours.values()] : [];
    if (this.deps.searchWalk && ns.length) this.deps.searchWalk.search(this, qid, track, quality, this.deps.params.searchDepth);
    else for (const n of ns) n.ch.send('search', { qid, track, quality, ttl: this.deps.params.searchDepth });
    return { sentTo: ns.length, done: () => this.searchAnswers.delete(qid) };
  }

  // ---- what a search walk reads and tells (core/search.ts WalkNode) --------------------------

  get id(): string {
    return this.host.id;
  }

  neighbourIds(): Iterable<string> {
    return this.neighbours.keys();
  }

  holds(track: number, quality: Quality): boolean {
    return this.host.cache.isServable(cacheKey(track, quality));
  }

  address(): PeerAddress {
    return { id: this.host.id, host: this.host.advertise.host, port: this.host.advertise.port };
  }

  relay(from: string, to: string): boolean {
    const n = this.neighbours.get(from);
    if (!n) return false;
    n.stats.found.push(this.deps.clock.now());
    return this.neighbours.get(to)?.ch.isOpen === true;
  }

  walkHit(qid: string, via: string, peer: PeerAddress, distance: number): void {
    const n = this.neighbours.get(via);
    if (n) this.ownHitOver(n, qid, peer, distance);
  }

  /** an answer to our own query over the link to `n`, by message or by walk: counted on the link (it found a peer, it had what we wanted), then as an answer */
  private ownHitOver(n: Neighbour, qid: string, peer: PeerAddress, distance: number): void {
    const now = this.deps.clock.now();
    n.stats.found.push(now);
    n.stats.interesting.push(now);
    this.ownHit(qid, peer, distance);
  }

  /** an answer addressed to us: counted for the search still waiting, or as lost (lostHits) */
  private ownHit(qid: string, peer: PeerAddress, distance: number): void {
    const answer = this.searchAnswers.get(qid);
    if (answer) answer(peer, distance);
    else this.lostHits.late++;
  }

  // ---- connections ---------------------------------------------------------------------------

  accept(pipe: Pipe): void {
    if (this.host.offline) return pipe.close();
    const ch = this.channel(pipe);
    const t = afterReal(this.deps.clock, this.deps.params.connectTimeoutMs, () => ch.close('no hello'));
    ch.onMessage = (m) => {
      if (m.type !== 'hello') return ch.close(`expected hello, got ${m.type}`);
      t.cancel();
      if (!this.host.loggedIn) return this.refuse(ch, 'offline');
      if (!this.deps.policies.features.p2p) return this.refuse(ch, 'no peer-to-peer');
      if (this.neighbours.size >= this.deps.params.hardLimit) return this.refuse(ch, 'hard limit');
      ch.send('hello', this.helloBody());
      this.add(ch, { id: m.body.clientId, host: m.body.host, port: m.body.port }, false);
      this.reversals.get(m.body.clientId)?.(true);
    };
  }

  private refuse(ch: Channel, reason: string): void {
    ch.send('bye', { reason });
    afterReal(this.deps.clock, 100, () => ch.close(reason));
  }

  private helloBody() {
    return { clientId: this.host.id, host: this.host.advertise.host, port: this.host.advertise.port, dc: this.host.dc };
  }

  private channel(pipe: Pipe): Channel {
    const { params, clock } = this.deps;
    return new Channel(pipe, clock, channelOptions(params, 'peer', this.deps.liveness));
  }

  /** dial a peer and exchange hellos; resolves to the neighbour or null */
  private async handshake(peer: PeerAddress): Promise<Neighbour | null> {
    const pipe = await this.deps.dialer.dial(peer.host, peer.port, this.deps.params.connectTimeoutMs);
    const ch = this.channel(pipe);
    return new Promise((resolve) => {
      const t = afterReal(this.deps.clock, this.deps.params.connectTimeoutMs, () => {
        ch.close('no hello');
        resolve(null);
      });
      ch.onClosed = () => resolve(null);
      ch.onMessage = (m) => {
        t.cancel();
        if (m.type !== 'hello' || m.body.clientId !== peer.id) {
          ch.close(m.type === 'bye' ? `refused: ${m.body.reason}` : 'unexpected handshake answer');
          return resolve(null);
        }
        resolve(this.add(ch, peer, true));
      };
      ch.send('hello', this.helloBody());
    });
  }

  /**
   * A neighbour for `peer`: an existing one, or a new connection — direct first, then reversal
   * through the server. Returns null above the soft limit or when both fail.
   */
  async connect(peer: PeerAddress): Promise<Neighbour | null> {
    const existing = this.neighbours.get(peer.id);
    if (existing) return existing;
    const { policies, params, clock } = this.deps;
    if (!this.host.loggedIn || !policies.features.p2p || this.host.offline || peer.id === this.host.id || this.dialing.has(peer.id)) return null;
    if (this.neighbours.size >= params.softLimit) return null;
    this.dialing.add(peer.id);
    const t0 = clock.realNow();
    const outcome = (o: 'direct' | 'reversed' | 'failed') => this.host.report({ type: 'connect', peer: peer.id, outcome: o, ms: Math.round(clock.realNow() - t0) } as ReportBody);
    try {
      let n: Neighbour | null = null;
      try {
        n = await this.handshake(peer);
      } catch {
        n = null;
      }
      if (n) {
        outcome('direct');
        return n;
      }
      if (!policies.features.reversal) {
        outcome('failed');
        return null;
      }
      const ok = await this.reverse(peer.id);
      const after = this.neighbours.get(peer.id) ?? null;
      outcome(ok && after ? 'reversed' : 'failed');
      return ok ? after : null;
    } finally {
      this.dialing.delete(peer.id);
    }
  }

  /** ask `target`, through the server, to dial us; true once its hello arrives */
  private reverse(target: string): Promise<boolean> {
    return new Promise((resolve) => {
      const t = afterReal(this.deps.clock, this.deps.params.reversalWaitMs, () => done(false));
      const done = (ok: boolean) => {
        t.cancel();
        this.reversals.delete(target);
        resolve(ok);
      };
      this.reversals.set(target, done);
      if (!this.host.reverse(target)) done(false);
    });
  }

  /** the data centre could not forward our reversal request to `target` */
  reversalFailed(target: string): void {
    this.reversals.get(target)?.(false);
  }

  /** the server asks us to dial a peer that could not reach us */
  async dialBack(from: PeerAddress): Promise<void> {
    const { policies, params, log } = this.deps;
    if (!this.host.loggedIn || !policies.features.reversal || this.neighbours.has(from.id) || this.neighbours.size >= params.hardLimit) return;
    try {
      await this.handshake(from);
    } catch (err) {
      log('dial-back-failed', { peer: from.id, error: (err as Error).message });
    }
  }

  private add(ch: Channel, address: PeerAddress, outgoing: boolean): Neighbour | null {
    const dup = this.neighbours.get(address.id);
    if (dup) {
      ch.close('duplicate connection');
      return dup;
    }
    const n: Neighbour = { id: address.id, ch, address, stats: newStats(), outgoing, lastUpload: -Infinity, since: this.deps.clock.now() };
    this.neighbours.set(n.id, n);
    ch.onMessage = (m) => this.onMessage(n, m);
    ch.onClosed = () => {
      if (this.neighbours.get(n.id) === n) this.neighbours.delete(n.id);
      this.queries.release(n);
      for (const [rid, r] of this.peerRequests) {
        if (r.peer !== n.id) continue;
        this.peerRequests.delete(rid);
        r.timer.cancel();
        r.waiter(null, n.id);
      }
    };
    return n;
  }

  private onMessage(n: Neighbour, m: Message): void {
    const now = this.deps.clock.now();
    switch (m.type) {
      case 'search': {
        const { qid, track, quality, ttl } = m.body;
        if (!this.queries.remember(qid, n)) return;
        const distance = this.deps.params.searchDepth - ttl + 1;
        if (this.holds(track, quality)) n.ch.send('searchHit', { qid, track, quality, peer: this.address(), distance });
        if (ttl > 1) for (const o of this.neighbours.values()) if (o !== n) o.ch.send('search', { qid, track, quality, ttl: ttl - 1 });
        return;
      }
      case 'searchHit': {
        const from = this.queries.cameFrom(m.body.qid);
        if (from === null) return this.ownHitOver(n, m.body.qid, m.body.peer, m.body.distance);
        n.stats.found.push(now);
        if (from === undefined) {
          // our own query ids start with our id: an answer to one we no longer remember
          if (m.body.qid.startsWith(`${this.host.id}:`)) this.lostHits.forgotten++;
        } else if (from !== CLOSED && from.ch.isOpen) from.ch.send('searchHit', m.body);
        return;
      }
      case 'chunkRequest':
        return this.serving.serve(n, this.neighbours.values(), m.body.rid, m.body.track, m.body.quality, m.body.index, m.body.count);
      case 'chunk':
      case 'chunkDenied': {
        const r = this.peerRequests.get(m.body.rid);
        if (!r) return;
        this.peerRequests.delete(m.body.rid);
        r.timer.cancel();
        if (m.type === 'chunk' && m.payload) {
          n.stats.received.add(now, m.payload.length);
          r.waiter(m.payload, n.id);
        } else r.waiter(null, n.id);
        return;
      }
      case 'bye':
        return n.ch.close(`peer said bye: ${m.body.reason}`);
      default:
        n.ch.close(`unexpected ${m.type} from a peer`);
    }
  }

  /** ask neighbour `peer` for `count` chunks from `index` on; the waiter gets them in one buffer, or null on denial, timeout or disconnect */
  request(peer: string, track: number, quality: Quality, index: number, waiter: ChunkWaiter, count = 1): boolean {
    const n = this.neighbours.get(peer);
    if (!n) return false;
    const rid = this.nextRid++;
    const timer = afterReal(this.deps.clock, this.deps.params.peerRequestTimeoutMs, () => {
      if (this.peerRequests.delete(rid)) waiter(null, peer);
    });
    this.peerRequests.set(rid, { peer, waiter, timer });
    // a request for one chunk leaves `count` out: the frame is the protocol's, byte for byte
    n.ch.send('chunkRequest', count === 1 ? { rid, track, quality, index } : { rid, track, quality, index, count });
    return true;
  }

  /** above the soft limit, disconnect the neighbours the pruning policy picks */
  prune(): void {
    const { params, clock, policies, random } = this.deps;
    const now = clock.now();
    for (const n of this.neighbours.values()) trimStats(n.stats, now);
    if (this.neighbours.size <= params.softLimit) return;
    const ns = [...this.neighbours.values()].map((n) => ({ id: n.id, stats: n.stats, since: n.since }));
    for (const id of policies.pruning.victims(ns, now, params.softLimit - params.pruneHeadroom, random)) {
      const n = this.neighbours.get(id)!;
      n.ch.send('bye', { reason: 'pruned' });
      n.ch.close('pruned');
    }
  }
}
