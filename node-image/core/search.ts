// Overlay search memory: a peer remembers the most recent query ids it has seen (the paper: 50)
// and ignores a query it has seen before; it also remembers which neighbour a query came from, so
// an answer from distance 2 travels back along the same link to the searcher.

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
