// What Spotify measured, for the figures the testbed puts beside its own: Kreitz & Niemelä,
// "Spotify - large scale, low latency, P2P music-on-demand streaming", P2P 2010 (the paper's [1]),
// measured on the live service (then over 7 million users, over 8 million tracks).
export const KN2010 = {
  /** shares of played bytes by source */
  shares: { server: 0.088, p2p: 0.358, cache: 0.554 },
  /** searches for which the tracker, and the overlay, answered with peers */
  tracker: 0.841,
  overlay: 0.821,
  /** playback latency, ms, cached tracks included */
  latencyMs: { p50: 265, p75: 515, p90: 1047 },
} as const;
