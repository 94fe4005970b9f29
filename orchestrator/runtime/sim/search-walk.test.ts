import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../../../node-image/core/messages.ts';
import type { WalkNode } from '../../../node-image/core/search.ts';
import { SimClock } from './clock.ts';
import { type LinkDir, newHost, SimNetwork } from './network.ts';
import { GraphWalk } from './search-walk.ts';

const link = (delayMs: number): LinkDir => ({ kbit: 8_000, delayMs, jitterMs: 0, lossPct: 0 });

/** a peer of a graph given by hand: its neighbours, whether it holds the track, what it was told */
class Node implements WalkNode {
  readonly links = new Set<string>();
  holding = false;
  readonly relayed: string[] = [];
  readonly hits: { qid: string; via: string; peer: string; distance: number; at: number }[] = [];
  constructor(
    readonly id: string,
    private readonly clock: SimClock,
  ) {}
  neighbourIds() {
    return this.links;
  }
  holds() {
    return this.holding;
  }
  address(): PeerAddress {
    return { id: this.id, host: this.id, port: 1 };
  }
  relay(from: string, to: string) {
    if (!this.links.has(from)) return false;
    this.relayed.push(from);
    return this.links.has(to);
  }
  walkHit(qid: string, via: string, peer: PeerAddress, distance: number) {
    if (this.links.has(via)) this.hits.push({ qid, via, peer: peer.id, distance, at: this.clock.realNow() });
  }
}

/** peers with the given one-way delays (ms, up and down alike), neighbours both ways along `edges`; `upKbit` slows some uplinks */
function graph(delays: Record<string, number>, edges: [string, string][], upKbit: Record<string, number> = {}) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, () => 0.5);
  const walk = new GraphWalk(net, clock);
  const nodes = new Map<string, Node>();
  for (const [id, d] of Object.entries(delays)) {
    walk.place(id, newHost(id, { ...link(d), kbit: upKbit[id] ?? 8_000 }, link(d), id, id, -1));
    const n = new Node(id, clock);
    walk.join(n);
    nodes.set(id, n);
  }
  for (const [a, b] of edges) {
    nodes.get(a)!.links.add(b);
    nodes.get(b)!.links.add(a);
  }
  return { clock, walk, nodes, n: (id: string) => nodes.get(id)! };
}

/** a query's or a hit's serialisation at 8 Mbit/s, as the walk charges it */
const ser = (bytes: number) => (bytes * 8) / 8_000;

describe('the search as a graph walk', () => {
  it("brings each holder's hit within radius 2 at the time the flood's messages would, relayed by the neighbour its query came through", async () => {
    // s - a - c - d (d is three hops away); s - b
    const g = graph({ s: 5, a: 1, b: 2, c: 3, d: 1 }, [
      ['s', 'a'],
      ['s', 'b'],
      ['a', 'c'],
      ['c', 'd'],
    ]);
    for (const id of ['b', 'c', 'd']) g.n(id).holding = true;
    g.walk.search(g.n('s'), 'q1', 7, 'q5', 2);
    await g.clock.runUntil(10_000);
    const hits = g.n('s').hits;
    expect(hits.map((h) => [h.peer, h.via, h.distance])).toEqual([
      ['b', 'b', 1],
      ['c', 'a', 2],
    ]);
    // every message is serialised on its sender's uplink, in the order written (s's query to b
    // after its query to a), crosses both links' delays, and is serialised on the receiver's downlink
    const hop = (delay: number, bytes: number) => ser(bytes) + delay + ser(bytes);
    // s->b (5 up + 2 down, behind the query to a), b->s (2 + 5)
    expect(hits[0].at).toBeCloseTo(ser(80) + hop(7, 80) + hop(7, 160), 6);
    // s->a->c, then c->a->s
    expect(hits[1].at).toBeCloseTo(hop(6, 80) + hop(4, 80) + hop(4, 160) + hop(6, 160), 6);
    // a counted the hit on its link to c; nobody forwarded to d
    expect(g.n('a').relayed).toEqual(['c']);
    expect(g.walk.count).toEqual({ searches: 1, queries: 3, hits: 2 });
  });

  it('answers once per holder, by the path its query reached it first, and never to the searcher', async () => {
    // c is reachable through a (fast) and b (slow); s holds the track too
    const g = graph({ s: 1, a: 1, b: 20, c: 1 }, [
      ['s', 'a'],
      ['s', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    g.n('c').holding = true;
    g.n('s').holding = true;
    g.walk.search(g.n('s'), 'q1', 7, 'q5', 2);
    await g.clock.runUntil(10_000);
    expect(g.n('s').hits.map((h) => [h.peer, h.via, h.distance])).toEqual([['c', 'a', 2]]);
    expect(g.n('b').relayed).toEqual([]);
  });

  it('takes a neighbour that a faster path over two hops reaches first as a peer at distance 2, which does not forward', async () => {
    // s's uplink is slow: its query to b waits 80 ms behind the one to a, and a's forward gets there first
    const g = graph(
      { s: 1, a: 1, b: 1, d: 1 },
      [
        ['s', 'a'],
        ['s', 'b'],
        ['a', 'b'],
        ['b', 'd'],
      ],
      { s: 8 },
    );
    g.n('b').holding = true;
    g.n('d').holding = true;
    g.walk.search(g.n('s'), 'q1', 7, 'q5', 2);
    await g.clock.runUntil(10_000);
    expect(g.n('s').hits.map((h) => [h.peer, h.via, h.distance])).toEqual([['b', 'a', 2]]);
    expect(g.n('a').relayed).toEqual(['b']);
    expect(g.walk.count).toEqual({ searches: 1, queries: 3, hits: 1 });
  });

  it('loses a hit whose way back closed before it got there, as the flood would', async () => {
    const g = graph({ s: 1, a: 1, c: 1 }, [
      ['s', 'a'],
      ['a', 'c'],
    ]);
    g.n('c').holding = true;
    g.walk.search(g.n('s'), 'q1', 7, 'q5', 2);
    // a drops c while the query and its answer are on their way
    g.n('a').links.delete('c');
    g.n('c').links.delete('a');
    await g.clock.runUntil(10_000);
    expect(g.n('s').hits).toEqual([]);
  });
});
