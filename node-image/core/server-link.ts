// The client's one connection to its data centre: (re)connect with jittered backoff, login,
// and the requests that go over it (track data, tracker, reversal). After every reconnect the
// data centre gets the login again, then every unacknowledged report and every unfinished data
// request, as the paper's client re-sends them.
import { afterReal, Channel, channelOptions, type Dialer, type Liveness, type Pipe } from './channel.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { Message, PeerAddress } from './messages.ts';
import type { ProtocolParams } from './params.ts';
import type { ReportQueue } from './report-queue.ts';
import { NO_DC, type Quality, type Report } from './reports.ts';

export type ChunkWaiter = (data: Buffer | null, from: string) => void;

export interface LinkDeps {
  liveness?: Liveness;
  clock: Clock;
  params: ProtocolParams;
  dialer: Dialer;
  /** where the data centre is: asked again before every (re)connect (DNS may answer differently) */
  locateServer: () => Promise<{ host: string; port: number }>;
  random: () => number;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/** what the link sees of the client's session */
export interface LinkSession {
  readonly id: string;
  readonly user: { user: string; country: string } | null;
  readonly offline: boolean;
  readonly stopped: boolean;
  /** the login message's address fields */
  readonly listen: { host: string; port: number };
  /** the machine's credential for this run, where the run has one (core/credential.ts) */
  readonly credential?: string;
}

export interface LinkEvents {
  /** the data centre accepted a login on this connection */
  loggedIn(dc: string, seenAddress: string): void;
  /** a peer that could not dial us asks us to dial it */
  reverseRequest(from: PeerAddress): void;
  /** the data centre could not forward our reversal request */
  reverseFailed(target: string): void;
}

export class ServerLink {
  private ch: Channel | null = null;
  private connecting = false;
  /** logged out with reports still unacknowledged: close on the last acknowledgement */
  private closeWhenAcked = false;
  private reconnectDelay: number;
  private reconnectTimer: TimerHandle | null = null;
  private nextId = 1;
  /** data requests: rid -> waiter; re-sent (the missing part) after a reconnect */
  private readonly dataRequests = new Map<number, { track: number; quality: Quality; offset: number; length: number; got: Buffer[]; waiter: ChunkWaiter }>();
  private readonly trackerWaiters = new Map<number, (peers: PeerAddress[]) => void>();
  /** the data centre of the last login answer */
  dc = NO_DC;

  constructor(
    private readonly deps: LinkDeps,
    private readonly session: LinkSession,
    private readonly reports: ReportQueue,
    private readonly events: LinkEvents,
  ) {
    this.reconnectDelay = deps.params.reconnectMinMs;
  }

  get connected(): boolean {
    return this.ch?.isOpen === true;
  }

  get connectingNow(): boolean {
    return this.connecting;
  }

  /** a new session: log in on the connection that is open (it may still wait for the last session's acks), or connect */
  login(): void {
    if (this.ch?.isOpen) this.sendLogin(this.ch);
    else this.connect();
  }

  connect(): void {
    const s = this.session;
    if (this.connecting || this.connected || s.stopped || s.offline) return;
    this.connecting = true;
    const { params, dialer, log } = this.deps;
    this.deps
      .locateServer()
      .then(({ host, port }) => dialer.dial(host, port, params.connectTimeoutMs))
      .then((pipe) => {
        this.connecting = false;
        if (this.session.stopped) return pipe.close();
        this.attach(pipe);
      })
      .catch((err: Error) => {
        this.connecting = false;
        log('server-connect-failed', { error: err.message, retryMs: this.reconnectDelay });
        this.scheduleReconnect();
      });
  }

  /** close the connection and forget any pending reconnect (logout done, network down, stopping) */
  drop(reason: string): void {
    this.reconnectTimer?.cancel();
    this.ch?.close(reason);
  }

  /** the session ended: tell the data centre, keep the connection until every report is acknowledged */
  logout(): void {
    this.ch?.send('logout', {});
    this.closeWhenAcked = true;
    this.closeIfAcked();
  }

  /**
   * Closes the connection of a logged-out session once its last report is acknowledged: on the
   * acknowledgement itself, not on a poll (a poll every 50 ms cost 19 events a play at 100,000
   * simulated peers, whose acks wait seconds behind the data already queued on the downlink).
   * A new login, or stopping, ends the wait.
   */
  private closeIfAcked(): void {
    if (!this.closeWhenAcked) return;
    if (this.session.user || this.session.stopped) this.closeWhenAcked = false;
    else if (this.reports.unackedCount === 0) {
      this.closeWhenAcked = false;
      this.ch?.close('logged out');
    }
  }

  sendReport(r: Report): void {
    this.ch?.send('report', { seq: r.seq, report: r });
  }

