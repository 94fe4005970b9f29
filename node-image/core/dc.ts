// One data-centre stack as protocol logic: access point (logins, the address each client is
// seen from), tracker, track storage (byte ranges of the synthetic content), connection-reversal
// relay and instrumentation sink. The program in node-image/dc wires it to TCP and a file.

import type { Channel } from './channel.ts';
import type { Clock } from './clock.ts';
import { contentRange, trackBytes } from './content.ts';
import type { Message, MessageOf, PeerAddress } from './messages.ts';
import type { ProtocolParams } from './params.ts';
import type { Report } from './reports.ts';
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
export const plainAddress = (a: string) => a.replace(/^::ffff:/, '');

/** Largest payload of one `data` frame: bulk goes out in chunks so interactive frames interleave. */
const DATA_FRAME = 16 * 1024;

export class DataCentre {
  readonly tracker: Tracker;
  private readonly sessions = new Map<string, Session>();
  private readonly stored: Set<string>;
  private pending: { report: Report; acks: { ch: Channel; seq: number }[] }[] = [];
  private flushing = false;
  stats = { logins: 0, reports: 0, duplicates: 0, bytesServed: 0, badConnections: 0 };

  constructor(
    readonly name: string,
    private readonly params: ProtocolParams,
    private readonly clock: Clock,
    private readonly sink: ReportSink,
    private readonly log: DcLog = () => {},
    random: () => number = Math.random,
  ) {
    this.tracker = new Tracker(params.trackerKeep, params.trackerAnswer, random);
    this.stored = new Set(sink.storedKeys());
  }

  get online(): number {
    return this.sessions.size;
  }

  accept(ch: Channel): void {
    let session: Session | null = null;
    ch.onMessage = (m) => {
      if (m.type === 'login') session = this.login(ch, m);
      else if (!session) ch.close(`${m.type} before login`);
      else this.handle(session, m);
    };
    ch.onClosed = (reason) => {
      if (reason.startsWith('bad frame')) {
        this.stats.badConnections++;
        this.log('connection-closed', { remote: ch.remoteAddress, reason });
      }
      if (session && this.sessions.get(session.clientId)?.ch === ch) this.sessions.delete(session.clientId);
    };
  }

  private login(ch: Channel, m: MessageOf<'login'>): Session {
    const b = m.body;
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
        const ids = this.tracker.query(s.clientId, m.body.track, m.body.quality, (p) => this.sessions.has(p));
        const peers = ids.map((id) => this.sessions.get(id)!.address);
        return s.ch.send('trackerAnswer', { qid: m.body.qid, peers });
      }
      case 'trackerAnnounce':
        return this.tracker.announce(s.clientId, m.body.track, m.body.quality);
      case 'dataRequest': {
        const { rid, track, quality, offset, length } = m.body;
        const size = trackBytes(track, quality, this.clock.scale);
        const end = Math.min(size, offset + length);
        for (let p = offset; p < end; p += DATA_FRAME) {
          const bytes = contentRange(track, quality, p, Math.min(DATA_FRAME, end - p), size);
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
    const key = `${report.clientId}/${report.seq}`;
    if (typeof report.clientId !== 'string' || report.seq !== seq || typeof report.type !== 'string') {
      s.ch.close(`malformed report seq ${seq}`);
      return;
    }
    if (this.stored.has(key)) {
      this.stats.duplicates++;
      s.ch.send('reportAck', { seq });
      return;
    }
    const entry = this.pending.find((p) => `${p.report.clientId}/${p.report.seq}` === key);
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
        await this.sink.append(batch.map((b) => b.report));
        for (const b of batch) {
          this.stored.add(`${b.report.clientId}/${b.report.seq}`);
          this.stats.reports++;
          for (const a of b.acks) a.ch.send('reportAck', { seq: a.seq });
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
