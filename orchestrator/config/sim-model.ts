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
   * flood: the overlay search's queries and hits as messages (the protocol's); walk: worked out over
   * the neighbour graph when it is sent, only the hits scheduled (runtime/sim/search-walk.ts)
   */
  search: 'flood' | 'walk';
}
export const MESSAGE_MODEL: SimModel = { keepalives: 'eager', serverData: 'chunks', search: 'flood' };

/** each part's models, the protocol's first: what a command line may name (the schema's enums say the same) */
export const SIM_MODELS: { [K in keyof SimModel]: readonly SimModel[K][] } = {
  keepalives: ['eager', 'lazy'],
  serverData: ['chunks', 'runs'],
  search: ['flood', 'walk'],
};

/**
 * Chunks per server run in the `runs` model: half the protocol's window of 16 chunks in flight, so
 * that more than one run is under way and the link does not wait a round trip between them.
 */
export const RUN_CHUNKS = 8;

/** "keepalives lazy, serverData runs", or "" for the message-level model: what a run's label says of its model */
export function describeModel(m: Partial<SimModel> | undefined): string {
  if (!m) return '';
  return (Object.keys(MESSAGE_MODEL) as (keyof SimModel)[])
    .filter((k) => m[k] !== undefined && m[k] !== MESSAGE_MODEL[k])
    .map((k) => `${k} ${m[k]}`)
    .join(', ');
}
