// The simulated runtime's choice of models, named in an experiment (`sim:`) and kept in run.json.

/**
 * Which model of a part of the system the simulation runs (docs/simulation.md, "Models"). Each
 * part defaults to the finest, the protocol as the programs run it; a coarser one is selectable
 * where the crosscheck against it keeps every summary figure within docs/time-scale.md's tolerances.
 */
export interface SimModel {
  /** eager: every connection's keep-alive pings (the protocol's); lazy: the network says when a path goes silent (liveness.ts) */
  keepalives: 'eager' | 'lazy';
  /**
   * chunks: a request and a `data` message per chunk from the server (the protocol's); runs: where
   * the server streams a track alone, a request and a message per run of RUN_CHUNKS chunks
   */
  serverData: 'chunks' | 'runs';
  /**
   * chunks: a request and a `chunk` message per chunk from a peer (the protocol's); runs: a request
   * and a message per run of up to PEER_RUN_CHUNKS chunks, within the protocol's pipeline per peer
   */
  peerData: 'chunks' | 'runs';
  /**
   * flood: the overlay search's queries and hits as messages (the protocol's); walk: worked out over
   * the neighbour graph when it is sent, only the hits scheduled (runtime/sim/search-walk.ts)
   */
  search: 'flood' | 'walk';
}
export const MESSAGE_MODEL: SimModel = { keepalives: 'eager', serverData: 'chunks', peerData: 'chunks', search: 'flood' };

/** each part's models, the protocol's first: what a command line may name (the schema's enums say the same) */
export const SIM_MODELS: { [K in keyof SimModel]: readonly SimModel[K][] } = {
  keepalives: ['eager', 'lazy'],
  serverData: ['chunks', 'runs'],
  peerData: ['chunks', 'runs'],
  search: ['flood', 'walk'],
};

/** the command-line flag that names each part's models (testbed crosscheck, bench sim-scale) */
export const MODEL_FLAGS: { [K in keyof SimModel]: string } = { keepalives: '--keepalives', serverData: '--server-data', peerData: '--peer-data', search: '--search' };

/**
 * Chunks per server run in the `runs` model: half the protocol's window of 16 chunks in flight, so
 * that more than one run is under way and the link does not wait a round trip between them.
 */
export const RUN_CHUNKS = 8;

/**
 * Chunks per peer run in the `runs` model: half the protocol's pipeline of 4 chunks per peer, for the
 * same reason: the next run is asked for when the first arrives, so the peer's uplink never waits a
 * round trip (a run of the whole pipeline would leave it idle between runs).
 */
export const PEER_RUN_CHUNKS = 2;

/** "keepalives lazy, serverData runs", or "" for the message-level model: what a run's label says of its model */
export function describeModel(m: Partial<SimModel> | undefined): string {
  if (!m) return '';
  return (Object.keys(MESSAGE_MODEL) as (keyof SimModel)[])
    .filter((k) => m[k] !== undefined && m[k] !== MESSAGE_MODEL[k])
    .map((k) => `${k} ${m[k]}`)
    .join(', ');
}
