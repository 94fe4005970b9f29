// The peer client as protocol logic: its server connection (login, reports, tracker, track data,
// reversal), its overlay neighbours (search, serving, limits, pruning) and its playback
// (streaming from server, peers and cache). Sockets, timers and disk come in through `ClientDeps`,
// so the same class runs inside a container, on loopback and in unit tests.

import { CacheIndex, type CacheStore, cacheKey } from './cache.ts';
import { afterReal, Channel, type Dialer, type Pipe } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { trackBytes, trackDurationSec } from './content.ts';
import type { Message, PeerAddress } from './messages.ts';
import { type NeighbourStats, newStats, trimStats } from './neighbours.ts';
import type { ProtocolParams } from './params.ts';
import { Playback } from './playback.ts';
import { type Protocol, resolveProtocol } from './policies.ts';
import { NO_DC, type Quality, type Report, type UpnpOutcome } from './reports.ts';
import { QueryMemory } from './search.ts';

export interface ClientIdentity {
  clientId: string;
  /** address and port other peers dial (the UPnP-mapped one when mapping worked) */
  advertiseHost: string;
  advertisePort: number;
  localAddress: string;
  upnp: UpnpOutcome;
}

export interface ClientDeps {
  clock: Clock;
  params: ProtocolParams;
  dialer: Dialer;
  store: CacheStore;
  /** where the data centre is: asked again before every (re)connect (DNS may answer differently) */
  locateServer: () => Promise<{ host: string; port: number }>;
  identity: ClientIdentity;
  random: () => number;
  log: (event: string, fields?: Record<string, unknown>) => void;
  /** the variant's policies and features (default: the paper's); its params are `params` above */
  policies?: Omit<Protocol, 'params' | 'tracker'>;
}

interface Neighbour {
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

interface User {
  user: string;
  country: string;
  quality: Quality;
  mobile: boolean;
  loginAt: number;
}

type ChunkWaiter = (data: Buffer | null, from: string) => void;

export class Client {
  readonly cache: CacheIndex;
  private server: Channel | null = null;
  private dcName = NO_DC;
  private user: User | null = null;
  private connecting = false;
  private reconnectDelay: number;
  private reconnectTimer: TimerHandle | null = null;
  private sessionTimers: TimerHandle[] = [];
  private loginReported = false;
  private seq = 0;
  private readonly unacked = new Map<number, Report>();
  /** server data requests: rid -> chunk waiter; re-sent after a reconnect */
  private readonly serverRequests = new Map<number, { track: number; quality: Quality; offset: number; length: number; got: Buffer[]; waiter: ChunkWaiter }>();
  private readonly trackerWaiters = new Map<number, (peers: PeerAddress[]) => void>();
  private readonly peerRequests = new Map<number, { peer: string; waiter: ChunkWaiter; timer: TimerHandle }>();
  private readonly neighbours = new Map<string, Neighbour>();
  private readonly dialing = new Set<string>();
  private readonly reversals = new Map<string, (ok: boolean) => void>();
  private readonly searchAnswers = new Map<string, (peer: PeerAddress, distance: number) => void>();
  private readonly queries: QueryMemory<Neighbour>;
  private nextRid = 1;
  private nextQuery = 1;
  playback: Playback | null = null;
  emergency = false;
  stopped = false;
  /** churn: the machine has no network until this workload time (null: online) */
  private offlineUntil: number | null = null;
  readonly policies: Omit<Protocol, 'params' | 'tracker'>;

  constructor(readonly deps: ClientDeps) {
    this.policies = deps.policies ?? resolveProtocol();
    this.cache = new CacheIndex(deps.store, deps.params.cacheBytes);
    this.queries = new QueryMemory(deps.params.searchMemory);
    this.reconnectDelay = deps.params.reconnectMinMs;
  }

  get id(): string {
    return this.deps.identity.clientId;
  }
  get generated(): number {
    return this.seq;
  }
  get unackedReports(): number {
    return this.unacked.size;
  }
  get neighbourCount(): number {
    return this.neighbours.size;
  }
  get loggedIn(): boolean {
    return this.user !== null;
  }
  get connected(): boolean {
    return this.server?.isOpen === true;
  }
  get mobile(): boolean {
    return this.user?.mobile ?? false;
  }
  get quality(): Quality {
    return this.user?.quality ?? 'q5';
  }

