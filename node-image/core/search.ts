// Overlay search memory: a peer remembers the most recent query ids it has seen (the paper: 50)
// and ignores a query it has seen before; it also remembers which neighbour a query came from, so
// an answer from distance 2 travels back along the same link to the searcher.

export class QueryMemory<Link> {
  private readonly seen = new Map<string, Link | null>();
  constructor(private readonly size: number) {}

  /** false if the query was seen already (drop it); true and remember it otherwise */
  remember(qid: string, from: Link | null): boolean {
    if (this.seen.has(qid)) return false;
    this.seen.set(qid, from);
    if (this.seen.size > this.size) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  /** the neighbour a remembered query came from (null: it is our own), undefined if forgotten */
  cameFrom(qid: string): Link | null | undefined {
    return this.seen.get(qid);
  }
}
