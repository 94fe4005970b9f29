import { describe, expect, it } from 'vitest';
import { Channel, type Liveness, type Pipe } from '../../../node-image/core/channel.ts';
import { SimClock } from './clock.ts';
import { CutLiveness } from './liveness.ts';
import { type LinkDir, newHost, type SimHost, SimNetwork } from './network.ts';

const link = (kbit: number, delayMs: number): LinkDir => ({ kbit, delayMs, jitterMs: 0, lossPct: 0 });
const host = (name: string): SimHost => newHost(name, link(1000, 10), link(8000, 10), name, name, -1);
const OPTS = { maxFrameBytes: 1 << 20, keepaliveMs: 2_000, deadAfterMs: 6_000, name: 't' };

/** two hosts with a connection between them, each end a channel watched by `lazy` (or the pings) */
async function connected(lazy: boolean) {
  const clock = new SimClock();
  const net = new SimNetwork(clock, () => 0.5);
  const liveness: Liveness | undefined = lazy ? new CutLiveness(net, clock) : undefined;
  const a = host('a');
  const b = host('b');
  const closed: { end: string; at: number; reason: string }[] = [];
  const open = (p: Pipe, end: string) => {
    const ch = new Channel(p, clock, { ...OPTS, ...(liveness ? { liveness } : {}) });
    ch.onClosed = (reason) => closed.push({ end, at: clock.realNow(), reason });
    return ch;
  };
  let theirs: Channel | null = null;
  net.listen('b', 4100, { host: b, accept: (p) => void (theirs = open(p, 'b')) });
  let mine: Channel | null = null;
  void net
    .dialer(a)
    .dial('b', 4100, 3000)
    .then((p) => void (mine = open(p, 'a')));
  await clock.runUntil(1_000);
  return { clock, net, a, b, closed, mine: mine!, theirs: theirs! };
}

describe('lazy keep-alives on the simulated network', () => {
  it('close both ends deadAfterMs after a cut, as the pings would within a keep-alive period, and send no ping', async () => {
    const results = [];
    for (const lazy of [false, true]) {
      const s = await connected(lazy);
      const cutAt = s.clock.realNow();
      s.net.cut(s.a, cutAt + 60_000);
      await s.clock.runUntil(40_000);
      expect(s.closed.map((c) => c.end).sort(), `lazy ${lazy}`).toEqual(['a', 'b']);
      for (const c of s.closed) expect(c.reason).toMatch(/keep-alive timeout/);
      results.push({ lazy, at: s.closed.map((c) => c.at - cutAt), pings: s.net.messages.get('ping') ?? 0 });
    }
    const [eager, lazy] = results;
    expect(lazy.at).toEqual([6_000, 6_000]);
    for (const t of eager.at) expect(Math.abs(t - 6_000)).toBeLessThanOrEqual(OPTS.keepaliveMs);
    expect(eager.pings).toBeGreaterThan(0);
    expect(lazy.pings).toBe(0);
  });

  it('keep a connection whose link came back before deadAfterMs', async () => {
    const s = await connected(true);
    s.net.cut(s.b, s.clock.realNow() + 3_000);
    await s.clock.runUntil(60_000);
    expect(s.closed).toEqual([]);
    expect(s.mine.isOpen && s.theirs.isOpen).toBe(true);
  });

  it('are told by nothing but a cut: a connection nobody cuts stays open for as long as the run, with no timer of its own', async () => {
    const s = await connected(true);
    const pending = s.clock.pending;
    await s.clock.runUntil(3_600_000);
    expect(s.closed).toEqual([]);
    expect(s.clock.pending).toBeLessThanOrEqual(pending);
  });

  it('give the lowest-rtt peer choice the path round trip the pings would have measured without queues', async () => {
    const s = await connected(true);
    expect(s.mine.rttMs).toBe(40);
  });
});