  private scheduleReconnect(): void {
    const s = this.session;
    if (s.stopped || s.offline || (!s.user && this.reports.unackedCount === 0)) return;
    const { params, clock, random } = this.deps;
    const delay = this.reconnectDelay * (0.5 + random());
    this.reconnectDelay = Math.min(params.reconnectMaxMs, this.reconnectDelay * 2);
    this.reconnectTimer?.cancel();
    this.reconnectTimer = afterReal(clock, delay, () => this.connect());
  }

  private attach(pipe: Pipe): void {
    const { params, clock, log } = this.deps;
    const ch = new Channel(pipe, clock, channelOptions(params, 'server', this.deps.liveness));
    this.ch = ch;
    ch.onMessage = (m) => this.onMessage(m);
    ch.onClosed = (reason) => {
      if (this.ch === ch) this.ch = null;
      log('server-disconnected', { reason });
      for (const w of this.trackerWaiters.values()) w([]);
      this.trackerWaiters.clear();
      this.scheduleReconnect();
    };
    this.sendLogin(ch);
  }

  private sendLogin(ch: Channel): void {
    const { id, user, listen, credential } = this.session;
    ch.send('login', { clientId: id, user: user?.user ?? '', country: user?.country ?? '', listenHost: listen.host, listenPort: listen.port, ...(credential === undefined ? {} : { credential }) });
  }

  private onMessage(m: Message): void {
    switch (m.type) {
      case 'loginOk': {
        this.dc = m.body.dc;
        this.reconnectDelay = this.deps.params.reconnectMinMs;
        this.deps.log('logged-in', { dc: m.body.dc, seen: m.body.seenAddress });
        this.events.loggedIn(m.body.dc, m.body.seenAddress);
        // everything not yet acknowledged goes again, in order; so do unfinished track requests
        for (const r of this.reports.pending()) this.sendReport(r);
        for (const [rid, q] of this.dataRequests) {
          const have = q.got.reduce((n, b) => n + b.length, 0);
          this.ch!.send('dataRequest', { rid, track: q.track, quality: q.quality, offset: q.offset + have, length: q.length - have });
        }
        return;
      }
      case 'reportAck':
        this.reports.ack(m.body.seq);
        return this.closeIfAcked();
      case 'trackerAnswer': {
        const w = this.trackerWaiters.get(m.body.qid);
        this.trackerWaiters.delete(m.body.qid);
        w?.(m.body.peers.filter((p) => p.id !== this.session.id));
        return;
      }
      case 'data': {
        const q = this.dataRequests.get(m.body.rid);
        if (!q || !m.payload) return;
        const have = q.got.reduce((n, b) => n + b.length, 0);
        if (m.body.offset !== q.offset + have) return; // a stale answer from before a reconnect
        q.got.push(m.payload);
        if (have + m.payload.length >= q.length) {
          this.dataRequests.delete(m.body.rid);
          q.waiter(q.got.length === 1 ? q.got[0] : Buffer.concat(q.got), 'server');
        }
        return;
      }
      case 'reverseRequest':
        return this.events.reverseRequest(m.body.from);
      case 'reverseFailed':
        return this.events.reverseFailed(m.body.target);
      default:
        this.deps.log('unexpected-server-message', { type: m.type });
    }
  }

  /** ask for a byte range; sent now if `ready`, else after the next login answer */
  requestData(track: number, quality: Quality, offset: number, length: number, ready: boolean, waiter: ChunkWaiter): number {
    const rid = this.nextId++;
    this.dataRequests.set(rid, { track, quality, offset, length, got: [], waiter });
    if (ready) this.ch?.send('dataRequest', { rid, track, quality, offset, length });
    return rid;
  }

  cancelData(rid: number): void {
    this.dataRequests.delete(rid);
  }

  announce(track: number, quality: Quality): void {
    this.ch?.send('trackerAnnounce', { track, quality });
  }

  /** tracker peers for a track ([] when not connected or on timeout) */
  askTracker(track: number, quality: Quality): Promise<PeerAddress[]> {
    const ch = this.ch;
    if (!ch?.isOpen) return Promise.resolve([]);
    const qid = this.nextId++;
    return new Promise((resolve) => {
      const t = afterReal(this.deps.clock, this.deps.params.trackerWaitMs, () => {
        this.trackerWaiters.delete(qid);
        resolve([]);
      });
      this.trackerWaiters.set(qid, (peers) => {
        t.cancel();
        resolve(peers);
      });
      ch.send('trackerQuery', { qid, track, quality });
    });
  }

  /** ask the data centre to have `target` dial us; false if we are not connected */
  reverse(target: string): boolean {
    if (!this.connected) return false;
    this.ch!.send('reverse', { target });
    return true;
  }
}
