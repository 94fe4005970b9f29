// The shape every report must have (core/reports.ts), checked where reports cross a boundary:
// the data centre refuses a malformed report before it is stored or acknowledged, and the
// analysis skips (and counts) a malformed line of a sink file instead of crashing on it.
import { REPORT_TYPES, type Report } from './reports.ts';

type Kind = 'string' | 'int' | 'number' | 'boolean' | 'quality' | 'object' | 'array' | 'upnp' | 'bytes' | 'trackerAnswer' | 'outcome' | 'access' | 'lostHits';

const BASE: Record<string, Kind> = { clientId: 'string', seq: 'int', user: 'string', country: 'string', t: 'number', dc: 'string' };
const FIELDS: Record<Report['type'], Record<string, Kind>> = {
  login: { localAddress: 'string', upnp: 'upnp', listenPort: 'int', mobile: 'boolean' },
  play: {
    track: 'int',
    quality: 'quality',
    bytes: 'bytes',
    latencyMs: 'number',
    stutters: 'int',
    stutterMs: 'number',
    complete: 'boolean',
    sha256: 'string',
    expectedSha256: 'string',
    access: 'access',
    prefetched: 'boolean',
  },
  search: { track: 'int', quality: 'quality', tracker: 'trackerAnswer', overlay: 'array', neighbours: 'int' },
  neighbours: { sinceLogin: 'number', count: 'int' },
  connect: { peer: 'string', outcome: 'outcome', ms: 'number' },
  logout: { generated: 'int' },
};
/** fields the access point adds, never the client */
const OPTIONAL: Record<string, Kind> = { serverSeenAddress: 'string' };
/** fields added since the first runs: a report of an older run lacks them and is still well formed */
const LATER: Partial<Record<Report['type'], Record<string, Kind>>> = { search: { waitedMs: 'number' }, logout: { lostHits: 'lostHits' } };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonNeg = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function ok(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string' && v.length > 0 && v.length <= 200;
    case 'int':
      return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
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
      return Array.isArray(v) && v.every((x) => isObj(x) && (x.distance === 1 || x.distance === 2) && (x.ms === undefined || nonNeg(x.ms)));
    case 'lostHits':
      return isObj(v) && Number.isSafeInteger(v.late) && (v.late as number) >= 0 && Number.isSafeInteger(v.forgotten) && (v.forgotten as number) >= 0;
    case 'bytes':
      return isObj(v) && nonNeg(v.server) && nonNeg(v.p2p) && nonNeg(v.cache);
    case 'trackerAnswer':
      return v === null || (isObj(v) && Number.isSafeInteger(v.peers) && (v.peers as number) >= 0);
    case 'upnp':
      return isObj(v) && (v.ok === false ? typeof v.error === 'string' : v.ok === true && typeof v.externalAddress === 'string' && Number.isSafeInteger(v.externalPort));
  }
}

/** null if `r` is a well-formed report, else what is wrong with it */
export function reportProblem(r: unknown): string | null {
  if (!isObj(r)) return 'a report must be an object';
  if (!REPORT_TYPES.includes(r.type as Report['type'])) return `unknown report type ${JSON.stringify(r.type)}; valid: ${REPORT_TYPES.join(', ')}`;
  const fields = { ...BASE, ...FIELDS[r.type as Report['type']] };
  for (const [k, kind] of Object.entries(fields)) {
    if (!Object.hasOwn(r, k)) return `${r.type} report without "${k}"`;
    if (!ok(kind, r[k])) return `${r.type} report: "${k}" is not a valid ${kind}`;
  }
  for (const k of Object.keys(r)) {
    if (k === 'type' || Object.hasOwn(fields, k)) continue;
    if (Object.hasOwn(OPTIONAL, k) && ok(OPTIONAL[k], r[k])) continue;
    const later = LATER[r.type as Report['type']];
    if (later && Object.hasOwn(later, k)) {
      if (ok(later[k], r[k])) continue;
      return `${r.type} report: "${k}" is not a valid ${later[k]}`;
    }
    return `${r.type} report: unknown field "${k}"`;
  }
  return null;
}
