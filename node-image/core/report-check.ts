// The shape every report must have (core/reports.ts), and values that can be true, checked where
// reports cross a boundary: the data centre refuses a malformed or impossible report before it is
// stored or acknowledged, and the analysis skips (and counts) such a line of a sink file instead
// of crashing on it or publishing it. One report with bytes of 1e308 used to turn report.md into
// "Infinity MB played" and still call the run valid. A program's host-load record (core/host-load.ts)
// is checked the same way where the orchestrator collects it (hostLoadProblem).
import { trackBytes } from './content.ts';
import { slipBucket } from './host-load.ts';
import { REPORT_TYPES, type Report } from './reports.ts';

type Kind =
  | 'string'
  | 'int'
  | 'number'
  | 'boolean'
  | 'quality'
  | 'object'
  | 'array'
  | 'upnp'
  | 'bytes'
  | 'trackerAnswer'
  | 'outcome'
  | 'access'
  | 'lostHits'
  | 'notPlayed'
  | 'time'
  | 'realMs'
  | 'latency';

/** workload ms since the run's start: no experiment runs longer than 366 days (config/experiment.ts) */
const MAX_WORKLOAD_MS = 366 * 86_400_000;
/** real ms a single measurement (a latency, a stall, a dial, a wait) can take within any run */
const MAX_REAL_MS = 366 * 86_400_000;
/**
 * bytes a play can report, as a multiple of its track's unscaled size: a seek back plays bytes
 * again, so a play may exceed its track, but not by orders of magnitude
 */
const MAX_REPLAYS = 16;

const BASE: Record<string, Kind> = { clientId: 'string', seq: 'int', user: 'string', country: 'string', t: 'time', dc: 'string' };
const FIELDS: Record<Report['type'], Record<string, Kind>> = {
  login: { localAddress: 'string', upnp: 'upnp', listenPort: 'int', mobile: 'boolean' },
  play: {
    track: 'int',
    quality: 'quality',
    bytes: 'bytes',
    latencyMs: 'latency',
    stutters: 'int',
    stutterMs: 'realMs',
    complete: 'boolean',
    sha256: 'string',
    expectedSha256: 'string',
    access: 'access',
    prefetched: 'boolean',
  },
  search: { track: 'int', quality: 'quality', tracker: 'trackerAnswer', overlay: 'array', neighbours: 'int' },
  neighbours: { sinceLogin: 'time', count: 'int' },
  connect: { peer: 'string', outcome: 'outcome', ms: 'realMs' },
  logout: { generated: 'int' },
};
/** fields the access point adds, never the client */
const OPTIONAL: Record<string, Kind> = { serverSeenAddress: 'string' };
/** fields added since the first runs: a report of an older run lacks them and is still well formed */
const LATER: Partial<Record<Report['type'], Record<string, Kind>>> = { search: { waitedMs: 'realMs' }, logout: { lostHits: 'lostHits', notPlayed: 'notPlayed' } };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** an object with no key but these (a nested "__proto__" or any stray field is refused, as at the top level) */
const only = (v: Record<string, unknown>, ...keys: string[]) => Object.keys(v).every((k) => keys.includes(k));
const nonNeg = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function ok(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string' && v.length > 0 && v.length <= 200;
    case 'int':
      return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'time':
      return nonNeg(v) && (v as number) <= MAX_WORKLOAD_MS;
    case 'realMs':
      return nonNeg(v) && (v as number) <= MAX_REAL_MS;
    case 'latency':
      // -1: the play never started
      return v === -1 || (nonNeg(v) && (v as number) <= MAX_REAL_MS);
    case 'boolean':
      return typeof v === 'boolean';
    case 'quality':
      return v === 'q5' || v === 'q9';
    case 'access':
      return v === 'playlist' || v === 'random';
    case 'outcome':
      return v === 'direct' || v === 'reversed' || v === 'failed';
    case 'object':
      return isObj(v);
    case 'array':
      return (
        Array.isArray(v) && v.every((x) => isObj(x) && only(x, 'distance', 'ms') && (x.distance === 1 || x.distance === 2) && (x.ms === undefined || (nonNeg(x.ms) && (x.ms as number) <= MAX_REAL_MS)))
      );
    case 'lostHits':
      return isObj(v) && only(v, 'late', 'forgotten') && Number.isSafeInteger(v.late) && (v.late as number) >= 0 && Number.isSafeInteger(v.forgotten) && (v.forgotten as number) >= 0;
    case 'notPlayed':
      return isObj(v) && only(v, 'noUser', 'offline') && Number.isSafeInteger(v.noUser) && (v.noUser as number) >= 0 && Number.isSafeInteger(v.offline) && (v.offline as number) >= 0;
    case 'bytes':
      return isObj(v) && only(v, 'server', 'p2p', 'cache') && nonNeg(v.server) && nonNeg(v.p2p) && nonNeg(v.cache);
    case 'trackerAnswer':
      return v === null || (isObj(v) && only(v, 'peers') && Number.isSafeInteger(v.peers) && (v.peers as number) >= 0);
    case 'upnp':
      return (
        isObj(v) &&
        (v.ok === false
          ? only(v, 'ok', 'error') && typeof v.error === 'string'
          : v.ok === true && only(v, 'ok', 'protocol', 'externalAddress', 'externalPort', 'internalPort') && typeof v.externalAddress === 'string' && Number.isSafeInteger(v.externalPort))
      );
  }
}

