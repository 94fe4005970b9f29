// The client and the data centre together, over in-memory pipes on a manual clock: streaming
// from the server and from peers, tracker and overlay discovery, reversal, report delivery.
import { describe, expect, it } from 'vitest';
import { cacheKey } from './cache.ts';
import type { Client } from './client.ts';
import type { ConnectReport, PlayReport, Report, SearchReport } from './reports.ts';
import { CLOSED } from './search.ts';
import { world } from './test/world.ts';

/** `second` plays a track `first` played before: they become neighbours (the tracker names `first`) */
async function share(w: ReturnType<typeof world>, first: Client, second: Client, track: number): Promise<void> {
  first.play(track, 'random');
  await w.run(400_000);
  second.play(track, 'random');
  await w.run(400_000);
}

const plays = (rs: Report[], who: string) => rs.filter((r): r is PlayReport => r.type === 'play' && r.clientId === who);

describe('client and data centre', () => {
  it('streams from the server, then from a peer found by the tracker, with every byte verified', async () => {
    const w = world();
    const a = w.client('a');
    const b = w.client('b');
    a.login('ua', 'SE', 'q5');
    b.login('ub', 'SE', 'q5');
    await w.run(500);
    a.play(3, 'random');
    await w.run(400_000); // the track is ~150-330 s of audio
    expect(plays(w.stored, 'a')).toHaveLength(1);
    b.play(3, 'random');
    await w.run(400_000);
    const [pa] = plays(w.stored, 'a');
    const [pb] = plays(w.stored, 'b');
    expect(pa.bytes.p2p).toBe(0);
    expect(pa.bytes.server).toBeGreaterThan(0);
    expect(pb.bytes.p2p).toBeGreaterThan(0);
    expect(pb.complete).toBe(true);
    expect(pb.sha256).toBe(pb.expectedSha256);
    expect(pa.sha256).toBe(pa.expectedSha256);
    const sb = w.stored.find((r): r is SearchReport => r.type === 'search' && r.clientId === 'b')!;
    expect(sb.tracker?.peers).toBe(1);
    const login = w.stored.find((r) => r.type === 'login' && r.clientId === 'a');
    expect(login).toMatchObject({ serverSeenAddress: '10.0.0.1', dc: 'stockholm' });
    // b's second play of the same track comes from its own cache
    b.play(3, 'random');
    await w.run(400_000);
    expect(plays(w.stored, 'b')[1].bytes.cache).toBeGreaterThan(0);
    expect(plays(w.stored, 'b')[1].bytes.server + plays(w.stored, 'b')[1].bytes.p2p).toBe(0);
  });

  it('asks the server for runs of chunks where serverRunChunks allows, every byte once and verified', async () => {
    const requests = async (run: number) => {
      const w = world({ params: { serverRunChunks: run, serverFrameBytes: run * 16 * 1024 } });
      const a = w.client('a');
      a.login('ua', 'SE', 'q5');
      await w.run(500);
      const asked: number[] = [];
      const link = a['link'];
      const request = link.requestData.bind(link);
      link.requestData = (track, quality, offset, length, ready, waiter) => {
        asked.push(length);
        return request(track, quality, offset, length, ready, waiter);
      };
      a.play(3, 'random');
      await w.run(400_000);
      const [p] = plays(w.stored, 'a');
      expect(p.complete).toBe(true);
      expect(p.sha256).toBe(p.expectedSha256);
      // nothing asked for twice: the server sent the track once
      expect(w.dc.stats.bytesServed).toBe(p.bytes.server);
      return { asked, chunks: Math.ceil(p.bytes.server / (16 * 1024)) };
    };
    const one = await requests(1);
    expect(one.asked.length).toBe(one.chunks);
    const runs = await requests(8);
    // the head (15 s) goes chunk by chunk; the rest in runs of 8 chunks
    expect(runs.asked.filter((n) => n === 8 * 16 * 1024).length).toBeGreaterThan(runs.chunks / 16);
    expect(runs.asked.length).toBeLessThan(one.asked.length / 2);
  });

  it('asks a peer for runs of chunks where peerRunChunks allows, never more in flight than the pipeline, every byte verified', async () => {
    const requests = async (run: number) => {
      const w = world({ params: { peerRunChunks: run } });
      const a = w.client('a');
      const b = w.client('b');
      a.login('ua', 'SE', 'q5');
      b.login('ub', 'SE', 'q5');
      await w.run(500);
      a.play(3, 'random');
      await w.run(400_000);
      const asked: number[] = [];
      let inFlight = 0;
      let most = 0;
      const request = b.requestFromPeer.bind(b);
      b.requestFromPeer = (peer, track, quality, index, waiter, count = 1) => {
        asked.push(count);
        const ok = request(
          peer,
          track,
          quality,
          index,
          (buf, from) => {
            inFlight -= count;
            waiter(buf, from);
          },
          count,
        );
        if (ok) most = Math.max(most, (inFlight += count));
        return ok;
      };
      b.play(3, 'random');
      await w.run(400_000);
      const [p] = plays(w.stored, 'b');
      expect(p.complete).toBe(true);
      expect(p.sha256).toBe(p.expectedSha256);
      expect(p.bytes.p2p).toBeGreaterThan(0);
      // every chunk from the peer was asked for once
      expect(asked.reduce((x, y) => x + y, 0)).toBe(Math.ceil(p.bytes.p2p / (16 * 1024)));
      return { asked, most };
    };
    const one = await requests(1);
    expect(one.asked.every((n) => n === 1)).toBe(true);
    const runs = await requests(2);
    expect(runs.asked.filter((n) => n === 2).length).toBeGreaterThan(runs.asked.length / 2);
    expect(runs.asked.length).toBeLessThan(0.7 * one.asked.length);
    for (const r of [one, runs]) expect(r.most).toBeLessThanOrEqual(world().params.peerPipeline);
  });

  it('reaches an unreachable peer by connection reversal through the server', async () => {
    const w = world();
    const hidden = w.client('hidden', false); // behind a NAT without UPnP: nobody can dial it
    const open = w.client('open');
    hidden.login('uh', 'SE', 'q5');
    open.login('uo', 'SE', 'q5');
    await w.run(500);
    hidden.play(4, 'random');
    await w.run(400_000);
    open.play(4, 'random');
    await w.run(400_000);
    const c = w.stored.find((r): r is ConnectReport => r.type === 'connect' && r.clientId === 'open');
    expect(c?.outcome).toBe('reversed');
    expect(plays(w.stored, 'open')[0].bytes.p2p).toBeGreaterThan(0);
  });

  it('finds a peer two hops away through the overlay, and skipped tracks are kept but not served', async () => {
    const w = world();
    const [x, y, z] = ['x', 'y', 'z'].map((n) => w.client(n));
    for (const c of [x, y, z]) c.login(`u${c.id}`, 'SE', 'q5');
    await w.run(500);
    // x-y and y-z become neighbours by sharing tracks
    await share(w, x, y, 10);
    await share(w, z, y, 11);
    expect(y.neighbourCount).toBe(2);
    // now x searches for a track only z has: the answer comes from distance 2
    z.play(12, 'random');
    await w.run(400_000);
    x.play(12, 'random');
    await w.run(2_000);
    const s = w.stored.filter((r): r is SearchReport => r.type === 'search' && r.clientId === 'x').at(-1)!;
    expect(s.track).toBe(12);
    const far = s.overlay.find((o) => o.distance === 2);
    expect(far).toBeDefined();
    // each answer says when it came, within the time the searcher waited (memory pipes: at once)
    expect(far!.ms).toBeGreaterThanOrEqual(0);
    expect(far!.ms).toBeLessThanOrEqual(s.waitedMs!);
    expect(s.waitedMs).toBeGreaterThanOrEqual(w.params.searchWaitMs);
    x.logout();
    await w.run(500);
    // every answer to x's searches reached it in time: none counted as lost
    expect(w.stored.find((r) => r.type === 'logout' && r.clientId === 'x')).toMatchObject({ lostHits: { late: 0, forgotten: 0 } });
    // a skip leaves a partial track that is not offered to others
    z.play(13, 'random');
    await w.run(100); // the head has arrived, peer discovery has not finished: the rest is not asked for yet
    z.skip();
    expect(z.cache.has(cacheKey(13, 'q5'))?.complete).toBe(false);
    expect(z.cache.isServable(cacheKey(13, 'q5'))).toBe(false);
  });

  it('counts answers that came after the searcher stopped waiting, or after it forgot the query', async () => {
    const w = world({ params: { searchMemory: 1 } });
    const [x, y] = [w.client('x'), w.client('y')];
    for (const c of [x, y]) c.login(`u${c.id}`, 'SE', 'q5');
    await w.run(500);
    await share(w, y, x, 10);
    expect(x.neighbourCount).toBe(1);
    const hits: number[] = [];
    // answered at the next microtask: this search has stopped waiting by then
    x.searchOverlay(10, 'q5', () => hits.push(1)).done();
    await w.run(1_000);
    // this one waits, but a second search pushes its id out of a memory of one query
    x.searchOverlay(10, 'q5', () => hits.push(2));
    x.searchOverlay(11, 'q5', () => hits.push(3));
    await w.run(1_000);
    expect(hits).toEqual([]);
    x.logout();
    await w.run(500);
    expect(w.stored.find((r) => r.type === 'logout' && r.clientId === 'x')).toMatchObject({ lostHits: { late: 1, forgotten: 1 } });
  });

  it('counts a play asked for without a user or while offline, by reason, and tells it at logout', async () => {
    const w = world();
    const a = w.client('a');
    a.play(5, 'random');
    a.play(6, 'random');
    a.login('ua', 'SE', 'q5');
    await w.run(500);
    a.goOffline(10_000);
    a.play(7, 'random');
    expect(a.playback).toBeNull();
    await w.run(20_000);
    a.play(8, 'random');
    await w.run(5_000);
    a.logout();
    await w.run(2_000);
    expect(a.notPlayed).toEqual({ noUser: 2, offline: 1 });
    expect(plays(w.stored, 'a').map((p) => p.track)).toEqual([8]);
    expect(w.stored.find((r) => r.type === 'logout' && r.clientId === 'a')).toMatchObject({ notPlayed: { noUser: 2, offline: 1 } });
    // after the last logout: no report can carry it, the exit record does (client/main.ts, runtime/sim/world.ts)
    a.play(9, 'random');
    expect(a.notPlayed).toEqual({ noUser: 3, offline: 1 });
  });

  it('re-sends unacknowledged reports after the server connection drops', async () => {
    const w = world();
    const a = w.client('a');
    a.login('ua', 'SE', 'q5');
    await w.run(500);
    a['link'].drop('network outage');
    a.play(5, 'random');
    a.skip();
    expect(a.unackedReports).toBeGreaterThan(0);
    await w.run(20_000);
    expect(a.unackedReports).toBe(0);
    const seqs = w.stored
      .filter((r) => r.clientId === 'a')
      .map((r) => r.seq)
      .sort((p, q) => p - q);
    expect(seqs).toEqual([...Array(seqs.length).keys()]);
  });

  it("logs in again on a connection still waiting for the last session's acks", async () => {
    // a short break between sessions (seconds of workload time are milliseconds under a time
    // scale) can fall before the server has acknowledged the logout report: the connection is
    // still open, so the new session must log in on it, or its reports are never sent
    const w = world();
    const a = w.client('a');
    a.login('ua', 'SE', 'q5');
    await w.run(500);
    const release = w.slowStorage();
    a.logout();
    await w.run(200);
    expect(a.connected).toBe(true);
    a.login('ua', 'SE', 'q5');
    release();
    await w.run(500);
    a.play(5, 'random');
    await w.run(5_000);
    a.logout();
    await w.run(2_000);
    expect(a.unackedReports).toBe(0);
    const mine = w.stored.filter((r) => r.clientId === 'a');
    expect(mine.filter((r) => r.type === 'login')).toHaveLength(2);
    expect(mine.filter((r) => r.type === 'logout')).toHaveLength(2);
    expect(mine.map((r) => r.seq).sort((p, q) => p - q)).toEqual([...Array(a.generated).keys()]);
  });

  it("lets go of a session at logout: no play, and no closed neighbour in a peer's query memory", async () => {
    const w = world();
    const x = w.client('x');
    const y = w.client('y');
    x.login('ux', 'SE', 'q5');
    y.login('uy', 'SE', 'q5');
    await w.run(500);
    await share(w, y, x, 10);
    expect(x.neighbourCount).toBe(1);
    // x's next search goes over the overlay too: y remembers the link it came over
    y.play(20, 'random');
    await w.run(400_000);
    x.play(20, 'random');
    await w.run(400_000);
    const memory = (): unknown[] => [...y['overlay']['queries']['seen'].values()];
    expect(memory().some((from) => from !== null && from !== CLOSED)).toBe(true);
    x.logout();
    await w.run(500);
    expect(x.playback).toBeNull();
    expect(y.neighbourCount).toBe(0);
    // the queries are still known (duplicates are dropped) but the closed link is not held
    expect(memory().length).toBeGreaterThan(0);
    expect(memory().filter((from) => from !== null && from !== CLOSED)).toEqual([]);
  });
});
