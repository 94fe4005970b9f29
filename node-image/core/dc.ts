// One data-centre stack as protocol logic: access point (logins, the address each client is
// seen from), tracker, track storage (byte ranges of the synthetic content), connection-reversal
// relay and instrumentation sink. The program in node-image/dc wires it to TCP and a file.

import type { Channel } from './channel.ts';
import type { Clock } from './clock.ts';
import { type ContentSource, REAL_CONTENT, trackBytes } from './content.ts';
import { credentialProblem } from './credential.ts';
import type { Message, MessageOf, PeerAddress } from './messages.ts';
import type { ProtocolParams } from './params.ts';
import { resolveProtocol, type TrackerPolicy } from './policies.ts';
import { reportProblem } from './report-check.ts';
import type { Report } from './reports.ts';
import { StoredReports } from './stored-reports.ts';
import { Tracker } from './tracker.ts';

/** Durable storage of reports: `append` resolves once the records are on disk. */
export interface ReportSink {
  append(records: Report[]): Promise<void>;
  /** (clientId/seq) keys already stored, so a re-sent report is not stored twice after a restart */
  storedKeys(): Iterable<string>;
}

interface Session {
  clientId: string;
  ch: Channel;
  address: PeerAddress;
  seenAddress: string;
}

export type DcLog = (event: string, fields?: Record<string, unknown>) => void;

/** Strip the IPv4-mapped prefix Node puts on addresses of dual-stack sockets. */
const plainAddress = (a: string) => a.replace(/^::ffff:/, '');

export class DataCentre {
  tracker: Tracker;
  private readonly sessions = new Map<string, Session>();
  /** every open client connection, logged in or not: an outage drops them all */
  private readonly channels = new Set<Channel>();
  /** faults (core/faults.ts): the tracker answers nobody; the whole data centre is away */
  private trackerDown = false;
  private down = false;
  private readonly stored: StoredReports;
  private pending: { report: Report; acks: { ch: Channel; seq: number }[] }[] = [];
  private flushing = false;
  /** bytes held over every open connection: queues and frames partly received (Channel.heldBytes) */
  private held = 0;
  private shedding = false;
  /** the run's secret, where logins must carry their machine's credential (requireCredentials) */
  private secret: string | null = null;
  stats = {
    logins: 0,
    reports: 0,
    duplicates: 0,
    bytesServed: 0,
    badConnections: 0,
    badReports: 0,
    refusedConnections: 0,
    /** logins without their machine's credential (requireCredentials) */
    refusedLogins: 0,
    /** connections closed because the data centre held more than dcBufferBytes, and what they held */
    shedConnections: 0,
    shedBytes: 0,
    /** the most held at once (after any shedding) */
    peakHeldBytes: 0,
  };

  constructor(
    readonly name: string,
    private readonly params: ProtocolParams,
    private readonly clock: Clock,
    private readonly sink: ReportSink,
    private readonly log: DcLog = () => {},
    private readonly random: () => number = Math.random,
    private readonly trackerPolicy: TrackerPolicy = resolveProtocol().tracker,
    private readonly content: ContentSource = REAL_CONTENT,
  ) {
    this.tracker = this.newTracker();
    this.stored = new StoredReports(sink.storedKeys());
  }

  private newTracker(): Tracker {
    return new Tracker(this.params.trackerKeep, this.params.trackerAnswer, this.random, this.trackerPolicy);
  }

  get online(): number {
    return this.sessions.size;
  }

  /** bytes held now over every open connection, as the budget (dcBufferBytes) counts them */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Tracker outage: queries get an empty answer at once and announces are not recorded, as a
   * tracker service that is down behind a working access point. Peers must find each other by
   * overlay search meanwhile.
   */
  setTrackerDown(down: boolean): void {
    this.trackerDown = down;
    this.log(down ? 'tracker-down' : 'tracker-up');
  }

