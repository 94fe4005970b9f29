// The protocol's decisions as named policies (docs/architecture.md, "Variants"). Each decision
// the paper describes is one small object behind one interface, registered here by name; the
// client and the data centre are given the chosen objects, so an experiment compares variants by
// naming them and the default is always the paper's behaviour.
//
//   peerChoice  which connected peer gets the next chunk request
//   pruning     which neighbours go when the client is above its soft limit
//   tracker     what the tracker keeps per track and whom it answers
//   discovery   how peers are looked for on a play: tracker, overlay search, or both
//
// Beside them, `features` switch whole mechanisms on or off (UPnP, connection reversal,
// prefetch, emergency mode, peer-to-peer at all: `p2p: false` is the server-only baseline).

import { type NeighbourStats, pruneVictims } from './neighbours.ts';
import { type ProtocolParams, resolveParams } from './params.ts';

// ---- peer choice ----------------------------------------------------------------------------

/** A connected candidate for the next chunk, with what the client knows about it. */
export interface PeerOption {
  id: string;
  /** requests to it in flight now */
  inFlight: number;
  /** measured bytes per real ms (an optimistic prior before any chunk arrived) */
  bytesPerMs: number;
  /** round trip of the connection's keep-alives, real ms; null before the first pong */
  rttMs: number | null;
}

interface PeerChoicePolicy {
  readonly name: string;
  /** the peer for one chunk of `chunkBytes`, among `options` (all below their pipeline limit) */
  pick(options: readonly PeerOption[], chunkBytes: number, random: () => number): string | null;
}

const lowest = <T>(xs: readonly T[], key: (x: T) => number): T | null => {
  let best: T | null = null;
  let bestKey = Infinity;
  for (const x of xs) {
    const k = key(x);
    if (k < bestKey) [best, bestKey] = [x, k];
  }
  return best;
};

const peerChoices: Record<string, PeerChoicePolicy> = {
  /** Kreitz & Niemelä: the lowest expected download time, counting the requests already queued */
  edt: { name: 'edt', pick: (os, chunk) => lowest(os, (o) => ((o.inFlight + 1) * chunk) / o.bytesPerMs)?.id ?? null },
  random: { name: 'random', pick: (os, _c, random) => (os.length ? os[Math.floor(random() * os.length)].id : null) },
  /** nearest first; a peer with no measured round trip yet counts as far (Infinity) */
  'lowest-rtt': { name: 'lowest-rtt', pick: (os) => lowest(os, (o) => (o.rttMs ?? Infinity) + o.inFlight * 1e-6)?.id ?? os[0]?.id ?? null },
};

/** Fisher-Yates, in place, by the given generator */
function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

// ---- pruning --------------------------------------------------------------------------------

interface PrunedNeighbour {
  id: string;
  stats: NeighbourStats;
  /** workload ms when the connection was made */
  since: number;
}

interface PruningPolicy {
  readonly name: string;
  /** the neighbours to disconnect so that `target` remain */
  victims(ns: readonly PrunedNeighbour[], now: number, target: number, random: () => number): string[];
}

const prunings: Record<string, PruningPolicy> = {
  /** the paper's six ranked criteria (core/neighbours.ts) */
  paper: { name: 'paper', victims: (ns, now, target) => pruneVictims(new Map(ns.map((n) => [n.id, n.stats])), now, target) },
  random: {
    name: 'random',
    victims: (ns, _now, target, random) =>
      shuffle(
        ns.map((n) => n.id),
        random,
      ).slice(0, Math.max(0, ns.length - target)),
  },
  oldest: {
    name: 'oldest',
    victims: (ns, _now, target) =>
      [...ns]
        .sort((a, b) => a.since - b.since)
        .slice(0, Math.max(0, ns.length - target))
        .map((n) => n.id),
  },
};

// ---- tracker --------------------------------------------------------------------------------

export interface TrackerPolicy {
  readonly name: string;
  /** the list kept for a track after `peer` announced it (most recent first) */
  keep(list: readonly string[], peer: string, keep: number): string[];
  /** up to `answer` peers of `online` (the kept list filtered to online peers, most recent first) */
  answer(online: string[], answer: number, random: () => number): string[];
}

const trackers: Record<string, TrackerPolicy> = {
  /** the paper: the 20 most recent announcers, a random 10 of those online */
  recent: { name: 'recent', keep: (list, peer, keep) => [peer, ...list.filter((p) => p !== peer)].slice(0, keep), answer: (online, n, random) => shuffle(online, random).slice(0, n) },
  /** every peer that ever announced the track is kept; a random `answer` of those online */
  'random-online': { name: 'random-online', keep: (list, peer) => [peer, ...list.filter((p) => p !== peer)], answer: (online, n, random) => shuffle(online, random).slice(0, n) },
};

// ---- discovery ------------------------------------------------------------------------------

interface DiscoveryPolicy {
  readonly name: string;
  tracker: boolean;
  overlay: boolean;
}

