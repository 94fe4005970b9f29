// Offload and playback quality from the collected reports only (docs/architecture.md, principle 7).
// Used by experiment summaries, `testbed report` and the benchmarks.
import { NO_DC, type PlayReport, type Report } from '../../node-image/core/reports.ts';

export interface ByteShares {
  bytes: { server: number; p2p: number; cache: number; total: number };
  /** fractions of played bytes; all 0 when nothing was played */
  shares: { server: number; p2p: number; cache: number };
}

export function byteShares(plays: Iterable<PlayReport>): ByteShares {
  const b = { server: 0, p2p: 0, cache: 0, total: 0 };
  for (const p of plays) {
    b.server += p.bytes.server;
    b.p2p += p.bytes.p2p;
    b.cache += p.bytes.cache;
  }
  b.total = b.server + b.p2p + b.cache;
  const f = (x: number) => (b.total > 0 ? x / b.total : 0);
  return { bytes: b, shares: { server: f(b.server), p2p: f(b.p2p), cache: f(b.cache) } };
}

/** Nearest-rank percentile (p in 0..100) of an unsorted list; null for an empty list. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1];
}

export interface PlaybackQuality {
  plays: number;
  latencyMs: { p50: number | null; p75: number | null; p90: number | null };
  /** buffer underruns per play */
  stutterRate: number;
  /** share of plays with at least one underrun */
  playsWithStutter: number;
  /** plays whose played bytes differ from what the server holds for that track */
  integrityFailures: number;
  /** plays that ended before any audio was playable (a skip at once, or no connection yet) */
  neverStarted: number;
  /** of those, plays requested before the client had ever logged in (report's dc is 'unknown') */
  beforeLogin: number;
}

export function playbackQuality(plays: readonly PlayReport[]): PlaybackQuality {
  // latency -1: the play ended before any audio was playable (skipped at once)
  const lat = plays.map((p) => p.latencyMs).filter((x) => x >= 0);
  const stutters = plays.reduce((n, p) => n + p.stutters, 0);
  return {
    plays: plays.length,
    latencyMs: { p50: percentile(lat, 50), p75: percentile(lat, 75), p90: percentile(lat, 90) },
    stutterRate: plays.length ? stutters / plays.length : 0,
    playsWithStutter: plays.length ? plays.filter((p) => p.stutters > 0).length / plays.length : 0,
    integrityFailures: plays.filter((p) => p.sha256 !== p.expectedSha256).length,
    neverStarted: plays.filter((p) => p.latencyMs < 0).length,
    beforeLogin: plays.filter((p) => p.latencyMs < 0 && p.dc === NO_DC).length,
  };
}

/**
 * Reports each client instance generated, minus the distinct ones the sinks hold. A client's
 * generated count is known from its logout report or, if that report itself was lost or the
 * client died, from what the client said when it exited (`generatedByClient`), else from the
 * highest sequence number seen.
 */
export function reportsLost(reports: readonly Report[], generatedByClient: ReadonlyMap<string, number> = new Map()): number {
  const seen = new Map<string, Set<number>>();
  const generated = new Map<string, number>(generatedByClient);
  for (const r of reports) {
    let s = seen.get(r.clientId);
    if (!s) seen.set(r.clientId, (s = new Set()));
    s.add(r.seq);
    const g = r.type === 'logout' ? r.generated : r.seq + 1;
    generated.set(r.clientId, Math.max(generated.get(r.clientId) ?? 0, g));
  }
  let lost = 0;
  for (const [id, g] of generated) lost += g - (seen.get(id)?.size ?? 0);
  return lost;
}

/** Keep one copy of each (clientId, seq): clients re-send unacknowledged reports after a reconnect. */
export function dedupe(reports: readonly Report[]): Report[] {
  const keys = new Set<string>();
  return reports.filter((r) => {
    const k = `${r.clientId}/${r.seq}`;
    if (keys.has(k)) return false;
    keys.add(k);
    return true;
  });
}
