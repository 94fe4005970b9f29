// Protocol parameters with the values the paper (and its reference [1]) gives. Experiments
// override any of them (a variant's `params`), and the programs get them within the resolved
// protocol (--protocol JSON, node-image/contract.ts). Durations are in workload ms: they scale with
// the clock.

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
  /** chunks in flight per peer */
  peerPipeline: number;
  /**
   * consecutive chunks one request to a peer may ask for, answered in one `chunk` (1: a request per
   * chunk, as the programs run). The simulation's `peerData: runs` model raises it (docs/simulation.md)
   */
  peerRunChunks: number;
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
  /**
   * consecutive chunks one such request may ask for (1: a request per chunk, as the programs run).
   * The simulation's `serverData: runs` model raises it to cut the events per play (docs/simulation.md)
   */
  serverRunChunks: number;
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
  /**
   * bytes a data centre may hold over all its connections at once: frames partly received and
   * outgoing queues. Past it the connections holding the most are closed first (core/dc.ts)
   */
  dcBufferBytes: number;
}

const defaultParams: ProtocolParams = {
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
  peerRunChunks: 1,
  uploadSlots: 4,
  uploadActiveMs: 2_000,
  candidatePeers: 4,
  peerFailureLimit: 3,
  serverWindowChunks: 16,
  serverRunChunks: 1,
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
  // docs/multi-host.md leaves the services host about 1 GB for its two data centres under load:
  // 512 MB each, of which half is held bytes, the rest the process itself (77 MB idle) and what
  // allocation adds to the bytes. It is still a full server head and window (about 1.2 MB at q9)
  // unread by each of 200 clients at once (docs/architecture.md, "The data centre's limits")
  dcBufferBytes: 256 << 20,
};

/** counts and sizes: whole numbers */
const INTEGER = new Set<keyof ProtocolParams>([
  'softLimit',
  'hardLimit',
  'pruneHeadroom',
  'trackerKeep',
  'trackerAnswer',
  'searchMemory',
  'searchDepth',
  'chunkBytes',
  'peerPipeline',
  'peerRunChunks',
  'uploadSlots',
  'candidatePeers',
  'peerFailureLimit',
  'serverWindowChunks',
  'serverRunChunks',
  'serverFrameBytes',
  'cacheBytes',
  'maxFrameBytes',
  'maxQueuedBytes',
  'maxConnections',
  'dcBufferBytes',
]);
/** the only parameters that may be 0 (a mechanism switched off, or no wait); every other must be > 0 */
const ZERO_OK = new Set<keyof ProtocolParams>(['pruneHeadroom', 'prefetchSec', 'emergencySec', 'startBufferSec', 'firstNeighbourReportMs', 'serverHeadSec', 'serverAheadSec', 'searchWaitMs']);
/** room in a frame for its header beside a chunk */
const FRAME_HEADROOM = 4096;

/** the most chunks one `chunk` frame may carry under these parameters: what a peer serves in one answer */
export function chunksPerFrame(p: ProtocolParams): number {
  return Math.floor((p.maxFrameBytes - FRAME_HEADROOM) / p.chunkBytes);
}

/**
 * Merge overrides, rejecting unknown names and values that cannot work (a 0-byte chunk, a
 * keep-alive slower than its own deadline), each error with the valid range, before anything runs.
 */
export function resolveParams(overrides: Record<string, unknown> = {}): ProtocolParams {
  const out: ProtocolParams = { ...defaultParams };
  for (const [k, v] of Object.entries(overrides)) {
    if (!Object.hasOwn(defaultParams, k)) {
      throw new Error(`unknown protocol parameter "${k}"; valid: ${Object.keys(defaultParams).join(', ')}`);
    }
    const key = k as keyof ProtocolParams;
    const whole = INTEGER.has(key) ? 'a whole number' : 'a number';
    const range = ZERO_OK.has(key) ? `${whole} >= 0` : `${whole} > 0`;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v === 0 && !ZERO_OK.has(key)) || (INTEGER.has(key) && !Number.isInteger(v))) {
      throw new Error(`protocol parameter "${k}" must be ${range}, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  const rules: [boolean, string][] = [
    [out.softLimit <= out.hardLimit, `softLimit (${out.softLimit}) must not exceed hardLimit (${out.hardLimit})`],
    [out.pruneHeadroom <= out.softLimit, `pruneHeadroom (${out.pruneHeadroom}) must not exceed softLimit (${out.softLimit})`],
    [out.searchDepth <= 8, `searchDepth (${out.searchDepth}) must be 1 to 8 (the paper: 2)`],
    [
      out.chunkBytes <= out.maxFrameBytes - FRAME_HEADROOM,
      `chunkBytes (${out.chunkBytes}) must leave room for a header in a frame: at most maxFrameBytes - ${FRAME_HEADROOM} = ${out.maxFrameBytes - FRAME_HEADROOM}`,
    ],
    [
      out.serverFrameBytes <= out.maxFrameBytes - FRAME_HEADROOM,
      `serverFrameBytes (${out.serverFrameBytes}) must be at most maxFrameBytes - ${FRAME_HEADROOM} = ${out.maxFrameBytes - FRAME_HEADROOM}`,
    ],
    [out.peerRunChunks <= out.peerPipeline, `peerRunChunks (${out.peerRunChunks}) must not exceed peerPipeline (${out.peerPipeline}): a run is chunks in flight to one peer`],
    [
      out.peerRunChunks * out.chunkBytes <= out.maxFrameBytes - FRAME_HEADROOM,
      `peerRunChunks × chunkBytes (${out.peerRunChunks * out.chunkBytes}) must fit a frame: at most maxFrameBytes - ${FRAME_HEADROOM} = ${out.maxFrameBytes - FRAME_HEADROOM}`,
    ],
    [out.keepaliveMs < out.deadAfterMs, `keepaliveMs (${out.keepaliveMs}) must be below deadAfterMs (${out.deadAfterMs}), or every quiet connection dies`],
    [out.reconnectMinMs <= out.reconnectMaxMs, `reconnectMinMs (${out.reconnectMinMs}) must not exceed reconnectMaxMs (${out.reconnectMaxMs})`],
    [out.maxQueuedBytes >= 2 * out.maxFrameBytes, `maxQueuedBytes (${out.maxQueuedBytes}) must hold at least two frames (2 × maxFrameBytes = ${2 * out.maxFrameBytes})`],
    [
      out.dcBufferBytes >= out.maxQueuedBytes + out.maxFrameBytes,
      `dcBufferBytes (${out.dcBufferBytes}) must hold one connection at both of its own limits (maxQueuedBytes + maxFrameBytes = ${out.maxQueuedBytes + out.maxFrameBytes}), or the data centre's budget closes a connection its own limits allow`,
    ],
  ];
  const broken = rules.filter(([ok]) => !ok).map(([, why]) => why);
  if (broken.length) throw new Error(broken.join('; '));
  return out;
}
