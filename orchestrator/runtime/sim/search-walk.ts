// The search as a graph walk: a coarser model of the overlay's radius-2 search, for the simulated
// network only (`sim: { search: walk }` in an experiment; docs/simulation.md, "Models").
//
// The protocol floods: the searcher sends the query to each neighbour, each forwards it once to
// its own neighbours, a peer that has seen the query id drops it, and a peer that holds the track
// answers back along the path the query came by. At 10,000 peers that is ~70 messages a play, and
// up to 50 × 50 a search once peers keep full neighbour lists. Here the search is worked out when
// it is sent: the queries' arrivals in time order over the graph as it is at that instant (a
// peer reached first over two hops, by a path faster than the direct one, answers at distance 2
// and does not forward, as in the flood), and only the hits are scheduled, at the times the
// flood's messages would bring them to the searcher. The relaying neighbour counts the
// hit on its link, and the searcher on its own, as the flood's handlers do (the pruning
// statistics read them).
//
// Each query and hit is put on the links as the network puts a frame: on the sender's uplink behind
// what it holds, across the path with its delay and loss, on the receiver's downlink in arrival
// order. A hit is written hop by hop at the times the flood would write it (an event where the
// holder answers, one where the neighbour relays, one where it arrives: the hits are few), so it
// queues behind what was written before it, such as the server's first chunks to the searcher.
// What it leaves out, against the flood: the graph and the caches are read at the send instant,
// not when each query arrives (milliseconds later); the queries the neighbours forward are put on
// the links when the search is sent, at the times they would be written (network.ts transitAt),
// so they take their place on the receivers' downlinks ahead of frames written in between (tens
// of bytes each); the peers that only forward do not keep the query id in their memory (in the
// flood a peer forgets ids after 50 newer queries; the walk needs none).
import type { Quality } from '../../../node-image/core/reports.ts';
import type { SearchWalk, WalkNode } from '../../../node-image/core/search.ts';
import type { SimClock } from './clock.ts';
import type { SimHost, SimNetwork } from './network.ts';

/** a query's and a hit's bytes on the wire, about what the codec makes of them */
const QUERY_BYTES = 80;
const HIT_BYTES = 160;

/** a joined peer: its node, the host it runs on, and what the search under way knows of it */
interface Member {
  readonly id: string;
  node: WalkNode;
  host: SimHost;
  /** `GraphWalk.stamp` of the search that reached it with hops to go (or that it sent) */
  seenIn: number;
  /** `GraphWalk.stamp` of the search whose last hop reaches it, and that hop's first arrival */
  lastHopIn: number;
  lastHop: number;
}

export class GraphWalk implements SearchWalk {
  private readonly nodes = new Map<string, Member>();
  private readonly hosts = new Map<string, SimHost>();
  /** searches walked, and queries the flood would have sent for them */
  readonly count = { searches: 0, queries: 0, hits: 0 };

  // A search's arrivals, kept from one search to the next: a search sends up to 50 × 50 queries,
  // and objects for them, with a heap of them and a set of the peers seen, were a tenth of the
  // time of 30,000 peers and much of its garbage. Arrival i is the i-th query sent (equal times
  // go in that order, as the flood sends them). Only the arrivals with hops to go, which may
  // forward, need taking in time order: they wait in `queue`, a binary heap of arrival numbers by
  // (time, number). An arrival on the last hop only reaches its peer, or finds it reached: each
  // peer keeps the first of those (`Member.lastHop`), and a peer's arrival from the queue that
  // comes after it finds the peer reached, as it would have in the flood. Those last hops are 49
  // in 50 of a full radius-2 search's queries; the heap would have taken each in and out.
  /** real ms the query reaches `to` */
  private at = new Float64Array(256);
  /** hops it may still go, the flood's ttl as it arrives */
  private ttl = new Float64Array(256);
  private to: Member[] = [];
  /** who it came from (the searcher, or the neighbour that forwarded it) */
  private from: Member[] = [];
  private queue = new Int32Array(256);
  private queued = 0;
  private sent = 0;
  /** the peers a last hop reached in this search, each once */
  private lastHops: Member[] = [];
  private lastHopCount = 0;
  /** the arrivals that found a holder, answered in time order */
  private readonly found: number[] = [];
  /** searches so far, each one's mark on the peers it reaches */
  private stamp = 0;

  constructor(
    private readonly net: SimNetwork,
    private readonly clock: SimClock,
  ) {}

  /** the host a client id's overlay runs on: given before its overlay joins */
  place(id: string, host: SimHost): void {
    this.hosts.set(id, host);
  }

  join(node: WalkNode): void {
    const host = this.hosts.get(node.id);
    if (!host) throw new Error(`search walk: ${node.id} joined without a host (place it first)`);
    const m = this.nodes.get(node.id);
    // in place: the arrivals of past searches may still point at it
    if (m) {
      m.node = node;
      m.host = host;
    } else this.nodes.set(node.id, { id: node.id, node, host, seenIn: 0, lastHopIn: 0, lastHop: 0 });
  }

