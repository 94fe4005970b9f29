// Protocol variants and faults in the in-memory world on the manual clock: each switch changes
// what the clients do, and the reports say so.
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { armDcFaults } from './faults.ts';
import type { ConnectReport, PlayReport, Report, SearchReport } from './reports.ts';
import { world } from './test/world.ts';

const plays = (rs: Report[], who: string) => rs.filter((r): r is PlayReport => r.type === 'play' && r.clientId === who);
const searches = (rs: Report[], who: string) => rs.filter((r): r is SearchReport => r.type === 'search' && r.clientId === who);
const TRACK = 400_000; // longer than any track: a play ends in this much workload time

/** a and b log in; a plays `first`, then b plays it (they become neighbours if p2p works) */
async function pair(w: ReturnType<typeof world>, first = 3) {
  const a = w.client('a');
  const b = w.client('b');
  a.login('ua', 'SE', 'q5');
  b.login('ub', 'SE', 'q5');
  await w.run(500);
  a.play(first, 'random');
  await w.run(TRACK);
  b.play(first, 'random');
  await w.run(TRACK);
  return { a, b };
}

describe('protocol variants', () => {
  it('server only: no discovery, no connection, every byte from the server', async () => {
    const w = world({ features: { p2p: false } });
    const { b } = await pair(w);
    expect(plays(w.stored, 'b')[0].bytes.p2p).toBe(0);
    expect(plays(w.stored, 'b')[0].bytes.server).toBeGreaterThan(0);
    expect(w.stored.filter((r) => r.type === 'search' || r.type === 'connect')).toEqual([]);
    expect(b.neighbourCount).toBe(0);
  });

  it('the default finds the peer; tracker only never searches the overlay', async () => {
    for (const [discovery, overlayUsed] of [
      ['tracker+overlay', true],
      ['tracker', false],
    ] as const) {
      const w = world({ policies: { discovery } });
      const { a, b } = await pair(w);
      expect(plays(w.stored, 'b')[0].bytes.p2p).toBeGreaterThan(0);
      a.play(20, 'random');
      await w.run(TRACK);
      b.play(20, 'random');
      await w.run(2_000);
      const s = searches(w.stored, 'b').at(-1)!;
      expect(s.track).toBe(20);
      expect(s.tracker).toEqual({ peers: 1 });
      expect(s.neighbours).toBe(overlayUsed ? 1 : 0);
      expect(s.overlay.length > 0).toBe(overlayUsed);
    }
  });

  it('overlay only: the tracker is never asked, so strangers never meet', async () => {
    const w = world({ policies: { discovery: 'overlay' } });
    await pair(w);
    expect(plays(w.stored, 'b')[0].bytes.p2p).toBe(0);
    expect(searches(w.stored, 'b')[0].tracker).toBeNull();
  });

  it('without connection reversal a peer behind a closed NAT stays out of reach', async () => {
    const w = world({ features: { reversal: false } });
    const hidden = w.client('hidden', false);
    const open = w.client('open');
    hidden.login('uh', 'SE', 'q5');
    open.login('uo', 'SE', 'q5');
    await w.run(500);
    hidden.play(4, 'random');
    await w.run(TRACK);
    open.play(4, 'random');
    await w.run(TRACK);
    const c = w.stored.find((r): r is ConnectReport => r.type === 'connect' && r.clientId === 'open');
    expect(c?.outcome).toBe('failed');
    expect(plays(w.stored, 'open')[0].bytes.p2p).toBe(0);
  });
});

describe('faults', () => {
  it("a tracker outage answers nobody, and overlay search still finds a neighbour's track", async () => {
    const w = world();
    const { a, b } = await pair(w);
    w.dc.setTrackerDown(true);
    a.play(21, 'random');
    await w.run(TRACK);
    b.play(21, 'random');
    await w.run(TRACK);
    const s = searches(w.stored, 'b').at(-1)!;
    expect(s.tracker).toEqual({ peers: 0 });
    expect(s.overlay).toContainEqual(expect.objectContaining({ distance: 1 }));
    expect(plays(w.stored, 'b').at(-1)!.bytes.p2p).toBeGreaterThan(0);
    w.dc.setTrackerDown(false);
  });

  it('a data-centre outage drops every client; reports made meanwhile arrive after it returns', async () => {
    const w = world();
    const a = w.client('a');
    a.login('ua', 'SE', 'q5');
    await w.run(500);
    w.dc.setDown(true);
    await w.run(500);
    expect(a.connected).toBe(false);
    a.play(5, 'random');
    a.skip();
    await w.run(30_000);
    expect(a.unackedReports).toBeGreaterThan(0);
    w.dc.setDown(false);
    await w.run(60_000);
    expect(a.connected).toBe(true);
    expect(a.unackedReports).toBe(0);
    const seqs = w.stored
      .filter((r) => r.clientId === 'a')
      .map((r) => r.seq)
      .sort((p, q) => p - q);
    expect(seqs).toEqual([...Array(a.generated).keys()]);
  });

  it('churn: a peer that loses its network drops its neighbours, plays nothing, and comes back', async () => {
    const w = world();
    const { a, b } = await pair(w);
    expect(b.neighbourCount).toBe(1);
    a.goOffline(60_000);
    await w.run(1_000);
    expect(b.neighbourCount).toBe(0);
    expect(a.connected).toBe(false);
    const before = plays(w.stored, 'a').length;
    a.play(7, 'random');
    await w.run(70_000);
    expect(a.offline).toBe(false);
    expect(a.connected).toBe(true);
    expect(plays(w.stored, 'a')).toHaveLength(before);
    expect(a.unackedReports).toBe(0);
  });

  it('faults fire on the workload clock for the data centre they name', () => {
    const clock = new ManualClock(0);
    const log: string[] = [];
    const dc = { name: 'london', setTrackerDown: (v: boolean) => log.push(`tracker ${v} @${clock.now()}`), setDown: (v: boolean) => log.push(`down ${v} @${clock.now()}`) };
    armDcFaults(
      dc,
      [
        { kind: 'tracker-outage', atMs: 1000, forMs: 500 },
        { kind: 'dc-outage', atMs: 3000, forMs: 100, dc: 'london' },
        { kind: 'dc-outage', atMs: 2000, forMs: 100, dc: 'stockholm' },
        { kind: 'churn', atMs: 10, forMs: 10, share: 0.5 },
      ],
      clock,
    );
    clock.advance(10_000);
    expect(log).toEqual(['tracker true @1000', 'tracker false @1500', 'down true @3000', 'down false @3100']);
  });
});
