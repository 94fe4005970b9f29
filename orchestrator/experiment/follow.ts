// The run's progress from the data centres' sinks while it runs, for every runtime that writes
// them as files (Docker, local): each poll parses only what was appended since the last
// (ReportTail), so following a week costs what the week wrote, once.
import { ReportTail } from '../report/raw.ts';

export class SinkFollower {
  plays = 0;
  readonly bytes = { server: 0, p2p: 0, cache: 0 };
  private readonly tails: ReportTail[];
  /** a report re-sent after a reconnect is stored twice: counted once */
  private readonly seen = new Set<string>();
  private readonly online = new Map<string, number>();

  constructor(files: string[]) {
    this.tails = files.map((f) => new ReportTail(f));
  }

  poll(): void {
    for (const r of this.tails.flatMap((t) => t.read())) {
      const key = `${r.clientId}/${r.seq}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (r.type === 'play') {
        this.plays++;
        for (const k of ['server', 'p2p', 'cache'] as const) this.bytes[k] += r.bytes[k];
      } else if (r.type === 'login' || r.type === 'logout') this.online.set(r.clientId, (this.online.get(r.clientId) ?? 0) + (r.type === 'login' ? 1 : -1));
    }
  }

  get peersOnline(): number {
    let n = 0;
    for (const v of this.online.values()) if (v > 0) n++;
    return n;
  }

  /** "plays 12 | server 40% p2p 10% cache 50% | peers online 7" */
  summary(): string {
    const b = this.bytes;
    const total = b.server + b.p2p + b.cache || 1;
    const pct = (x: number) => ((100 * x) / total).toFixed(0);
    return `plays ${this.plays} | server ${pct(b.server)}% p2p ${pct(b.p2p)}% cache ${pct(b.cache)}% | peers online ${this.peersOnline}`;
  }
}