  search(from: WalkNode, qid: string, track: number, quality: Quality, depth: number): void {
    const me = this.nodes.get(from.id);
    if (!me) return;
    const start = this.clock.realNow();
    this.count.searches++;
    const stamp = ++this.stamp;
    this.queued = 0;
    this.sent = 0;
    this.lastHopCount = 0;
    // emptied by pop: setting the length is a call into the runtime, on every search
    const found = this.found;
    while (found.length > 0) found.pop();
    // the searcher has the query id in its memory: a copy forwarded back to it is dropped
    me.seenIn = stamp;
    this.send(from, me, depth, start, null);
    // every arrival before this one has been sent by now (a query arrives after the one that made
    // its sender forward it), so a peer's last hop that came earlier is known
    while (this.queued > 0) {
      const i = this.pop();
      const x = this.to[i];
      if (x.seenIn === stamp) continue;
      if (x.lastHopIn === stamp && this.before(x.lastHop, i)) continue;
      x.seenIn = stamp;
      if (x.node.holds(track, quality)) found.push(i);
      this.send(x.node, x, this.ttl[i] - 1, this.at[i], this.from[i].id);
    }
    for (let k = 0; k < this.lastHopCount; k++) {
      const x = this.lastHops[k];
      if (x.seenIn !== stamp && x.node.holds(track, quality)) found.push(x.lastHop);
    }
    // the answers are timers: in the flood's order, so that equal times fire in that order too
    if (found.length > 1) found.sort((i, j) => (this.before(i, j) ? -1 : 1));
    for (const i of found) this.answer(from, me, this.to[i], this.from[i], this.at[i], qid, depth - this.ttl[i] + 1);
  }

  /** the queries `a` (joined as `ma`) sends its neighbours at `at`, but to `except` */
  private send(a: WalkNode, ma: Member, ttl: number, at: number, except: string | null): void {
    for (const id of a.neighbourIds()) {
      if (id === except) continue;
      const b = this.nodes.get(id);
      if (!b) continue;
      this.count.queries++;
      this.push(this.net.transitAt(ma.host, b.host, QUERY_BYTES, at), b, ttl, ma);
    }
  }

  /** arrival i goes before arrival j */
  private before(i: number, j: number): boolean {
    const a = this.at[i];
    const b = this.at[j];
    return a < b || (!(a > b) && i < j);
  }

  private push(t: number, to: Member, ttl: number, from: Member): void {
    const i = this.sent++;
    if (i === this.at.length) this.grow();
    this.at[i] = t;
    this.ttl[i] = ttl;
    this.to[i] = to;
    this.from[i] = from;
    if (!(ttl > 1)) {
      // a peer reached with hops to go drops it; else its first last hop is kept (i is the newest)
      if (to.seenIn === this.stamp) return;
      if (to.lastHopIn !== this.stamp) {
        to.lastHopIn = this.stamp;
        to.lastHop = i;
        this.lastHops[this.lastHopCount++] = to;
      } else if (t < this.at[to.lastHop]) to.lastHop = i;
      return;
    }
    const q = this.queue;
    let k = this.queued++;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.before(i, q[p])) break;
      q[k] = q[p];
      k = p;
    }
    q[k] = i;
  }

  /** the earliest arrival, out of the queue */
  private pop(): number {
    const q = this.queue;
    const top = q[0];
    const n = --this.queued;
    if (n > 0) {
      const last = q[n];
      let k = 0;
      for (;;) {
        let c = 2 * k + 1;
        if (c >= n) break;
        if (c + 1 < n && this.before(q[c + 1], q[c])) c++;
        if (!this.before(q[c], last)) break;
        q[k] = q[c];
        k = c;
      }
      q[k] = last;
    }
    return top;
  }

  private grow(): void {
    const size = this.at.length * 2;
    const at = new Float64Array(size);
    at.set(this.at);
    this.at = at;
    const ttl = new Float64Array(size);
    ttl.set(this.ttl);
    this.ttl = ttl;
    const queue = new Int32Array(size);
    queue.set(this.queue);
    this.queue = queue;
  }

  /**
   * the hit from `holder` back along the path its query came by (from `first`, which is `me`, the
   * searcher's own member, when it came direct): written when the query reaches the holder at `t`,
   * relayed when it reaches the neighbour, each hop put on the links at the moment the flood would
   * write it (so it queues behind what was written before it, as a message does)
   */
  private answer(searcher: WalkNode, me: Member, holder: Member, first: Member, t: number, qid: string, distance: number): void {
    const relay = first === me ? null : first.node;
    const peer = holder.node.address();
    const via = relay ? relay.id : holder.id;
    const { id: holderId, host: out } = holder;
    const { host: mid } = first;
    const { host: home } = me;
    this.count.hits++;
    const at = (t: number, fn: () => void) => this.clock.afterReal(Math.max(0, t - this.clock.realNow()), fn);
    const deliver = () => searcher.walkHit(qid, via, peer, distance);
    at(t, () => {
      const t1 = this.net.transit(out, mid, HIT_BYTES);
      if (!relay) return void at(t1, deliver);
      at(t1, () => {
        if (!relay.relay(holderId, searcher.id)) return;
        at(this.net.transit(mid, home, HIT_BYTES), deliver);
      });
    });
  }
}