  // ---- session ------------------------------------------------------------------------------

  login(user: string, country: string, quality: Quality, mobile = false): void {
    if (this.user) this.logout();
    const { clock, params } = this.deps;
    this.user = { user, country, quality, mobile, loginAt: clock.now() };
    this.loginReported = false;
    // the last session's connection may still be open, waiting for its final acks: log in on it
    if (this.server?.isOpen) this.sendLogin(this.server);
    else this.connectServer();
    // the first neighbour report comes soon after login (the paper ignores it), then every 30 min
    this.sessionTimers.push(
      clock.after(params.firstNeighbourReportMs, () => this.neighbourReport()),
      clock.every(params.neighbourReportMs, () => this.neighbourReport()),
      clock.every(params.pruneIntervalMs, () => this.prune()),
    );
  }

  logout(): void {
    if (!this.user) return;
    this.playback?.stop('logout');
    this.report({ type: 'logout', generated: this.seq + 1 } as Report);
    for (const t of this.sessionTimers) t.cancel();
    this.sessionTimers = [];
    for (const n of [...this.neighbours.values()]) n.ch.close('logout');
    this.server?.send('logout', {});
    this.user = null;
    // the server connection stays until every report is acknowledged; then it is closed
    this.closeWhenAcked();
  }

  /** resolves once every report is acknowledged (or after `timeoutMs` real ms) */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = this.deps.clock.realNow() + timeoutMs;
    while (this.unacked.size > 0 && this.deps.clock.realNow() < until) {
      if (!this.connected && !this.connecting) this.connectServer();
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.unacked.size === 0;
  }

  stop(): void {
    this.stopped = true;
    this.playback?.stop('stop');
    this.reconnectTimer?.cancel();
    for (const t of this.sessionTimers) t.cancel();
    for (const n of [...this.neighbours.values()]) n.ch.close('client stopping');
    this.server?.close('client stopping');
  }

  private closeWhenAcked(): void {
    const check = () => {
      if (this.user || this.stopped) return;
      if (this.unacked.size === 0) this.server?.close('logged out');
      else afterReal(this.deps.clock, 50, check);
    };
    check();
  }

  // ---- reports ------------------------------------------------------------------------------

  /** stamp, number and queue a report; it is sent now if connected and again after reconnects until acked */
  report(r: Omit<Report, 'clientId' | 'seq' | 'user' | 'country' | 't' | 'dc'> & Partial<Report>): void {
    const u = this.user;
    if (!u) return;
    const full = { ...r, clientId: this.id, seq: this.seq++, user: u.user, country: u.country, t: this.deps.clock.now(), dc: this.dcName } as Report;
    this.unacked.set(full.seq, full);
    if (this.connected && this.loginReported) this.server!.send('report', { seq: full.seq, report: full });
  }

  private neighbourReport(): void {
    if (!this.user) return;
    this.report({ type: 'neighbours', sinceLogin: this.deps.clock.now() - this.user.loginAt, count: this.neighbours.size } as Report);
  }

  // ---- server connection ----------------------------------------------------------------------

  /**
   * Lose the network abruptly for `ms` of workload time (churn): every connection drops without
   * logout or bye, the current play ends, nothing can be dialled. Reports stay queued: the
   * process lives on, and re-sends them once it is back.
   */
  goOffline(ms: number): void {
    if (this.stopped) return;
    const { clock, log } = this.deps;
    this.offlineUntil = clock.now() + ms;
    log('offline', { forMs: ms });
    this.playback?.stop('stop');
    this.playback = null;
    this.reconnectTimer?.cancel();
    for (const n of [...this.neighbours.values()]) n.ch.close('network down');
    this.server?.close('network down');
    clock.after(ms, () => {
      this.offlineUntil = null;
      log('online');
      if (this.user || this.unacked.size > 0) this.connectServer();
    });
  }

  get offline(): boolean {
    return this.offlineUntil !== null;
  }

