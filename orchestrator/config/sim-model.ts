// The simulated runtime's choice of models, named in an experiment (`sim:`) and kept in run.json.

/**
 * Which model of a part of the system the simulation runs (docs/simulation.md, "Models"). Each
 * part defaults to the finest, the protocol as the programs run it; a coarser one is selectable
 * where the crosscheck against it keeps every summary figure within docs/time-scale.md's tolerances.
 */
export interface SimModel {
  /** eager: every connection's keep-alive pings (the protocol's); lazy: the network says when a path goes silent (liveness.ts) */
  keepalives: 'eager' | 'lazy';
}
export const MESSAGE_MODEL: SimModel = { keepalives: 'eager' };

/** "keepalives lazy", or "" for the message-level model: what a run's label says of its model */
export function describeModel(m: SimModel | undefined): string {
  return m && m.keepalives !== MESSAGE_MODEL.keepalives ? `keepalives ${m.keepalives}` : '';
}