  /**
   * The whole data centre goes away (as a crash: every connection drops, the tracker's memory is
   * lost) or comes back. While away, connections are closed as they arrive, so clients keep
   * retrying with backoff; the sink is durable, so reports stored before stay stored and clients
   * re-send the unacknowledged ones when they get back in.
   */
  setDown(down: boolean): void {
    this.down = down;
    this.log(down ? 'dc-down' : 'dc-up');
    if (!down) return;
    for (const ch of [...this.channels]) ch.close('data centre down');
    this.sessions.clear();
    this.tracker = this.newTracker();
  }

  accept(ch: Channel): void {
    if (this.down) {
      ch.close('data centre down');
      return;
    }
    if (this.channels.size >= this.params.maxConnections) {
      this.stats.refusedConnections++;
      ch.close(`too many connections (${this.params.maxConnections})`);
      return;
    }
    this.channels.add(ch);
    ch.onHeld = (delta) => this.holding(delta);
    this.holding(ch.heldBytes);
    let session: Session | null = null;
    ch.onMessage = (m) => {
      if (m.type === 'login') {
        // one connection, one client: a login under another id ends the previous session, so the
        // tracker never answers with a client that is no longer there
        if (session && session.clientId !== m.body.clientId && this.sessions.get(session.clientId)?.ch === ch) this.sessions.delete(session.clientId);
        // a refused login closes the connection: nothing it sends after counts
        session = this.login(ch, m) ?? session;
      } else if (!session) ch.close(`${m.type} before login`);
      else this.handle(session, m);
    };
    ch.onClosed = (reason) => {
      this.channels.delete(ch);
      if (reason.startsWith('bad frame')) {
        this.stats.badConnections++;
        this.log('connection-closed', { remote: ch.remoteAddress, reason });
      }
      if (session && this.sessions.get(session.clientId)?.ch === ch) this.sessions.delete(session.clientId);
    };
  }

  private holding(delta: number): void {
    this.held += delta;
    if (this.held > this.params.dcBufferBytes && delta >= 0) this.shed();
    if (this.held > this.stats.peakHeldBytes) this.stats.peakHeldBytes = this.held;
  }

  /**
   * Over budget: close the connections that hold the most until the rest fit. Many connections
   * each below its own limits (a frame begun, a queue unread) add up to more than the process
   * has; the largest holders are the likeliest attackers and free the most per connection closed,
   * while a client that reads and sends whole frames holds little and keeps its connection.
   */
  private shed(): void {
    // closing a connection reports its bytes released, which lands back here
    if (this.shedding) return;
    this.shedding = true;
    try {
      const budget = this.params.dcBufferBytes;
      while (this.held > budget) {
        let victim: Channel | null = null;
        for (const ch of this.channels) if (victim === null || ch.heldBytes > victim.heldBytes) victim = ch;
        if (victim === null || victim.heldBytes === 0) break;
        const holds = victim.heldBytes;
        this.stats.shedConnections++;
        this.stats.shedBytes += holds;
        this.log('connection-shed', { remote: victim.remoteAddress, holds, held: this.held, budget });
        victim.close(`shed: held ${holds} bytes, the most of any connection, while the data centre held ${this.held}, over its budget of ${budget} (dcBufferBytes)`);
      }
    } finally {
      this.shedding = false;
    }
  }

  /**
   * From now on a login must carry the credential of the machine its client id names, under the
   * run's `secret` (core/credential.ts). Without it (the simulation, unit tests) any id logs in.
   */
  requireCredentials(secret: string): void {
    this.secret = secret;
  }

  private login(ch: Channel, m: MessageOf<'login'>): Session | null {
    const b = m.body;
    const refused = this.secret === null ? null : credentialProblem(this.secret, b.clientId, b.credential);
    if (refused) {
      this.stats.refusedLogins++;
      this.log('login-refused', { remote: ch.remoteAddress, clientId: b.clientId.slice(0, 120), reason: refused });
      ch.close(`login refused: ${refused}`);
      return null;
    }
    const seen = plainAddress(ch.remoteAddress);
    const old = this.sessions.get(b.clientId);
    if (old && old.ch !== ch) old.ch.close('replaced by a newer login');
    const s: Session = { clientId: b.clientId, ch, seenAddress: seen, address: { id: b.clientId, host: b.listenHost, port: b.listenPort } };
    this.sessions.set(b.clientId, s);
    this.stats.logins++;
    ch.send('loginOk', { dc: this.name, seenAddress: seen });
    return s;
  }

