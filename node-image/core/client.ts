// The peer client: a session (login, logout, churn, stop) over four parts with narrow seams, and
// the playback that uses them:
//
//   ReportQueue  (report-queue.ts)  numbered reports, kept until acknowledged
//   ServerLink   (server-link.ts)   the one connection to the data centre: login, tracker, data
//   Overlay      (overlay.ts)       neighbours: connect, reverse, search, prune, chunk requests
//   Serving      (serving.ts)       uploads to neighbours, with upload slots
//   Playback     (playback.ts)      streaming one track from server, peers and cache
//
// Sockets, timers and disk come in through `ClientDeps`, so the same class runs inside a
// container, on loopback and in unit tests; decisions come in as policies (policies.ts).

import { type CacheEntries, CacheIndex, type CacheStore } from './cache.ts';
import type { Dialer, Liveness, Pipe } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { type ContentSource, REAL_CONTENT, trackBytes, trackDurationSec } from './content.ts';
import type { PeerAddress } from './messages.ts';
import { type Neighbour, Overlay } from './overlay.ts';
import type { ProtocolParams } from './params.ts';
import { Playback, type PlaybackHost } from './playback.ts';
import { type Protocol, resolveProtocol } from './policies.ts';
import { type ReportBody, ReportQueue } from './report-queue.ts';
import type { NotPlayed, Quality, UpnpOutcome } from './reports.ts';
import type { SearchWalk } from './search.ts';
import { type ChunkWaiter, ServerLink } from './server-link.ts';
import { Serving } from './serving.ts';

interface ClientIdentity {
  clientId: string;
  /** address and port other peers dial (the UPnP-mapped one when mapping worked) */
  advertiseHost: string;
  advertisePort: number;
  localAddress: string;
  upnp: UpnpOutcome;
  /** the machine's credential for this run (core/credential.ts); none where the data centres ask for none (the simulation) */
  credential?: string;
}

export interface ClientDeps {
  clock: Clock;
  params: ProtocolParams;
  dialer: Dialer;
  store: CacheStore;
  /** what the cache holds at start when not the store's list: a simulated peer's warm cache (orchestrator/workload/warmup.ts), taken over whole */
  warmCache?: CacheEntries;
  /** where the data centre is: asked again before every (re)connect (DNS may answer differently) */
  locateServer: () => Promise<{ host: string; port: number }>;
  identity: ClientIdentity;
  random: () => number;
  log: (event: string, fields?: Record<string, unknown>) => void;
  /** the variant's policies and features (default: the paper's); its params are `params` above */
  policies?: Omit<Protocol, 'params' | 'tracker'>;
  /** where verified bytes come from (default: the content function, every play verified) */
  content?: ContentSource;
  /** what notices a connection that died without a word (default: keep-alives, core/channel.ts) */
  liveness?: Liveness;
  /** what answers an overlay search in place of the flood's messages (the simulation's graph walk; default: the flood) */
  searchWalk?: SearchWalk;
}

interface User {
  user: string;
  country: string;
  quality: Quality;
  mobile: boolean;
  loginAt: number;
}

export class Client implements PlaybackHost {
  readonly cache: CacheIndex;
  readonly policies: Omit<Protocol, 'params' | 'tracker'>;
  private readonly reports: ReportQueue;
  private readonly link: ServerLink;
  private readonly overlay: Overlay;
  private user: User | null = null;
  private sessionTimers: TimerHandle[] = [];
  /** this session's login report is made (after its first login answer) */
  private loginReported = false;
  /** churn: the machine has no network until this workload time (null: online) */
  private offlineUntil: number | null = null;
  /** plays asked for and not started, by reason: the run's accounting of its plays needs every one (report/summarise.ts) */
  private readonly notStarted: NotPlayed = { noUser: 0, offline: 0 };
  playback: Playback | null = null;
  stopped = false;