  private connectServer(): void {
    if (this.connecting || this.connected || this.stopped || this.offline) return;
    this.connecting = true;
    const { params, dialer, log } = this.deps;
    this.deps
      .locateServer()
      .then(({ host, port }) => dialer.dial(host, port, params.connectTimeoutMs))
      .then((pipe) => {
        this.connecting = false;
        if (this.stopped) return pipe.close();
        this.attachServer(pipe);
      })
      .catch((err: Error) => {
        this.connecting = false;
        log('server-connect-failed', { error: err.message, retryMs: this.reconnectDelay });
        this.scheduleReconnect();
      });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.offline || (!this.user && this.unacked.size === 0)) return;
    const { params, clock, random } = this.deps;
    const delay = this.reconnectDelay * (0.5 + random());
    this.reconnectDelay = Math.min(params.reconnectMaxMs, this.reconnectDelay * 2);
    this.reconnectTimer?.cancel();
    this.reconnectTimer = afterReal(clock, delay, () => this.connectServer());
  }

  private attachServer(pipe: Pipe): void {
    const { params, clock, log } = this.deps;
    const ch = new Channel(pipe, clock, { maxFrameBytes: params.maxFrameBytes, keepaliveMs: params.keepaliveMs, deadAfterMs: params.deadAfterMs, name: 'server' });
    this.server = ch;
    ch.onMessage = (m) => this.onServerMessage(m);
    ch.onClosed = (reason) => {
      if (this.server === ch) this.server = null;
      log('server-disconnected', { reason });
      for (const w of this.trackerWaiters.values()) w([]);
      this.trackerWaiters.clear();
      this.scheduleReconnect();
    };
    this.sendLogin(ch);
  }

  private sendLogin(ch: Channel): void {
    const { identity } = this.deps;
    const u = this.user;
    ch.send('login', {
      clientId: identity.clientId,
      user: u?.user ?? '',
      country: u?.country ?? '',
      listenHost: identity.advertiseHost,
      listenPort: identity.advertisePort,
    });
  }

  private onServerMessage(m: Message): void {
    switch (m.type) {
      case 'loginOk': {
        this.dcName = m.body.dc;
        this.reconnectDelay = this.deps.params.reconnectMinMs;
        this.deps.log('logged-in', { dc: m.body.dc, seen: m.body.seenAddress });
        if (this.user && !this.loginReported) {
          const { identity } = this.deps;
          this.report({
            type: 'login',
            localAddress: identity.localAddress,
            upnp: identity.upnp,
            listenPort: identity.advertisePort,
            mobile: this.user.mobile,
          } as Report);
        }
        this.loginReported = true;
        // everything not yet acknowledged goes again, in order; so do unfinished track requests
        for (const r of [...this.unacked.values()].sort((a, b) => a.seq - b.seq)) this.server!.send('report', { seq: r.seq, report: r });
        for (const [rid, q] of this.serverRequests) {
          const have = q.got.reduce((n, b) => n + b.length, 0);
          this.server!.send('dataRequest', { rid, track: q.track, quality: q.quality, offset: q.offset + have, length: q.length - have });
        }
        return;
      }
      case 'reportAck':
        this.unacked.delete(m.body.seq);
        return;
      case 'trackerAnswer': {
        const w = this.trackerWaiters.get(m.body.qid);
        this.trackerWaiters.delete(m.body.qid);
        w?.(m.body.peers.filter((p) => p.id !== this.id));
        return;
      }
      case 'data': {
        const q = this.serverRequests.get(m.body.rid);
        if (!q || !m.payload) return;
        const have = q.got.reduce((n, b) => n + b.length, 0);
        if (m.body.offset !== q.offset + have) return; // a stale answer from before a reconnect
        q.got.push(m.payload);
        if (have + m.payload.length >= q.length) {
          this.serverRequests.delete(m.body.rid);
          q.waiter(Buffer.concat(q.got), 'server');
        }
        return;
      }
      case 'reverseRequest':
        return void this.dialBack(m.body.from);
      case 'reverseFailed':
        this.reversals.get(m.body.target)?.(false);
        return;
      default:
        this.deps.log('unexpected-server-message', { type: m.type });
    }
  }