/** what a value of `kind` must be, in words */
function expected(kind: Kind): string {
  if (kind === 'time') return `workload ms from 0 to ${MAX_WORKLOAD_MS}`;
  if (kind === 'realMs') return `real ms from 0 to ${MAX_REAL_MS}`;
  if (kind === 'latency') return `-1 (never started) or real ms from 0 to ${MAX_REAL_MS}`;
  return `a valid ${kind}`;
}

/** null if `r` is a well-formed report, else what is wrong with it */
export function reportProblem(r: unknown): string | null {
  if (!isObj(r)) return 'a report must be an object';
  if (!REPORT_TYPES.includes(r.type as Report['type'])) return `unknown report type ${JSON.stringify(r.type)}; valid: ${REPORT_TYPES.join(', ')}`;
  const fields = { ...BASE, ...FIELDS[r.type as Report['type']] };
  for (const [k, kind] of Object.entries(fields)) {
    if (!Object.hasOwn(r, k)) return `${r.type} report without "${k}"`;
    if (!ok(kind, r[k])) return `${r.type} report: "${k}" is not ${expected(kind)}`;
  }
  for (const k of Object.keys(r)) {
    if (k === 'type' || Object.hasOwn(fields, k)) continue;
    if (Object.hasOwn(OPTIONAL, k) && ok(OPTIONAL[k], r[k])) continue;
    const later = LATER[r.type as Report['type']];
    if (later && Object.hasOwn(later, k)) {
      if (ok(later[k], r[k])) continue;
      return `${r.type} report: "${k}" is not ${expected(later[k])}`;
    }
    return `${r.type} report: unknown field "${k}"`;
  }
  if (r.type === 'play') {
    const b = r.bytes as { server: number; p2p: number; cache: number };
    const most = MAX_REPLAYS * trackBytes(r.track as number, r.quality as 'q5' | 'q9');
    if (b.server + b.p2p + b.cache > most) return `play report: ${b.server + b.p2p + b.cache} bytes played of track ${r.track}, more than ${MAX_REPLAYS} times its ${most / MAX_REPLAYS} bytes`;
  }
  return null;
}

/** the highest bucket a slip within MAX_REAL_MS falls in */
const MAX_SLIP_BUCKET = slipBucket(MAX_REAL_MS);
const realMs = (v: unknown) => nonNeg(v) && (v as number) <= MAX_REAL_MS;
const quantiles = (v: unknown) =>
  isObj(v) && only(v, 'p50', 'p99', 'max') && realMs(v.p50) && realMs(v.p99) && realMs(v.max) && (v.p50 as number) <= (v.p99 as number) && (v.p99 as number) <= (v.max as number);
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * null if `r` is a well-formed host-load record (core/host-load.ts HostLoad: a program's `load`
 * line less the logger's fields), else what is wrong with it: every duration real ms from 0 to
 * MAX_REAL_MS, quantiles in order, and a histogram of known buckets whose counts add up to `timers`
 */
export function hostLoadProblem(r: unknown): string | null {
  if (!isObj(r)) return 'a load record must be an object';
  const keys = ['ms', 'slipMs', 'timers', 'slipHist', 'loopDelayMs', 'loopSamples'];
  for (const k of keys) if (!Object.hasOwn(r, k)) return `load record without "${k}"`;
  const stray = Object.keys(r).find((k) => !keys.includes(k));
  if (stray !== undefined) return `load record: unknown field "${stray}"`;
  if (!realMs(r.ms)) return `load record: "ms" is not ${expected('realMs')}`;
  for (const k of ['slipMs', 'loopDelayMs']) if (!quantiles(r[k])) return `load record: "${k}" is not {p50, p99, max} in order, each ${expected('realMs')}`;
  for (const k of ['timers', 'loopSamples']) if (!count(r[k])) return `load record: "${k}" is not a whole number >= 0`;
  const hist = r.slipHist;
  if (!Array.isArray(hist)) return 'load record: "slipHist" is not a list of [bucket, count]';
  let total = 0;
  let last = -1;
  for (const x of hist) {
    if (!Array.isArray(x) || x.length !== 2 || !Number.isSafeInteger(x[0]) || x[0] <= last || x[0] > MAX_SLIP_BUCKET || !Number.isSafeInteger(x[1]) || x[1] < 1)
      return `load record: "slipHist" holds ${JSON.stringify(x)}, not [bucket, count] with buckets rising from 0 to ${MAX_SLIP_BUCKET} and counts >= 1`;
    last = x[0];
    total += x[1];
  }
  if (total !== r.timers) return `load record: "slipHist" counts ${total} slips, "timers" ${r.timers}`;
  return null;
}
