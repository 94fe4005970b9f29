// Every message of the protocol, client<->data centre and peer<->peer, with the shape each must
// have. The codec checks a decoded header against this table, so a frame that names a known type
// but carries wrong fields is rejected at the boundary like a malformed one.

import type { Quality, Report } from './reports.ts';

export interface PeerAddress {
  id: string;
  host: string;
  port: number;
}

export interface MessageMap {
  // client <-> data centre
  /** `credential`: the machine's, where the run has a secret (core/credential.ts) */
  login: { clientId: string; user: string; country: string; listenHost: string; listenPort: number; credential?: string };
  loginOk: { dc: string; seenAddress: string };
  report: { seq: number; report: Report };
  reportAck: { seq: number };
  trackerQuery: { qid: number; track: number; quality: Quality };
  trackerAnswer: { qid: number; peers: PeerAddress[] };
  trackerAnnounce: { track: number; quality: Quality };
  dataRequest: { rid: number; track: number; quality: Quality; offset: number; length: number };
  data: { rid: number; offset: number };
  reverse: { target: string };
  reverseRequest: { from: PeerAddress };
  reverseFailed: { target: string };
  logout: Record<string, never>;
  // both
  ping: Record<string, never>;
  pong: Record<string, never>;
  // peer <-> peer
  hello: { clientId: string; host: string; port: number; dc: string };
  bye: { reason: string };
  search: { qid: string; track: number; quality: Quality; ttl: number };
  searchHit: { qid: string; track: number; quality: Quality; peer: PeerAddress; distance: number };
  /** `count` chunks from `index` on in one `chunk` (absent: one; the programs never ask for more, see params.peerRunChunks) */
  chunkRequest: { rid: number; track: number; quality: Quality; index: number; count?: number };
  chunk: { rid: number; index: number };
  chunkDenied: { rid: number; reason: string };
}

export type MessageType = keyof MessageMap;
export type Message = { [K in MessageType]: { type: K; body: MessageMap[K]; payload?: Buffer } }[MessageType];
export type MessageOf<K extends MessageType> = { type: K; body: MessageMap[K]; payload?: Buffer };

/** Priorities for the outgoing queue: lower goes first. Interactive before control before bulk. */
const PRIORITY = { interactive: 0, control: 1, bulk: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

export function priorityOf(type: MessageType): Priority {
  switch (type) {
    case 'data':
    case 'chunk':
      return PRIORITY.bulk;
    case 'report':
    case 'reportAck':
    case 'trackerAnnounce':
      return PRIORITY.control;
    default:
      return PRIORITY.interactive;
  }
}

/**
 * `count` is a whole number of at least 1 that may be absent (a frame without it is as the
 * protocol's first version wrote it); `optionalString` a string that may be absent, likewise
 */
type FieldKind = 'string' | 'optionalString' | 'int' | 'count' | 'quality' | 'object' | 'peer' | 'peers';
const int = 'int' as const;
const str = 'string' as const;
const q = 'quality' as const;

const SCHEMA: { [K in MessageType]: Record<keyof MessageMap[K], FieldKind> } = {
  login: { clientId: str, user: str, country: str, listenHost: str, listenPort: int, credential: 'optionalString' },
  loginOk: { dc: str, seenAddress: str },
  report: { seq: int, report: 'object' },
  reportAck: { seq: int },
  trackerQuery: { qid: int, track: int, quality: q },
  trackerAnswer: { qid: int, peers: 'peers' },
  trackerAnnounce: { track: int, quality: q },
  dataRequest: { rid: int, track: int, quality: q, offset: int, length: int },
  data: { rid: int, offset: int },
  reverse: { target: str },
  reverseRequest: { from: 'peer' },
  reverseFailed: { target: str },
  logout: {},
  ping: {},
  pong: {},
  hello: { clientId: str, host: str, port: int, dc: str },
  bye: { reason: str },
  search: { qid: str, track: int, quality: q, ttl: int },
  searchHit: { qid: str, track: int, quality: q, peer: 'peer', distance: int },
  chunkRequest: { rid: int, track: int, quality: q, index: int, count: 'count' },
  chunk: { rid: int, index: int },
  chunkDenied: { rid: int, reason: str },
};

/** Wire codes, fixed forever: never renumber, only append. */
export const TYPE_CODES: MessageType[] = [
  'login',
  'loginOk',
  'report',
  'reportAck',
  'trackerQuery',
  'trackerAnswer',
  'trackerAnnounce',
  'dataRequest',
  'data',
  'reverse',
  'reverseRequest',
  'reverseFailed',
  'logout',
  'ping',
  'pong',
  'hello',
  'bye',
  'search',
  'searchHit',
  'chunkRequest',
  'chunk',
  'chunkDenied',
];

function isPeer(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const p = v as Record<string, unknown>;
  return typeof p.id === 'string' && typeof p.host === 'string' && Number.isInteger(p.port) && (p.port as number) >= 0 && (p.port as number) < 65536;
}

/** null if `body` has the fields `type` needs, else what is wrong. Extra fields are refused. */
export function checkBody(type: MessageType, body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return `${type}: body is not an object`;
  const spec = SCHEMA[type] as Record<string, FieldKind>;
  const b = body as Record<string, unknown>;
  // own keys only: "constructor" or "__proto__" are in every object's prototype, and are refused like any other unknown field
  for (const k of Object.keys(b)) if (!Object.hasOwn(spec, k)) return `${type}: unexpected field "${k}"`;
  for (const [k, kind] of Object.entries(spec)) {
    const v = b[k];
    const ok =
      kind === 'string'
        ? typeof v === 'string' && v.length <= 4096
        : kind === 'optionalString'
          ? v === undefined || (typeof v === 'string' && v.length <= 4096)
          : kind === 'int'
            ? Number.isSafeInteger(v) && (v as number) >= 0
            : kind === 'count'
              ? v === undefined || (Number.isSafeInteger(v) && (v as number) >= 1)
              : kind === 'quality'
                ? v === 'q5' || v === 'q9'
                : kind === 'object'
                  ? !!v && typeof v === 'object' && !Array.isArray(v)
                  : kind === 'peer'
                    ? isPeer(v)
                    : Array.isArray(v) && v.length <= 100 && v.every(isPeer);
    if (!ok) return `${type}: field "${k}" must be ${kind}, got ${JSON.stringify(v)?.slice(0, 60)}`;
  }
  return null;
}