  /** ask the server for a byte range; the waiter gets null if the request is abandoned */
  requestFromServer(track: number, quality: Quality, offset: number, length: number, waiter: ChunkWaiter): number {
    const rid = this.nextRid++;
    this.serverRequests.set(rid, { track, quality, offset, length, got: [], waiter });
    if (this.connected && this.loginReported) this.server!.send('dataRequest', { rid, track, quality, offset, length });
    return rid;
  }

  cancelServerRequest(rid: number): void {
    this.serverRequests.delete(rid);
  }

  announce(track: number, quality: Quality): void {
    if (this.policies.features.p2p) this.server?.send('trackerAnnounce', { track, quality });
  }

  /** tracker peers for a track ([] when offline or on timeout) */
  askTracker(track: number, quality: Quality): Promise<PeerAddress[]> {
    if (!this.connected) return Promise.resolve([]);
    const qid = this.nextRid++;
    return new Promise((resolve) => {
      const t = afterReal(this.deps.clock, this.deps.params.trackerWaitMs, () => {
        this.trackerWaiters.delete(qid);
        resolve([]);
      });
      this.trackerWaiters.set(qid, (peers) => {
        t.cancel();
        resolve(peers);
      });
      this.server!.send('trackerQuery', { qid, track, quality });
    });
  }

  // ---- overlay ------------------------------------------------------------------------------

  /** search all neighbours (who forward once); `onHit` is called per answer until `done` */
  searchOverlay(track: number, quality: Quality, onHit: (peer: PeerAddress, distance: number) => void): { sentTo: number; done: () => void } {
    const qid = `${this.id}:${this.nextQuery++}`;
    this.queries.remember(qid, null);
    this.searchAnswers.set(qid, onHit);
    const ns = this.policies.discovery.overlay && this.policies.features.p2p ? [...this.neighbours.values()] : [];
    for (const n of ns) n.ch.send('search', { qid, track, quality, ttl: this.deps.params.searchDepth });
    return { sentTo: ns.length, done: () => this.searchAnswers.delete(qid) };
  }

  acceptPeer(pipe: Pipe): void {
    if (this.offline) return pipe.close();
    const ch = this.peerChannel(pipe);
    const t = afterReal(this.deps.clock, this.deps.params.connectTimeoutMs, () => ch.close('no hello'));
    ch.onMessage = (m) => {
      if (m.type !== 'hello') return ch.close(`expected hello, got ${m.type}`);
      t.cancel();
      if (!this.user) return this.refuse(ch, 'offline');
      if (!this.policies.features.p2p) return this.refuse(ch, 'no peer-to-peer');
      if (this.neighbours.size >= this.deps.params.hardLimit) return this.refuse(ch, 'hard limit');
      ch.send('hello', this.helloBody());
      this.addNeighbour(ch, { id: m.body.clientId, host: m.body.host, port: m.body.port }, false);
      this.reversals.get(m.body.clientId)?.(true);
    };
  }

  private refuse(ch: Channel, reason: string): void {
    ch.send('bye', { reason });
    afterReal(this.deps.clock, 100, () => ch.close(reason));
  }

  private helloBody() {
    const i = this.deps.identity;
    return { clientId: i.clientId, host: i.advertiseHost, port: i.advertisePort, dc: this.dcName };
  }

  private peerChannel(pipe: Pipe): Channel {
    const { params, clock } = this.deps;
    return new Channel(pipe, clock, { maxFrameBytes: params.maxFrameBytes, keepaliveMs: params.keepaliveMs, deadAfterMs: params.deadAfterMs, name: 'peer' });
  }