const discoveries: Record<string, DiscoveryPolicy> = {
  'tracker+overlay': { name: 'tracker+overlay', tracker: true, overlay: true },
  tracker: { name: 'tracker', tracker: true, overlay: false },
  overlay: { name: 'overlay', tracker: false, overlay: true },
};

// ---- the registry and a protocol variant ----------------------------------------------------

export const REGISTRY = { peerChoice: peerChoices, pruning: prunings, tracker: trackers, discovery: discoveries } as const;
export type PolicyKind = keyof typeof REGISTRY;

export interface Features {
  /** clients ask their home router for a port mapping (where the router offers one) */
  upnp: boolean;
  /** a peer that cannot be dialled is asked, through the server, to dial back */
  reversal: boolean;
  /** the next playlist track is fetched while the current one ends */
  prefetch: boolean;
  /** low buffer: stop serving others, fetch urgent chunks from the server */
  emergency: boolean;
  /** false: the server-only baseline, no peer-to-peer at all (no discovery, serving or announces) */
  p2p: boolean;
}

export const defaultFeatures: Features = { upnp: true, reversal: true, prefetch: true, emergency: true, p2p: true };
const defaultPolicies: Record<PolicyKind, string> = { peerChoice: 'edt', pruning: 'paper', tracker: 'recent', discovery: 'tracker+overlay' };

/** What an experiment's `protocol:` block says, as plain data (it travels to the programs as JSON). */
export interface ProtocolSpec {
  policies?: Partial<Record<PolicyKind, string>>;
  features?: Partial<Features>;
  params?: Record<string, unknown>;
}

/** A resolved variant: the policy objects, the features and every parameter. */
export interface Protocol {
  peerChoice: PeerChoicePolicy;
  pruning: PruningPolicy;
  tracker: TrackerPolicy;
  discovery: DiscoveryPolicy;
  features: Features;
  params: ProtocolParams;
}

export class ProtocolSpecError extends Error {
  /** the field that is wrong, as a path (`policies.peerChoice`), for a config error to point at */
  constructor(
    readonly field: string[],
    message: string,
  ) {
    super(message);
  }
}

/** The spec with every default filled in and every name checked; errors list the valid names. */
export function resolveProtocol(spec: ProtocolSpec = {}): Protocol {
  for (const k of Object.keys(spec)) {
    if (!['policies', 'features', 'params'].includes(k)) throw new ProtocolSpecError([k], `unknown protocol field "${k}"; valid: policies, features, params`);
  }
  const names = { ...defaultPolicies, ...spec.policies };
  for (const [kind, name] of Object.entries(names)) {
    if (!(kind in REGISTRY)) throw new ProtocolSpecError(['policies', kind], `unknown policy kind "${kind}"; valid: ${Object.keys(REGISTRY).join(', ')}`);
    const reg = REGISTRY[kind as PolicyKind] as Record<string, unknown>;
    if (typeof name !== 'string' || !Object.hasOwn(reg, name)) {
      throw new ProtocolSpecError(['policies', kind], `unknown ${kind} policy ${JSON.stringify(name)}; valid: ${Object.keys(reg).join(', ')}`);
    }
  }
  const features = { ...defaultFeatures };
  for (const [k, v] of Object.entries(spec.features ?? {})) {
    if (!Object.hasOwn(defaultFeatures, k)) throw new ProtocolSpecError(['features', k], `unknown feature "${k}"; valid: ${Object.keys(defaultFeatures).join(', ')}`);
    if (typeof v !== 'boolean') throw new ProtocolSpecError(['features', k], `feature "${k}" must be true or false, got ${JSON.stringify(v)}`);
    features[k as keyof Features] = v;
  }
  let params: ProtocolParams;
  try {
    params = resolveParams(spec.params ?? {});
  } catch (err) {
    throw new ProtocolSpecError(['params'], (err as Error).message);
  }
  return {
    peerChoice: peerChoices[names.peerChoice],
    pruning: prunings[names.pruning],
    tracker: trackers[names.tracker],
    discovery: discoveries[names.discovery],
    features,
    params,
  };
}

/** The variant in words and as data, for run.json and report.md. */
export function describeProtocol(p: Protocol): { policies: Record<PolicyKind, string>; features: Features; params: ProtocolParams; text: string } {
  const policies = { peerChoice: p.peerChoice.name, pruning: p.pruning.name, tracker: p.tracker.name, discovery: p.discovery.name };
  const off = Object.entries(p.features)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  const text = !p.features.p2p
    ? 'server only (no peer-to-peer)'
    : `peer choice ${policies.peerChoice}, pruning ${policies.pruning}, tracker ${policies.tracker}, discovery ${policies.discovery} (search radius ${p.params.searchDepth})${off.length ? `; off: ${off.join(', ')}` : ''}`;
  return { policies, features: p.features, params: p.params, text };
}
