// Seeded randomness that every runtime derives the same way, so that a peer's draws in a container,
// in a process on loopback and in the simulation come from the same stream for the same run seed:
// above all which data centre a Norwegian peer's DNS answer sends it to (the paper: either, at
// random). With Math.random in the containers and a seeded stream in the simulation, the two
// runtimes put different peers in each half of the overlay, and on a small testbed that alone
// moved overlay search success by several points (docs/simulation.md, "Checked against the
// emulation").

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit number from a name (FNV-1a over UTF-16 code units): a seed per name that does not depend on the order names come in. */
export function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** the seed of a peer's own draws (policies, identity), from the run's seed and the peer's name in the placement */
export const peerSeed = (runSeed: number, peer: string): number => (runSeed ^ hashName(peer)) >>> 0;

/** the seed of a data centre's draws (the tracker's answers), from the run's seed and its place in DCS */
export const dcSeed = (runSeed: number, index: number): number => (runSeed ^ (0xdc0 + index)) >>> 0;

/**
 * A peer's choice of data centre, one draw per DNS answer, from a stream of its own: how many
 * other draws the peer made before a (re)connect depends on timing, which differs between runtimes.
 */
export const dnsRandom = (peerSeedValue: number): (() => number) => seededRandom(peerSeedValue ^ 0xd25);

/**
 * RFC 2782's weighted pick among equally preferred targets, in name order so that the order of an
 * answer's records does not matter: with equal weights, target k of n when k/n <= r < (k+1)/n.
 */
export function pickWeighted<T extends { name: string; weight: number }>(pool: readonly T[], r: number): T {
  if (pool.length === 0) throw new Error('nothing to pick from');
  const sorted = [...pool].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const total = sorted.reduce((n, x) => n + x.weight, 0);
  if (total === 0) return sorted[Math.floor(r * sorted.length)];
  let x = r * total;
  for (const t of sorted) {
    x -= t.weight;
    if (x < 0) return t;
  }
  return sorted[sorted.length - 1];
}
