// The client's instrumentation queue: every report gets the next sequence number of this client
// instance and stays queued until the data centre acknowledges it. It is sent at once when the
// server link can take it and again, in order, after every reconnect: the data centre drops
// duplicates by (clientId, seq), so nothing is lost and nothing is stored twice.
import type { Clock } from './clock.ts';
import type { Report } from './reports.ts';

/** what a part of the client gives; the queue adds the rest */
export type ReportBody = Omit<Report, 'clientId' | 'seq' | 'user' | 'country' | 't' | 'dc'> & Partial<Report>;

export class ReportQueue {
  private seq = 0;
  private readonly unacked = new Map<number, Report>();
  /** hands one report to the server link; set by the client, which knows when the link can send */
  transmit: (r: Report) => void = () => {};

  constructor(
    private readonly clock: Clock,
    private readonly clientId: string,
  ) {}

  /** stamp and number `body` for the user's session on data centre `dc`, queue it and try to send it */
  add(body: ReportBody, who: { user: string; country: string; dc: string }): Report {
    const full = { ...body, clientId: this.clientId, seq: this.seq++, user: who.user, country: who.country, t: this.clock.now(), dc: who.dc } as Report;
    this.unacked.set(full.seq, full);
    this.transmit(full);
    return full;
  }

  ack(seq: number): void {
    this.unacked.delete(seq);
  }

  /** everything not yet acknowledged, oldest first: what goes again after a reconnect */
  pending(): Report[] {
    return [...this.unacked.values()].sort((a, b) => a.seq - b.seq);
  }

  /** reports generated so far (the next sequence number) */
  get generated(): number {
    return this.seq;
  }

  get unackedCount(): number {
    return this.unacked.size;
  }
}
