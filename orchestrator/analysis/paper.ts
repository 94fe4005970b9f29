// The paper's section IV from the collected reports only: Table I (addresses per user), Table II
// (NAT categories per address), Table III (overlay search success by distance, weekday and
// weekend), the tracker's success rate, Fig. 1 (neighbour counts against time since login) and
// the share of online peers with no neighbour; plus offload over time and by data centre.
import { type LoginReport, type NeighboursReport, NO_DC, type PlayReport, type Report, type SearchReport } from '../../node-image/core/reports.ts';
import { byteShares, percentile } from './playback.ts';

const DAY = 86_400_000;

/** Private as the paper defines it (10/8, 169.254/16, 172.16/12, 192.168/16), plus CGN 100.64/10. */
function isPrivate(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  return a === 10 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/** Saturday or Sunday (UTC) in workload time, whose 0 is Monday 00:00 UTC. */
export const isWeekend = (t: number) => Math.floor(t / DAY) % 7 >= 5;

const logins = (rs: Report[]) => rs.filter((r): r is LoginReport => r.type === 'login' && !!r.serverSeenAddress);

/** Table I: per country, % of users who logged in from k distinct addresses, k = 1..10 (10 = 10 or more). */
export function tableI(rs: Report[]): Record<string, { users: number; pct: number[] }> {
  const ips = new Map<string, { country: string; set: Set<string> }>();
  for (const l of logins(rs)) {
    const u = ips.get(l.user) ?? { country: l.country, set: new Set<string>() };
    u.set.add(l.serverSeenAddress!);
    ips.set(l.user, u);
  }
  const out: Record<string, { users: number; pct: number[] }> = {};
  for (const { country, set } of ips.values()) {
    const row = (out[country] ??= { users: 0, pct: Array(10).fill(0) });
    row.users++;
    row.pct[Math.min(10, set.size) - 1]++;
  }
  for (const row of Object.values(out)) row.pct = row.pct.map((n) => +((100 * n) / row.users).toFixed(2));
  return out;
}

export type NatCategory = 'noNat' | 'upnpWorked' | 'upnpMismatch' | 'upnpPrivate' | 'other';

/**
 * Table II, per address seen by the servers (the paper's identifier), as the paper classifies:
 * no NAT if any client there had the seen address as its local one; else UPnP worked if a client
 * there mapped a port and UPnP's address was the seen one; else mismatch (UPnP gave another
 * public address) or private (UPnP gave a private address: a NAT behind a NAT); else other.
 */
export function classifyAddresses(rs: Report[]): Map<string, { country: string; category: NatCategory }> {
  const byIp = new Map<string, LoginReport[]>();
  for (const l of logins(rs)) byIp.set(l.serverSeenAddress!, [...(byIp.get(l.serverSeenAddress!) ?? []), l]);
  const out = new Map<string, { country: string; category: NatCategory }>();
  for (const [ip, ls] of byIp) {
    const ups = ls.map((l) => l.upnp).filter((u): u is Extract<LoginReport['upnp'], { ok: true }> => u.ok);
    const category: NatCategory = ls.some((l) => l.localAddress === ip)
      ? 'noNat'
      : ups.some((u) => u.externalAddress === ip)
        ? 'upnpWorked'
        : ups.some((u) => isPrivate(u.externalAddress))
          ? 'upnpPrivate'
          : ups.length
            ? 'upnpMismatch'
            : 'other';
    out.set(ip, { country: ls[0].country, category });
  }
  return out;
}

export function tableII(rs: Report[]): Record<string, { addresses: number; noNat: number; upnpWorked: number; upnpMismatch: number; upnpPrivate: number }> {
  const out: Record<string, { addresses: number; noNat: number; upnpWorked: number; upnpMismatch: number; upnpPrivate: number }> = {};
  for (const { country, category } of classifyAddresses(rs).values()) {
    const row = (out[country] ??= { addresses: 0, noNat: 0, upnpWorked: 0, upnpMismatch: 0, upnpPrivate: 0 });
    row.addresses++;
    if (category !== 'other') row[category]++;
  }
  for (const row of Object.values(out)) for (const k of ['noNat', 'upnpWorked', 'upnpMismatch', 'upnpPrivate'] as const) row[k] = +(row[k] / row.addresses).toFixed(4);
  return out;
}

export interface SearchSuccess {
  searches: number;
  any: number;
  d1: number;
  d2: number;
}

function success(ss: SearchReport[]): SearchSuccess {
  const f = (pred: (s: SearchReport) => boolean) => (ss.length ? +(ss.filter(pred).length / ss.length).toFixed(4) : 0);
  return {
    searches: ss.length,
    any: f((s) => s.overlay.length > 0),
    d1: f((s) => s.overlay.some((o) => o.distance === 1)),
    d2: f((s) => s.overlay.some((o) => o.distance === 2)),
  };
}

/** Table III: overlay search success per country, weekday and weekend; `startMs` is the run's 0 in its week (a trace replayed from mid-week). */
export function tableIII(rs: Report[], startMs = 0): Record<string, { weekday: SearchSuccess; weekend: SearchSuccess }> {
  const ss = rs.filter((r): r is SearchReport => r.type === 'search');
  const out: Record<string, { weekday: SearchSuccess; weekend: SearchSuccess }> = {};
  for (const c of [...new Set(ss.map((s) => s.country))].sort()) {
    const mine = ss.filter((s) => s.country === c);
    out[c] = { weekday: success(mine.filter((s) => !isWeekend(s.t + startMs))), weekend: success(mine.filter((s) => isWeekend(s.t + startMs))) };
  }
  return out;
}

export function discovery(rs: Report[]): { searches: number; tracker: number; overlay: number; overlayD1: number; overlayD2: number } {
  const ss = rs.filter((r): r is SearchReport => r.type === 'search');
  const asked = ss.filter((s) => s.tracker !== null);
  const o = success(ss);
  return {
    searches: ss.length,
    tracker: asked.length ? +(asked.filter((s) => s.tracker!.peers > 0).length / asked.length).toFixed(4) : 0,
    overlay: o.any,
    overlayD1: o.d1,
    overlayD2: o.d2,
  };
}

/**
 * Fig. 1: percentiles of the neighbour count against time since login, in bins of the report
 * period. The first report after a login came right after it and is left out, as in the paper.
 */
export function figure1(rs: Report[], periodMs = 30 * 60_000): { minutes: number; n: number; p10: number; p25: number; p50: number; p75: number; p90: number }[] {
  const ns = rs.filter((r): r is NeighboursReport => r.type === 'neighbours' && r.sinceLogin >= periodMs / 2);
  const bins = new Map<number, number[]>();
  for (const r of ns) {
    const b = Math.round(r.sinceLogin / periodMs);
    bins.set(b, [...(bins.get(b) ?? []), r.count]);
  }
  return [...bins.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, xs]) => ({
      minutes: (b * periodMs) / 60_000,
      n: xs.length,
      p10: percentile(xs, 10)!,
      p25: percentile(xs, 25)!,
      p50: percentile(xs, 50)!,
      p75: percentile(xs, 75)!,
      p90: percentile(xs, 90)!,
    }));
}