  private handle(s: Session, m: Message): void {
    switch (m.type) {
      case 'report':
        return this.report(s, m.body.seq, m.body.report as Report);
      case 'trackerQuery': {
        if (this.trackerDown) return s.ch.send('trackerAnswer', { qid: m.body.qid, peers: [] });
        const ids = this.tracker.query(s.clientId, m.body.track, m.body.quality, (p) => this.sessions.has(p));
        const peers = ids.map((id) => this.sessions.get(id)!.address);
        return s.ch.send('trackerAnswer', { qid: m.body.qid, peers });
      }
      case 'trackerAnnounce':
        if (this.trackerDown) return;
        return this.tracker.announce(s.clientId, m.body.track, m.body.quality);
      case 'dataRequest': {
        const { rid, track, quality, offset, length } = m.body;
        const size = trackBytes(track, quality, this.clock.scale);
        const end = Math.min(size, offset + length);
        // a client that does not read is closed once its queue passes maxQueuedBytes: stop there
        for (let p = offset; p < end && s.ch.isOpen; p += this.params.serverFrameBytes) {
          const bytes = this.content.range(track, quality, p, Math.min(this.params.serverFrameBytes, end - p), size);
          this.stats.bytesServed += bytes.length;
          s.ch.send('data', { rid, offset: p }, bytes);
        }
        return;
      }
      case 'reverse': {
        const target = this.sessions.get(m.body.target);
        if (!target) return s.ch.send('reverseFailed', { target: m.body.target });
        return target.ch.send('reverseRequest', { from: s.address });
      }
      case 'logout':
        // offline for the tracker at once; the connection stays until the client has its last
        // reports acknowledged and closes it
        if (this.sessions.get(s.clientId)?.ch === s.ch) this.sessions.delete(s.clientId);
        return;
      default:
        s.ch.close(`unexpected ${m.type} from a client`);
    }
  }

  private report(s: Session, seq: number, report: Report): void {
    // refused before it is stored or acknowledged: a malformed report, one for another client,
    // or one that claims what only the access point may write
    const problem =
      reportProblem(report) ??
      (report.seq !== seq ? `seq ${report.seq} inside a frame of seq ${seq}` : null) ??
      (report.clientId !== s.clientId ? `a report of ${JSON.stringify(report.clientId)} on the connection of ${s.clientId}` : null) ??
      ('serverSeenAddress' in report ? 'serverSeenAddress is written by the access point, not the client' : null);
    if (problem) {
      this.stats.badReports++;
      this.log('report-refused', { clientId: s.clientId, seq, problem });
      s.ch.close(`report refused: ${problem}`);
      return;
    }
    if (this.stored.has(report.clientId, report.seq)) {
      this.stats.duplicates++;
      s.ch.send('reportAck', { seq });
      return;
    }
    const entry = this.pending.find((p) => p.report.seq === report.seq && p.report.clientId === report.clientId);
    if (entry) {
      entry.acks.push({ ch: s.ch, seq });
      return;
    }
    const stored: Report = report.type === 'login' ? { ...report, serverSeenAddress: s.seenAddress } : report;
    this.pending.push({ report: stored, acks: [{ ch: s.ch, seq }] });
    void this.flush();
  }

  /** group commit: everything that arrived while the previous write was on its way goes in one */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.sink.append(batch.map((b) => b.report));
        } catch (err) {
          // not stored, so not acknowledged: the clients keep these reports and send them again
          // after their next login (to this process once the sink works, or to its successor)
          this.log('sink-failed', { reports: batch.length, error: err instanceof Error ? err.message : String(err) });
          continue;
        }
        for (const b of batch) {
          this.stored.add(b.report.clientId, b.report.seq);
          this.stats.reports++;
          for (const a of b.acks) a.ch.send('reportAck', { seq: a.seq });
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
