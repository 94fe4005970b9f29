// The run's progress from the data centres' sinks while it runs, for every runtime (they all
// write raw/<dc>/reports.jsonl as they go): each poll parses only what was appended since the last
// (ReportTail), so following a week costs what the week wrote, once. It counts what the progress
// line and live.json (progress/live.ts) show, as the analysis counts it (report/summarise.ts):
// reports de-duplicated by (clientId, seq), plays and searches of the measured window only.
import type { Report } from '../../node-image/core/reports.ts';
import type { LiveFigures } from '../progress/live.ts';
import { ReportTail } from '../report/raw.ts';

const HOUR = 3_600_000;
type Bytes = { server: number; p2p: number; cache: number };
const SOURCES = ['server', 'p2p', 'cache'] as const;

const sharesOf = (b: Bytes) => {
  const total = b.server + b.p2p + b.cache;
  return { server: total ? b.server / total : 0, p2p: total ? b.p2p / total : 0, cache: total ? b.cache / total : 0 };
};

export class SinkFollower {
  private plays = 0;
  private readonly bytes: Bytes = { server: 0, p2p: 0, cache: 0 };
  private tails: ReportTail[] = [];
  /** a report re-sent after a reconnect is stored twice: counted once */
  private readonly seen = new Set<string>();
  private online = new Map<string, number>();
  private readonly hours = new Map<number, Bytes>();
  private readonly search = { searches: 0, overlayFound: 0, trackerAsked: 0, trackerFound: 0 };
  private neverStarted = 0;
  /** per client instance: reports generated as far as known, distinct ones stored, logged out */
  private readonly clients = new Map<string, { generated: number; stored: number; out: boolean }>();

  /** `preRollMs`: where the measured window starts, asked at each poll (run.json knows it once the workload is made) */
  constructor(
    files: string[] = [],
    private readonly preRollMs: () => number = () => 0,
  ) {
    this.follow(files);
  }

  /** a repetition's sinks from now on; the figures so far stay, who is online starts anew */
  follow(files: string[]): void {
    this.tails = files.map((f) => new ReportTail(f));
    this.online = new Map();
  }

  poll(): void {
    const pre = this.preRollMs();
    for (const r of this.tails.flatMap((t) => t.read())) {
      const key = `${r.clientId}/${r.seq}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.account(r);
      if (r.type === 'login' || r.type === 'logout') this.online.set(r.clientId, (this.online.get(r.clientId) ?? 0) + (r.type === 'login' ? 1 : -1));
      // the pre-roll's plays and searches are not measured (report/summarise.ts measuredReports)
      if (r.t < pre) continue;
      if (r.type === 'play') {
        this.plays++;
        if (r.latencyMs < 0) this.neverStarted++;
        const h = Math.floor((r.t - pre) / HOUR);
        let hour = this.hours.get(h);
        if (!hour) this.hours.set(h, (hour = { server: 0, p2p: 0, cache: 0 }));
        for (const k of SOURCES) {
          this.bytes[k] += r.bytes[k];
          hour[k] += r.bytes[k];
        }
      } else if (r.type === 'search') {
        this.search.searches++;
        if (r.overlay.length > 0) this.search.overlayFound++;
        if (r.tracker) {
          this.search.trackerAsked++;
          if (r.tracker.peers > 0) this.search.trackerFound++;
        }
      }
    }
  }

  /** a client's generated count is its logout's, or its highest seq so far (analysis/playback.ts reportsLost) */
  private account(r: Report): void {
    let c = this.clients.get(r.clientId);
    if (!c) this.clients.set(r.clientId, (c = { generated: 0, stored: 0, out: false }));
    c.stored++;
    c.generated = Math.max(c.generated, r.type === 'logout' ? r.generated : r.seq + 1);
    if (r.type === 'login') c.out = false;
    if (r.type === 'logout') c.out = true;
  }

  private get peersOnline(): number {
    let n = 0;
    for (const v of this.online.values()) if (v > 0) n++;
    return n;
  }

  /** what the sinks hold so far, as live.json has it; only clients that logged out count for lost reports, the others' may still be on their way */
  figures(): Omit<LiveFigures, 'repetition' | 'workloadMs' | 'preRoll'> {
    let lost = 0;
    for (const c of this.clients.values()) if (c.out) lost += Math.max(0, c.generated - c.stored);
    const hourly = [...this.hours]
      .map(([hour, b]) => ({ hour, bytes: b.server + b.p2p + b.cache, shares: sharesOf(b) }))
      // an hour whose plays played nothing has no shares to show
      .filter((h) => h.bytes > 0)
      .sort((a, b) => a.hour - b.hour);
    return {
      plays: this.plays,
      bytes: { ...this.bytes },
      shares: sharesOf(this.bytes),
      hourly,
      peersOnline: this.peersOnline,
      search: { ...this.search },
      reportsLost: lost,
      playsNeverStarted: this.neverStarted,
    };
  }

  /** "plays 12 | server 40% p2p 10% cache 50% | peers online 7" */
  summary(): string {
    const s = sharesOf(this.bytes);
    const pct = (x: number) => (100 * x).toFixed(0);
    return `plays ${this.plays} | server ${pct(s.server)}% p2p ${pct(s.p2p)}% cache ${pct(s.cache)}% | peers online ${this.peersOnline}`;
  }
}
