// Overlay search memory: a peer remembers the most recent query ids it has seen (the paper: 50)
// and ignores a query it has seen before; it also remembers which neighbour a query came from, so
// an answer from distance 2 travels back along the same link to the searcher.
import type { PeerAddress } from './messages.ts';
import type { Quality } from './reports.ts';

/** what the memory says of a query that came over a link since closed: its answer has no way back */
export const CLOSED = false;

export class QueryMemory<Link> {
  private readonly seen = new Map<string, Link | null | typeof CLOSED>();
  constructor(private readonly size: number) {}

  /** false if the query was seen already (drop it); true and remember it otherwise */
  remember(qid: string, from: Link | null): boolean {
    if (this.seen.has(qid)) return false;
    this.seen.set(qid, from);
    if (this.seen.size > this.size) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  /** the neighbour a remembered query came from (null: it is our own; CLOSED: its link closed), undefined if forgotten */
  cameFrom(qid: string): Link | null | typeof CLOSED | undefined {
    return this.seen.get(qid);
  }

  /**
   * A link closed: its queries stay remembered (a copy arriving over another link is still a
   * duplicate) but the memory lets go of the link. Holding it kept the closed connection, its
   * buffers and its statistics alive until `size` newer queries came — for a peer that went
   * offline, for the rest of the run: in a simulation of thousands of peers, most of the heap.
   */
  release(link: Link): void {
    for (const [qid, from] of this.seen) if (from === link) this.seen.set(qid, CLOSED);
  }
}

/**
 * A peer as a search walk sees it: what a flood's messages would have asked it. The overlay is
 * one; the simulation's walk (orchestrator/runtime/sim/search-walk.ts) reads the graph through it.
 */
export interface WalkNode {
  readonly id: string;
  /** the neighbours a query from here goes to: every open link */
  neighbourIds(): Iterable<string>;
  /** would answer a query for the track: holds it complete */
  holds(track: number, quality: Quality): boolean;
  /** what a hit from here names */
  address(): PeerAddress;
  /**
   * a hit from neighbour `from` for a query that came over the link to `to` passes through here:
   * counted on the link it came over, as the flood's relay counts it; false if either link has
   * closed since (the hit goes no further)
   */
  relay(from: string, to: string): boolean;
  /** a hit to our own query `qid` came over the link to `via` */
  walkHit(qid: string, via: string, peer: PeerAddress, distance: number): void;
}

/**
 * A model that answers a radius-limited search by walking the neighbour graph at send time
 * instead of flooding it with messages: it schedules only the hits, at the times the flood's
 * messages would bring them (docs/simulation.md, Models). Absent, the overlay floods.
 */
export interface SearchWalk {
  join(node: WalkNode): void;
  search(from: WalkNode, qid: string, track: number, quality: Quality, depth: number): void;
}