/** Share of neighbour reports (after the first of each login) with no neighbour at all. */
export function noNeighbourShare(rs: Report[], periodMs = 30 * 60_000): number {
  const ns = rs.filter((r): r is NeighboursReport => r.type === 'neighbours' && r.sinceLogin >= periodMs / 2);
  return ns.length ? +(ns.filter((r) => r.count === 0).length / ns.length).toFixed(4) : 0;
}

/**
 * Clients logged in at once: the mean over the run's workload time [0, durationMs) and the peak
 * within it, mobile clients included. A client counts from its login report to its logout report,
 * or to its last report when it never logged out (the run ended, or it died; its last report can
 * be up to one neighbour-report period before that). The reports of `repetitions` runs of the same
 * experiment (fresh clients each) give the mean per run; their peak would be the sum of theirs,
 * so it is left out.
 */
export function peersOnline(rs: Report[], durationMs: number, repetitions = 1): { mean: number; peak?: number } {
  // one client instance logs in and out once per session, and again after a reconnect
  const open = new Map<string, { from: number; to: number }>();
  const steps: [number, number][] = [];
  const close = (s: { from: number; to: number }) => steps.push([s.from, 1], [s.to, -1]);
  for (const r of [...rs].sort((a, b) => a.t - b.t)) {
    const s = open.get(r.clientId);
    if (r.type === 'login') {
      if (!s) open.set(r.clientId, { from: r.t, to: r.t });
      continue;
    }
    if (!s) continue;
    s.to = Math.max(s.to, r.t);
    if (r.type === 'logout') {
      close(s);
      open.delete(r.clientId);
    }
  }
  for (const s of open.values()) close(s);
  steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0,
    peak = 0,
    area = 0,
    last = 0;
  for (const [t, d] of steps) {
    const at = Math.min(Math.max(t, 0), durationMs);
    area += now * (at - last);
    last = at;
    now += d;
    if (at < durationMs) peak = Math.max(peak, now);
  }
  const mean = durationMs > 0 ? +(area / durationMs / repetitions).toFixed(1) : 0;
  return repetitions === 1 ? { mean, peak } : { mean };
}

/**
 * Bytes by source per workload hour (0 = Monday 00:00 UTC: the run's `startMs` is added back).
 * Every hour from the first to the last is a row, zero where nothing played, and with the run's
 * `durationMs` every hour of its window [startMs, startMs + durationMs) too: a chart drawn from
 * the rows must not put the hours either side of a quiet stretch next to each other.
 */
export function offloadOverTime(rs: Report[], binMs = 3_600_000, startMs = 0, durationMs?: number): { hour: number; server: number; p2p: number; cache: number }[] {
  const bins = new Map<number, { server: number; p2p: number; cache: number }>();
  for (const p of rs.filter((r): r is PlayReport => r.type === 'play')) {
    const b = Math.floor((p.t + startMs) / binMs);
    const x = bins.get(b) ?? { server: 0, p2p: 0, cache: 0 };
    x.server += p.bytes.server;
    x.p2p += p.bytes.p2p;
    x.cache += p.bytes.cache;
    bins.set(b, x);
  }
  const ends = [...bins.keys()];
  if (durationMs !== undefined && durationMs > 0) ends.push(Math.floor(startMs / binMs), Math.ceil((startMs + durationMs) / binMs) - 1);
  if (!ends.length) return [];
  const [lo, hi] = [Math.min(...ends), Math.max(...ends)];
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).map((b) => ({ hour: (b * binMs) / 3_600_000, ...(bins.get(b) ?? { server: 0, p2p: 0, cache: 0 }) }));
}

/** Offload per data centre; plays made before any login belong to none (they carry no bytes). */
export function offloadByDc(rs: Report[]) {
  const plays = rs.filter((r): r is PlayReport => r.type === 'play' && r.dc !== NO_DC);
  return Object.fromEntries([...new Set(plays.map((p) => p.dc))].sort().map((dc) => [dc, byteShares(plays.filter((p) => p.dc === dc))]));
}
