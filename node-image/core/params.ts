// Protocol parameters with the values the paper (and its reference [1]) gives. Experiments
// override any of them (--params JSON). Durations are in workload ms: they scale with the clock.

export interface ProtocolParams {
  /** no new outgoing peer connections above this many neighbours (paper: 50) */
  softLimit: number;
  /** never more neighbours than this; incoming refused above it (paper: 60) */
  hardLimit: number;
  /** pruning goes down to softLimit - pruneHeadroom, leaving room for new connections */
  pruneHeadroom: number;
  pruneIntervalMs: number;
  /** tracker: peers kept per track (paper: 20) and answered per query (paper: 10) */
  trackerKeep: number;
  trackerAnswer: number;
  /** overlay search: query ids remembered (paper: 50), hops (paper: 2) */
  searchMemory: number;
  searchDepth: number;
  /** how long a searcher waits for overlay answers and the tracker, real ms */
  searchWaitMs: number;
  chunkBytes: number;
  /** audio the server sends at once on a play, and keeps ahead while peers serve (s of audio) */
  serverHeadSec: number;
  serverAheadSec: number;
  /** prefetch the next playlist track when this much audio of the current one remains */
  prefetchSec: number;
  /** below this much buffered audio: emergency mode (no uploads, fetch from the server) */
  emergencySec: number;
  /** audio buffered before playback starts */
  startBufferSec: number;
  /** a chunk request to a peer not answered within this many real ms moves elsewhere */
  peerRequestTimeoutMs: number;
  /** requests in flight per peer */
  peerPipeline: number;
  /** peers a client uploads to at once */
  uploadSlots: number;
  /** a neighbour served within this many real ms holds an upload slot */
  uploadActiveMs: number;
  /** candidates a download connects to at once; more are tried as others fail */
  candidatePeers: number;
  /** failed or slow requests after which a download stops asking a peer */
  peerFailureLimit: number;
  /** chunk requests in flight to the server when no peer serves a track */
  serverWindowChunks: number;
  /** how long a client waits for the tracker's answer, real ms */
  trackerWaitMs: number;
  /** largest payload of one `data` frame from the server: bulk goes in pieces so interactive frames interleave */
  serverFrameBytes: number;
  /** neighbour count report period after login (paper: 30 min); the first comes soon after login */
  neighbourReportMs: number;
  firstNeighbourReportMs: number;
  /** keep-alives, real ms: they detect dead TCP connections, which does not scale with the workload */
  keepaliveMs: number;
  deadAfterMs: number;
  connectTimeoutMs: number;
  /** reversal: how long the connecter waits for the connectee to dial back, real ms */
  reversalWaitMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** client cache limit, bytes */
  cacheBytes: number;
  /** biggest frame accepted on any connection */
  maxFrameBytes: number;
  /** bytes a connection's outgoing queue may hold for a peer that does not read, before it is closed */
  maxQueuedBytes: number;
  /** real ms a frame may take to arrive once begun (slowloris) */
  partialFrameMs: number;
  /** client connections a data centre holds at once; more are closed at once */
  maxConnections: number;
}

export const defaultParams: ProtocolParams = {
  softLimit: 50,
  hardLimit: 60,
  pruneHeadroom: 5,
  pruneIntervalMs: 5 * 60_000,
  trackerKeep: 20,
  trackerAnswer: 10,
  searchMemory: 50,
  searchDepth: 2,
  searchWaitMs: 300,
  chunkBytes: 16 * 1024,
  serverHeadSec: 15,
  serverAheadSec: 15,
  prefetchSec: 30,
  emergencySec: 3,
  startBufferSec: 1,
  peerRequestTimeoutMs: 1500,
  peerPipeline: 4,
  uploadSlots: 4,
  uploadActiveMs: 2_000,
  candidatePeers: 4,
  peerFailureLimit: 3,
  serverWindowChunks: 16,
  trackerWaitMs: 1_200,
  serverFrameBytes: 16 * 1024,
  neighbourReportMs: 30 * 60_000,
  firstNeighbourReportMs: 60_000,
  keepaliveMs: 2_000,
  deadAfterMs: 6_000,
  connectTimeoutMs: 3_000,
  reversalWaitMs: 4_000,
  reconnectMinMs: 200,
  reconnectMaxMs: 5_000,
  cacheBytes: 1 << 30,
  maxFrameBytes: 1 << 20,
  maxQueuedBytes: 8 << 20,
  partialFrameMs: 5_000,
  maxConnections: 5_000,
};

/** Merge overrides, rejecting unknown names and non-positive numbers with a clear message. */
export function resolveParams(overrides: Record<string, unknown> = {}): ProtocolParams {
  const out: ProtocolParams = { ...defaultParams };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in defaultParams)) {
      throw new Error(`unknown protocol parameter "${k}"; valid: ${Object.keys(defaultParams).join(', ')}`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new Error(`protocol parameter "${k}" must be a non-negative number, got ${JSON.stringify(v)}`);
    }
    (out as unknown as Record<string, number>)[k] = v;
  }
  if (out.softLimit > out.hardLimit) throw new Error(`softLimit (${out.softLimit}) must not exceed hardLimit (${out.hardLimit})`);
  return out;
}