  /** dial a peer and exchange hellos; resolves to the neighbour or null */
  private async handshake(peer: PeerAddress): Promise<Neighbour | null> {
    const pipe = await this.deps.dialer.dial(peer.host, peer.port, this.deps.params.connectTimeoutMs);
    const ch = this.peerChannel(pipe);
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
        resolve(this.addNeighbour(ch, peer, true));
      };
      ch.send('hello', this.helloBody());
    });
  }

  /**
   * A neighbour for `peer`: an existing one, or a new connection — direct first, then reversal
   * through the server. Returns null above the soft limit or when both fail.
   */
  async connectPeer(peer: PeerAddress): Promise<Neighbour | null> {
    const existing = this.neighbours.get(peer.id);
    if (existing) return existing;
    if (!this.user || !this.policies.features.p2p || this.offline || peer.id === this.id || this.dialing.has(peer.id)) return null;
    if (this.neighbours.size >= this.deps.params.softLimit) return null;
    this.dialing.add(peer.id);
    const { clock } = this.deps;
    const t0 = clock.realNow();
    try {
      let n: Neighbour | null = null;
      try {
        n = await this.handshake(peer);
      } catch {
        n = null;
      }
      if (n) {
        this.report({ type: 'connect', peer: peer.id, outcome: 'direct', ms: Math.round(clock.realNow() - t0) } as Report);
        return n;
      }
      if (!this.policies.features.reversal) {
        this.report({ type: 'connect', peer: peer.id, outcome: 'failed', ms: Math.round(clock.realNow() - t0) } as Report);
        return null;
      }
      const ok = await this.reverse(peer.id);
      const after = this.neighbours.get(peer.id) ?? null;
      this.report({ type: 'connect', peer: peer.id, outcome: ok && after ? 'reversed' : 'failed', ms: Math.round(clock.realNow() - t0) } as Report);
      return ok ? after : null;
    } finally {
      this.dialing.delete(peer.id);
    }
  }

  private reverse(target: string): Promise<boolean> {
    if (!this.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = afterReal(this.deps.clock, this.deps.params.reversalWaitMs, () => done(false));
      const done = (ok: boolean) => {
        t.cancel();
        this.reversals.delete(target);
        resolve(ok);
      };
      this.reversals.set(target, done);
      this.server!.send('reverse', { target });
    });
  }

  /** the server asks us to dial a peer that could not reach us */
  private async dialBack(from: PeerAddress): Promise<void> {
    if (!this.user || !this.policies.features.reversal || this.neighbours.has(from.id) || this.neighbours.size >= this.deps.params.hardLimit) return;
    try {
      await this.handshake(from);
    } catch (err) {
      this.deps.log('dial-back-failed', { peer: from.id, error: (err as Error).message });
    }
  }

  private addNeighbour(ch: Channel, address: PeerAddress, outgoing: boolean): Neighbour | null {
    const dup = this.neighbours.get(address.id);
    if (dup) {
      ch.close('duplicate connection');
      return dup;
    }
    const n: Neighbour = { id: address.id, ch, address, stats: newStats(), outgoing, lastUpload: -Infinity, since: this.deps.clock.now() };
    this.neighbours.set(n.id, n);
    ch.onMessage = (m) => this.onPeerMessage(n, m);
    ch.onClosed = () => {
      if (this.neighbours.get(n.id) === n) this.neighbours.delete(n.id);
      for (const [rid, r] of this.peerRequests) {
        if (r.peer !== n.id) continue;
        this.peerRequests.delete(rid);
        r.timer.cancel();
        r.waiter(null, n.id);
      }
    };
    return n;
  }

  private onPeerMessage(n: Neighbour, m: Message): void {
    const now = this.deps.clock.now();
    switch (m.type) {
      case 'search': {
        const { qid, track, quality, ttl } = m.body;
        if (!this.queries.remember(qid, n)) return;
        const distance = this.deps.params.searchDepth - ttl + 1;
        if (this.cache.isServable(cacheKey(track, quality))) {
          const me = { id: this.id, host: this.deps.identity.advertiseHost, port: this.deps.identity.advertisePort };
          n.ch.send('searchHit', { qid, track, quality, peer: me, distance });
        }
        if (ttl > 1) for (const o of this.neighbours.values()) if (o !== n) o.ch.send('search', { qid, track, quality, ttl: ttl - 1 });
        return;
      }
      case 'searchHit': {
        n.stats.found.push(now);
        const from = this.queries.cameFrom(m.body.qid);
        if (from === null) {
          n.stats.interesting.push(now);
          this.searchAnswers.get(m.body.qid)?.(m.body.peer, m.body.distance);
        } else if (from?.ch.isOpen) from.ch.send('searchHit', m.body);
        return;
      }
      case 'chunkRequest':
        return this.serveChunk(n, m.body.rid, m.body.track, m.body.quality, m.body.index);
      case 'chunk':
      case 'chunkDenied': {
        const r = this.peerRequests.get(m.body.rid);
        if (!r) return;
        this.peerRequests.delete(m.body.rid);
        r.timer.cancel();
        if (m.type === 'chunk' && m.payload) {
          n.stats.received.push([now, m.payload.length]);
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

  private serveChunk(n: Neighbour, rid: number, track: number, quality: Quality, index: number): void {
    const { params, clock } = this.deps;
    const now = clock.now();
    const key = cacheKey(track, quality);
    const deny = (reason: string) => n.ch.send('chunkDenied', { rid, reason });
    if (!this.policies.features.p2p) return deny('no peer-to-peer');
    if (this.emergency) return deny('emergency');
    if (!this.cache.isServable(key)) return deny('not cached');
    // upload slots: peers served within the last few seconds of real time count as active
    const active = [...this.neighbours.values()].filter((x) => x !== n && clock.realNow() - x.lastUpload < params.uploadActiveMs).length;
    if (active >= params.uploadSlots && clock.realNow() - n.lastUpload >= params.uploadActiveMs) return deny('busy');
    const bytes = this.cache.readRange(key, index * params.chunkBytes, params.chunkBytes);
    if (!bytes || bytes.length === 0) return deny('out of range');
    n.lastUpload = clock.realNow();
    n.stats.sent.push([now, bytes.length]);
    n.ch.send('chunk', { rid, index }, bytes);
  }

  /** ask neighbour `peer` for a chunk; the waiter gets null on denial, timeout or disconnect */
  requestFromPeer(peer: string, track: number, quality: Quality, index: number, waiter: ChunkWaiter): boolean {
    const n = this.neighbours.get(peer);
    if (!n) return false;
    const rid = this.nextRid++;
    const timer = afterReal(this.deps.clock, this.deps.params.peerRequestTimeoutMs, () => {
      if (this.peerRequests.delete(rid)) waiter(null, peer);
    });
    this.peerRequests.set(rid, { peer, waiter, timer });
    n.ch.send('chunkRequest', { rid, track, quality, index });
    return true;
  }

  hasNeighbour(id: string): boolean {
    return this.neighbours.has(id);
  }

  /** the keep-alive round trip to a neighbour, real ms (null if unknown) */
  neighbourRtt(id: string): number | null {
    return this.neighbours.get(id)?.ch.rttMs ?? null;
  }

  markInteresting(id: string): void {
    this.neighbours.get(id)?.stats.interesting.push(this.deps.clock.now());
  }

  private prune(): void {
    const { params, clock } = this.deps;
    const now = clock.now();
    for (const n of this.neighbours.values()) trimStats(n.stats, now);
    if (this.neighbours.size <= params.softLimit) return;
    const ns = [...this.neighbours.values()].map((n) => ({ id: n.id, stats: n.stats, since: n.since }));
    for (const id of this.policies.pruning.victims(ns, now, params.softLimit - params.pruneHeadroom, this.deps.random)) {
      const n = this.neighbours.get(id)!;
      n.ch.send('bye', { reason: 'pruned' });
      n.ch.close('pruned');
    }
  }

  // ---- playback -----------------------------------------------------------------------------

  play(track: number, access: 'playlist' | 'random', next?: number): void {
    // a machine without network is taken to be away (asleep, unplugged): its plays do not happen
    if (!this.user || this.offline) return;
    const prefetched = this.playback?.takePrefetch(track) ?? null;
    this.playback?.stop('next');
    this.playback = new Playback(this, track, this.quality, access, next, prefetched);
    this.playback.start();
  }

  skip(): void {
    this.playback?.stop('skip');
    this.playback = null;
  }

  seek(positionMs: number): void {
    this.playback?.seek(positionMs);
  }

  trackSize(track: number, quality: Quality): number {
    return trackBytes(track, quality, this.deps.clock.scale);
  }

  trackDurationMs(track: number): number {
    return trackDurationSec(track) * 1000;
  }
}
