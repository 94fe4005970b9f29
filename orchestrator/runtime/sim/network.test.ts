import { describe, expect, it } from 'vitest';
import { Channel, type Pipe } from '../../../node-image/core/channel.ts';
import { decodeFrame, pack } from '../../../node-image/core/codec.ts';
import { SimClock } from './clock.ts';
import { type LinkDir, newHost, reserveDown, type SimHost, SimNetwork } from './network.ts';

const link = (kbit: number, delayMs: number, lossPct = 0): LinkDir => ({ kbit, delayMs, jitterMs: 0, lossPct });
function host(name: string, o: Partial<SimHost> = {}): SimHost {
  return { ...newHost(name, link(1000, 10), link(8000, 10), name, name, -1), ...o };
}

function setup() {
  const clock = new SimClock();
  const net = new SimNetwork(clock, () => 0.5);
  const accepted: Pipe[] = [];
  const listen = (h: SimHost, address = h.publicAddress, local = false) => net.listen(address, 4100, { host: h, accept: (p) => accepted.push(p) }, local);
  return { clock, net, accepted, listen };
}

async function dial(net: SimNetwork, clock: SimClock, from: SimHost, to: string, timeoutMs = 3000) {
  let outcome: { pipe?: Pipe; error?: string; at?: number } = {};
  net
    .dialer(from)
    .dial(to, 4100, timeoutMs)
    .then(
      (pipe) => (outcome = { pipe, at: clock.now() }),
      (e: Error) => (outcome = { error: e.message, at: clock.now() }),
    );
  await clock.runUntil(clock.now() + 10_000);
  return outcome;
}