  constructor(readonly deps: ClientDeps) {
    const { clock, params, identity } = deps;
    this.policies = deps.policies ?? resolveProtocol();
    this.cache = new CacheIndex(deps.store, params.cacheBytes, deps.warmCache);
    this.reports = new ReportQueue(clock, identity.clientId);
    const self = this;
    this.link = new ServerLink(
      deps,
      {
        id: identity.clientId,
        listen: { host: identity.advertiseHost, port: identity.advertisePort },
        credential: identity.credential,
        get user() {
          return self.user;
        },
        get offline() {
          return self.offline;
        },
        get stopped() {
          return self.stopped;
        },
      },
      this.reports,
      {
        loggedIn: () => this.onLoggedIn(),
        reverseRequest: (from) => void this.overlay.dialBack(from),
        reverseFailed: (target) => this.overlay.reversalFailed(target),
      },
    );
    // a report goes out at once only on a connection whose session has logged in; the rest wait
    // for the next login answer, which sends everything still unacknowledged
    this.reports.transmit = (r) => {
      if (this.link.connected && this.loginReported) this.link.sendReport(r);
    };
    // emergency mode is the current playback's: its buffer ran low, so uploads stop
    const serving = new Serving({ clock, params, features: this.policies.features }, this.cache, () => this.playback?.emergency ?? false);
    this.overlay = new Overlay(
      { clock, params, dialer: deps.dialer, random: deps.random, log: deps.log, policies: this.policies, liveness: deps.liveness, searchWalk: deps.searchWalk },
      {
        id: identity.clientId,
        advertise: { host: identity.advertiseHost, port: identity.advertisePort },
        get loggedIn() {
          return self.user !== null;
        },
        get offline() {
          return self.offline;
        },
        get dc() {
          return self.link.dc;
        },
        cache: this.cache,
        report: (body) => this.report(body),
        reverse: (target) => this.link.reverse(target),
      },
      serving,
    );
  }

  get id(): string {
    return this.deps.identity.clientId;
  }
  get content(): ContentSource {
    return this.deps.content ?? REAL_CONTENT;
  }
  get generated(): number {
    return this.reports.generated;
  }
  get unackedReports(): number {
    return this.reports.unackedCount;
  }
  get neighbourCount(): number {
    return this.overlay.size;
  }
  get loggedIn(): boolean {
    return this.user !== null;
  }
  get connected(): boolean {
    return this.link.connected;
  }
  get offline(): boolean {
    return this.offlineUntil !== null;
  }
  get mobile(): boolean {
    return this.user?.mobile ?? false;
  }
  get quality(): Quality {
    return this.user?.quality ?? 'q5';
  }
  /** plays not started so far, by reason (a copy): the logout report and the exit record carry it */
  get notPlayed(): NotPlayed {
    return { ...this.notStarted };
  }

  // ---- session ------------------------------------------------------------------------------

  login(user: string, country: string, quality: Quality, mobile = false): void {
    if (this.user) this.logout();
    const { clock, params } = this.deps;
    this.user = { user, country, quality, mobile, loginAt: clock.now() };
    this.loginReported = false;
    this.link.login();
    // the first neighbour report comes soon after login (the paper ignores it), then every 30 min
    this.sessionTimers.push(
      clock.after(params.firstNeighbourReportMs, () => this.neighbourReport()),
      clock.every(params.neighbourReportMs, () => this.neighbourReport()),
      clock.every(params.pruneIntervalMs, () => this.overlay.prune()),
    );
  }

  logout(): void {
    if (!this.user) return;
    this.playback?.stop('logout');
    // let go of the play (its download's bytes, its cancelled prefetch): a client that logged
    // out holds nothing of its session; kept, it held up to two tracks' buffers while offline
    this.playback = null;
    this.report({ type: 'logout', generated: this.reports.generated + 1, lostHits: { ...this.overlay.lostHits }, notPlayed: this.notPlayed } as ReportBody);
    for (const t of this.sessionTimers) t.cancel();
    this.sessionTimers = [];
    this.overlay.closeAll('logout');
    this.user = null;
    // the server connection stays until every report is acknowledged; then it is closed
    this.link.logout();
  }

