// Instrumentation reports: what a client sends to its data centre's sink (docs/architecture.md, principle 7).
// Every analysis of the testbed reads only these records, so they carry enough to compute all of
// the paper's section IV (Tables I-III, Fig. 1) plus the offload, latency and stutter figures.
//
// A client gives each report a sequence number (per client instance) so the sink can tell a
// lost report from a re-sent one: reports are re-sent after a reconnect and de-duplicated by
// (clientId, seq). Times are in *workload* milliseconds (the scaled clock; see core/clock.ts),
// as an ISO-free number so that a week replayed in minutes still reads as a week.

export type Quality = 'q5' | 'q9';

/** The `dc` of reports a client makes before its first login answer names its data centre. */
export const NO_DC = 'unknown';

export type UpnpOutcome = { ok: true; protocol: 'upnp' | 'natpmp'; externalAddress: string; externalPort: number; internalPort: number } | { ok: false; error: string };

interface ReportBase {
  /** unique per client process instance (a restart of the process gets a new one) */
  clientId: string;
  /** 0, 1, 2... per clientId, with no gaps in what the client generated */
  seq: number;
  user: string;
  country: string;
  /** workload time in ms since the run's start (Monday 00:00 UTC of the replayed week, unless a trace was replayed from later: run.json workload.startMs) */
  t: number;
  /** which data centre the client was connected to when it generated the report */
  dc: string;
}

export interface LoginReport extends ReportBase {
  type: 'login';
  /** address of the interface the client uses to reach the server */
  localAddress: string;
  /** filled in by the access point, never by the client: the address the server sees */
  serverSeenAddress?: string;
  upnp: UpnpOutcome;
  /** the TCP port other peers should dial (the mapped one when UPnP worked) */
  listenPort: number;
  mobile: boolean;
}

export interface PlayReport extends ReportBase {
  type: 'play';
  track: number;
  quality: Quality;
  /** audio bytes actually played, by where they came from */
  bytes: { server: number; p2p: number; cache: number };
  /** play request to first audio playable, in real (unscaled) milliseconds */
  latencyMs: number;
  /** buffer underruns during the play, and their total length in real ms */
  stutters: number;
  stutterMs: number;
  /** true when the whole track was played, false for a skip */
  complete: boolean;
  /** sha256 (hex) of the bytes played; compared with the deterministic content for integrity */
  sha256: string;
  /** sha256 of the same byte range derived from (track, quality): what the server would send */
  expectedSha256: string;
  /** how the play started: from a playlist (next track predictable) or random access */
  access: 'playlist' | 'random';
  /** true if the track was fetched ahead of time because the previous one was ending */
  prefetched: boolean;
}

export interface SearchReport extends ReportBase {
  type: 'search';
  track: number;
  quality: Quality;
  /** peers the tracker answered with (online, at this data centre), or null if not asked */
  tracker: { peers: number } | null;
  /**
   * overlay answers: one entry per answering peer with its distance (1 or 2) and when it arrived,
   * real ms after the search went out (`ms`: absent in reports of runs before 2026-12-06)
   */
  overlay: { distance: 1 | 2; ms?: number }[];
  /** neighbours the query was sent to; a search with 0 neighbours cannot find anything */
  neighbours: number;
  /** real ms the searcher waited for answers (the wait's timer, as late as the machine fired it) */
  waitedMs?: number;
}

export interface NeighboursReport extends ReportBase {
  type: 'neighbours';
  /** workload ms since this login */
  sinceLogin: number;
  count: number;
}

export interface ConnectReport extends ReportBase {
  type: 'connect';
  /** the peer we tried to reach (its client id) */
  peer: string;
  outcome: 'direct' | 'reversed' | 'failed';
  /** real ms the attempt took */
  ms: number;
}

export interface LogoutReport extends ReportBase {
  type: 'logout';
  /** reports this client instance generated in total, including this one */
  generated: number;
  /**
   * answers to this client's own searches that were lost, over the process's life so far: after
   * the searcher stopped waiting, or after it had forgotten the query id (core/overlay.ts)
   */
  lostHits?: { late: number; forgotten: number };
  /** plays the workload asked for that this client did not start, by reason, over the process's life so far (absent in runs before 2026-12-08) */
  notPlayed?: NotPlayed;
}

/**
 * Plays asked for and not started, by reason: no user logged in, or the machine offline (churn).
 * Counted over a client process's life, so the latest count of a process holds all before it.
 */
export interface NotPlayed {
  noUser: number;
  offline: number;
}

export type Report = LoginReport | PlayReport | SearchReport | NeighboursReport | ConnectReport | LogoutReport;

export type ReportType = Report['type'];
export const REPORT_TYPES: readonly ReportType[] = ['login', 'play', 'search', 'neighbours', 'connect', 'logout'];
