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
import { Heap } from 'heap-js';
import type { Quality } from '../../../node-image/core/reports.ts';
import type { SearchWalk, WalkNode } from '../../../node-image/core/search.ts';
import type { SimClock } from './clock.ts';
import type { SimHost, SimNetwork } from './network.ts';

/** a query's and a hit's bytes on the wire, about what the codec makes of them */
const QUERY_BYTES = 80;
const HIT_BYTES = 160;

interface Arrival {
  /** real ms the query reaches `node` */
  t: number;
  node: WalkNode;
  /** hops it may still go, the flood's ttl as it arrives */
  ttl: number;
  /** who it came from (the searcher, or the neighbour that forwarded it) */
  from: WalkNode;
  /** insertion order: equal times stay in the order the flood would have sent them */
  seq: number;
}

export class GraphWalk implements SearchWalk {
  private readonly nodes = new Map<string, { node: WalkNode; host: SimHost }>();
  private readonly hosts = new Map<string, SimHost>();
  /** searches walked, and queries the flood would have sent for them */
  readonly count = { searches: 0, queries: 0, hits: 0 };

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
    this.nodes.set(node.id, { node, host });
  }

  search(from: WalkNode, qid: string, track: number, quality: Quality, depth: number): void {
    if (!this.nodes.has(from.id)) return;
    const start = this.clock.realNow();
    this.count.searches++;
    const queue = new Heap<Arrival>((a, b) => a.t - b.t || a.seq - b.seq);
    let seq = 0;
    const send = (a: WalkNode, ttl: number, at: number, except: string | null) => {
      const ha = this.nodes.get(a.id)!.host;
      for (const id of a.neighbourIds()) {
        if (id === except) continue;
        const b = this.nodes.get(id);
        if (!b) continue;
        this.count.queries++;
        queue.push({ t: this.net.transitAt(ha, b.host, QUERY_BYTES, at), node: b.node, ttl, from: a, seq: seq++ });
      }
    };
    // the searcher has the query id in its memory: a copy forwarded back to it is dropped
    const seen = new Set<string>([from.id]);
    send(from, depth, start, null);
    for (let x = queue.pop(); x !== undefined; x = queue.pop()) {
      if (seen.has(x.node.id)) continue;
      seen.add(x.node.id);
      const distance = depth - x.ttl + 1;
      if (x.node.holds(track, quality)) this.answer(from, x, qid, distance);
      if (x.ttl > 1) send(x.node, x.ttl - 1, x.t, x.from.id);
    }
  }

  /**
   * the hit from `x.node` back along the path its query came by: written when the query reaches
   * the holder, relayed when it reaches the neighbour, each hop put on the links at the moment the
   * flood would write it (so it queues behind what was written before it, as a message does)
   */
  private answer(searcher: WalkNode, x: Arrival, qid: string, distance: number): void {
    const holder = this.nodes.get(x.node.id)!.host;
    const relay = x.from === searcher ? null : x.from;
    const first = this.nodes.get(x.from.id)!.host;
    const home = this.nodes.get(searcher.id)!.host;
    const peer = x.node.address();
    const via = relay ? relay.id : x.node.id;
    this.count.hits++;
    const at = (t: number, fn: () => void) => this.clock.afterReal(Math.max(0, t - this.clock.realNow()), fn);
    const deliver = () => searcher.walkHit(qid, via, peer, distance);
    at(x.t, () => {
      const t1 = this.net.transit(holder, first, HIT_BYTES);
      if (!relay) return void at(t1, deliver);
      at(t1, () => {
        if (!relay.relay(x.node.id, searcher.id)) return;
        at(this.net.transit(first, home, HIT_BYTES), deliver);
      });
    });
  }
}