  private onLoggedIn(): void {
    if (this.user && !this.loginReported) {
      const { identity } = this.deps;
      this.report({ type: 'login', localAddress: identity.localAddress, upnp: identity.upnp, listenPort: identity.advertisePort, mobile: this.user.mobile } as ReportBody);
    }
    this.loginReported = true;
  }

  /** resolves once every report is acknowledged (or after `timeoutMs` real ms) */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = this.deps.clock.realNow() + timeoutMs;
    while (this.reports.unackedCount > 0 && this.deps.clock.realNow() < until) {
      if (!this.link.connected && !this.link.connectingNow) this.link.connect();
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.reports.unackedCount === 0;
  }

  stop(): void {
    this.stopped = true;
    this.playback?.stop('stop');
    this.playback = null;
    for (const t of this.sessionTimers) t.cancel();
    this.overlay.closeAll('client stopping');
    this.link.drop('client stopping');
  }

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
    this.overlay.closeAll('network down');
    this.link.drop('network down');
    clock.after(ms, () => {
      this.offlineUntil = null;
      log('online');
      if (this.user || this.reports.unackedCount > 0) this.link.connect();
    });
  }

  // ---- reports ------------------------------------------------------------------------------

  /** stamp, number and queue a report of this session; sent now if possible, again after reconnects until acked */
  report(body: ReportBody): void {
    const u = this.user;
    if (!u) return;
    this.reports.add(body, { user: u.user, country: u.country, dc: this.link.dc });
  }

  private neighbourReport(): void {
    if (!this.user) return;
    this.report({ type: 'neighbours', sinceLogin: this.deps.clock.now() - this.user.loginAt, count: this.overlay.size } as ReportBody);
  }

  // ---- what playback uses ---------------------------------------------------------------------

  /** ask the server for a byte range; the waiter gets null if the request is abandoned */
  requestFromServer(track: number, quality: Quality, offset: number, length: number, waiter: ChunkWaiter): number {
    return this.link.requestData(track, quality, offset, length, this.link.connected && this.loginReported, waiter);
  }

  cancelServerRequest(rid: number): void {
    this.link.cancelData(rid);
  }

  announce(track: number, quality: Quality): void {
    if (this.policies.features.p2p) this.link.announce(track, quality);
  }

  /** tracker peers for a track ([] when offline or on timeout) */
  askTracker(track: number, quality: Quality): Promise<PeerAddress[]> {
    return this.link.askTracker(track, quality);
  }

  /** search all neighbours (who forward once); `onHit` is called per answer until `done` */
  searchOverlay(track: number, quality: Quality, onHit: (peer: PeerAddress, distance: number, ms: number) => void): { sentTo: number; done: () => void } {
    return this.overlay.search(track, quality, onHit);
  }

  acceptPeer(pipe: Pipe): void {
    this.overlay.accept(pipe);
  }

  connectPeer(peer: PeerAddress): Promise<Neighbour | null> {
    return this.overlay.connect(peer);
  }

  /** ask neighbour `peer` for `count` chunks from `index` on; the waiter gets null on denial, timeout or disconnect */
  requestFromPeer(peer: string, track: number, quality: Quality, index: number, waiter: ChunkWaiter, count = 1): boolean {
    return this.overlay.request(peer, track, quality, index, waiter, count);
  }

  hasNeighbour(id: string): boolean {
    return this.overlay.has(id);
  }

  /** the keep-alive round trip to a neighbour, real ms (null if unknown) */
  neighbourRtt(id: string): number | null {
    return this.overlay.rtt(id);
  }

  markInteresting(id: string): void {
    this.overlay.markInteresting(id);
  }

  // ---- playback -----------------------------------------------------------------------------

  play(track: number, access: 'playlist' | 'random', next?: number): void {
    // a machine without network is taken to be away (asleep, unplugged): its plays do not happen,
    // but are counted, so that a run can tell plays its workload skipped from plays it lost
    if (!this.user || this.offline) {
      this.notStarted[this.user ? 'offline' : 'noUser']++;
      return;
    }
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