describe('the simulated network', () => {
  it('connects after a round trip and shows the listener the address it was dialled from', async () => {
    const { clock, net, accepted, listen } = setup();
    const a = host('198.18.0.2');
    const b = host('198.18.0.3');
    listen(b);
    const r = await dial(net, clock, a, b.publicAddress);
    expect(r.pipe).toBeDefined();
    expect(r.at).toBe(40); // 10 + 10 each way
    expect(accepted[0].remoteAddress).toBe('198.18.0.2');
  });

  it('carries bytes at the bottleneck rate plus the delay, in order', async () => {
    const { clock, net, accepted, listen } = setup();
    const a = host('a', { up: link(1000, 5) }); // 1 Mbit/s up
    const b = host('b', { down: link(100_000, 5) });
    listen(b);
    const { pipe } = await dial(net, clock, a, 'b');
    const got: { n: number; at: number }[] = [];
    accepted[0].onData((buf) => got.push({ n: buf[0], at: clock.now() }));
    const start = clock.now();
    for (let i = 0; i < 4; i++) pipe!.write(Buffer.alloc(12_500, i)); // 100 ms each on the uplink
    await clock.runUntil(clock.now() + 5_000);
    expect(got.map((g) => g.n)).toEqual([0, 1, 2, 3]);
    // the last frame leaves the uplink after 400 ms, then 10 ms of delay and 1 ms on the downlink
    expect(got[3].at - start).toBeCloseTo(411, 0);
  });

  it("a lost segment delays its own connection by a retransmission, not the receiver's other connections", async () => {
    const { clock, net, accepted, listen } = setup();
    const lossy = host('lossy', { up: link(1000, 5, 100) }); // every message loses a segment (the test's random is 0.5)
    const clean = host('clean', { up: link(1000, 5) });
    const b = host('b', { down: link(100_000, 5) });
    listen(b);
    const p1 = (await dial(net, clock, lossy, 'b')).pipe!;
    const p2 = (await dial(net, clock, clean, 'b')).pipe!;
    const got: { from: string; n: number; at: number }[] = [];
    accepted[0].onData((buf) => got.push({ from: 'lossy', n: buf[0], at: clock.now() }));
    accepted[1].onData((buf) => got.push({ from: 'clean', n: buf[0], at: clock.now() }));
    const start = clock.now();
    p1.write(Buffer.alloc(125, 1)); // 1 ms on the uplink
    p2.write(Buffer.alloc(125, 2));
    p1.write(Buffer.alloc(125, 3));
    await clock.runUntil(clock.now() + 5_000);
    const at = (n: number) => got.find((g) => g.n === n)!.at - start;
    // the clean connection's message arrives as if the lossy one were not there: 1 ms up, 10 ms
    // of delay, a few µs down
    expect(at(2)).toBeCloseTo(11, 0);
    // the lossy one's first message a retransmission timeout (200 ms, more than its round trip) late,
    // and its second not before it: in order on its own connection
    expect(at(1)).toBeGreaterThanOrEqual(200);
    expect(at(3)).toBeGreaterThanOrEqual(at(1));
    expect(got.map((g) => g.n)).toEqual([2, 1, 3]);
  });

  it('the downlink serves frames in the order they arrive, not the order they were written', () => {
    const h = host('h', { down: link(8000, 5) }); // 1 byte per µs: 1,000 bytes take 1 ms
    // written first, arriving late (behind a long uplink queue elsewhere): 100-101
    expect(reserveDown(h, 100, 1000, 0)).toBeCloseTo(101, 6);
    // written next, arriving at once: passes it, 10-12
    expect(reserveDown(h, 10, 2000, 0)).toBeCloseTo(12, 6);
    // arriving while that one is crossing: waits behind it, 12-13
    expect(reserveDown(h, 11, 1000, 0)).toBeCloseTo(13, 6);
    // arriving at 99.5 needs 1 ms, and 100-101 is taken: after it, 101-102
    expect(reserveDown(h, 99.5, 1000, 0)).toBeCloseTo(102, 6);
    // one that fits in the gap before 100 takes it
    expect(reserveDown(h, 50, 1000, 0)).toBeCloseTo(51, 6);
    // touching reservations are kept as one; past ones are dropped
    expect(h.downBusy).toEqual([10, 13, 50, 51, 100, 102]);
    reserveDown(h, 200, 1000, 150);
    expect(h.downBusy).toEqual([200, 201]);
  });

  it("a data centre's answer is not held behind a peer's chunk that is still on a slow uplink", async () => {
    const { clock, net, accepted, listen } = setup();
    const slowPeer = host('slow', { up: link(1000, 5) }); // 1 Mbit/s up
    const dc = host('dc', { up: link(10_000_000, 1) });
    const client = host('client', { down: link(100_000, 5) });
    listen(client);
    const fromPeer = (await dial(net, clock, slowPeer, 'client')).pipe!;
    const fromDc = (await dial(net, clock, dc, 'client')).pipe!;
    const got: { n: number; at: number }[] = [];
    for (const p of accepted) p.onData((buf) => got.push({ n: buf[0], at: clock.now() }));
    const start = clock.now();
    fromPeer.write(Buffer.alloc(125_000, 1)); // a second on the peer's uplink
    fromDc.write(Buffer.alloc(16_384, 2));
    await clock.runUntil(clock.now() + 5_000);
    const at = (n: number) => got.find((g) => g.n === n)!.at - start;
    expect(at(2)).toBeLessThan(10); // 1 + 5 ms of delay and 1.3 ms on the client's downlink
    expect(at(1)).toBeGreaterThan(1000);
  });

  it('reports a full pipe once a socket buffer is in flight, and drains as it arrives', async () => {
    const { clock, net, listen } = setup();
    const a = host('a', { up: link(1000, 5) });
    const b = host('b');
    listen(b);
    const { pipe } = await dial(net, clock, a, 'b');
    let drained = 0;
    pipe!.onDrain(() => drained++);
    let ok = true;
    let writes = 0;
    while (ok && writes < 100) {
      ok = pipe!.write(Buffer.alloc(16_384));
      writes++;
    }
    expect(ok).toBe(false);
    expect(writes).toBeLessThan(10); // 64 KiB at most in flight on a slow link
    await clock.runUntil(clock.now() + 5_000);
    expect(drained).toBeGreaterThan(0);
  });

  it('reaches a LAN address only from the same home; from elsewhere the SYN is dropped and the dial times out', async () => {
    const { clock, net, listen } = setup();
    const inside = host('10.0.0.2', { home: 1, publicAddress: '198.18.0.9' });
    const neighbour = host('10.0.0.3', { home: 1, publicAddress: '198.18.0.9' });
    const outside = host('198.18.0.4');
    listen(inside, '10.0.0.2', true);
    expect((await dial(net, clock, neighbour, '10.0.0.2')).pipe).toBeDefined();
    const t0 = clock.now();
    const r = await dial(net, clock, outside, '10.0.0.2', 3000);
    expect(r.error).toMatch(/timed out/);
    expect(r.at! - t0).toBe(3000);
  });

  it("a router's public address without a mapping at the port resets the dial after a round trip", async () => {
    const { clock, net } = setup();
    const outside = host('198.18.0.4');
    net.router('198.18.0.9');
    const t0 = clock.now();
    const r = await dial(net, clock, outside, '198.18.0.9', 3000);
    expect(r.error).toMatch(/refused/);
    expect(r.at! - t0).toBe(22); // the dialler's own 10 + 10 ms, and 2 ms
  });

  it('a cut link answers no SYN: the dial times out; once restored it connects', async () => {
    const { clock, net, listen } = setup();
    const a = host('a');
    const b = host('b', { cutUntil: 5_000 });
    listen(b);
    const r = await dial(net, clock, a, 'b', 3000);
    expect(r.error).toMatch(/timed out/);
    expect(r.at).toBe(3000);
    expect((await dial(net, clock, a, 'b')).pipe).toBeDefined();
  });

  it('a host that has left: a NAT-less address drops the SYN, a mapping behind a router is refused at once', async () => {
    const { clock, net, accepted, listen } = setup();
    const a = host('a');
    const open = host('198.18.0.5');
    const natted = host('10.0.0.2', { home: 3, publicAddress: '198.18.0.6' });
    listen(open);
    listen(natted, '198.18.0.6'); // its UPnP mapping on the router's address
    net.leave(open);
    net.leave(natted);
    const t0 = clock.now();
    const dropped = await dial(net, clock, a, '198.18.0.5', 3000);
    expect(dropped.error).toMatch(/timed out/);
    expect(dropped.at! - t0).toBe(3000);
    const t1 = clock.now();
    const refused = await dial(net, clock, a, '198.18.0.6', 3000);
    expect(refused.error).toMatch(/refused/);
    expect(refused.at! - t1).toBeLessThan(100);
    // on its own LAN there is no router in front of it: silence
    const housemate = host('10.0.0.3', { home: 3, publicAddress: '198.18.0.6' });
    listen(natted, '10.0.0.2', true);
    expect((await dial(net, clock, housemate, '10.0.0.2', 3000)).error).toMatch(/timed out/);
    expect(accepted).toHaveLength(0);
  });

  it('a closed pipe tells the other end after what was sent before the close', async () => {
    const { clock, net, accepted, listen } = setup();
    const a = host('a');
    const b = host('b');
    listen(b);
    const { pipe } = await dial(net, clock, a, 'b');
    const seen: string[] = [];
    accepted[0].onData(() => seen.push('data'));
    accepted[0].onClose(() => seen.push('close'));
    pipe!.write(Buffer.alloc(50_000));
    pipe!.close();
    await clock.runUntil(clock.now() + 5_000);
    expect(seen).toEqual(['data', 'close']);
  });

  it("carries a channel's messages as they are, at the times and byte counts of their frames", async () => {
    // the same exchange over pipes that carry messages and over the same pipes seen as bytes only
    const bytesOnly = (p: Pipe): Pipe => ({
      remoteAddress: p.remoteAddress,
      write: (b) => p.write(b),
      onData: (cb) => p.onData(cb),
      onDrain: (cb) => p.onDrain(cb),
      onClose: (cb) => p.onClose(cb),
      close: () => p.close(),
    });
    const run = async (direct: boolean) => {
      const { clock, net, accepted, listen } = setup();
      const a = host('a', { up: link(1000, 5) });
      const b = host('b');
      listen(b);
      const { pipe } = await dial(net, clock, a, 'b');
      const wrap = (p: Pipe) => (direct ? p : bytesOnly(p));
      const opts = { maxFrameBytes: 1 << 20, keepaliveMs: 1000, deadAfterMs: 3000, name: 't' };
      const tx = new Channel(wrap(pipe!), clock, opts);
      const rx = new Channel(wrap(accepted[0]), clock, opts);
      const got: unknown[] = [];
      rx.onMessage = (m) => got.push([clock.now(), m.type, m.body, m.payload?.length]);
      for (let i = 0; i < 12; i++) tx.send('chunk', { rid: i, index: i }, Buffer.alloc(16_384, i));
      tx.send('trackerQuery', { qid: 7, track: 2, quality: 'q5' });
      tx.send('bye', { reason: 'done ✓' });
      await clock.runUntil(clock.now() + 10_000);
      return { got, out: tx.bytesOut, in: rx.bytesIn, rtt: tx.rttMs };
    };
    const direct = await run(true);
    expect(direct.got).toHaveLength(14);
    expect(direct.rtt).not.toBeNull();
    expect(direct).toEqual(await run(false));
  });

  it('hands a message as its frame to an end that listens for bytes only', async () => {
    const { clock, net, accepted, listen } = setup();
    const a = host('a');
    const b = host('b');
    listen(b);
    const { pipe } = await dial(net, clock, a, 'b');
    const frames: Buffer[] = [];
    accepted[0].onData((buf) => frames.push(buf));
    pipe!.writeMessage!(pack({ type: 'chunk', body: { rid: 1, index: 3 }, payload: Buffer.alloc(100, 9) }));
    await clock.runUntil(clock.now() + 5_000);
    expect(frames).toHaveLength(1);
    expect(decodeFrame(frames[0].subarray(4))).toEqual({ type: 'chunk', body: { rid: 1, index: 3 }, payload: Buffer.alloc(100, 9) });
  });
});
