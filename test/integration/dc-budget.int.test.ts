// The data centre's one memory budget (dcBufferBytes) against the two attacks that each stay
// within their connection's own limits, over real TCP on loopback: many connections holding a
// frame just short of maxFrameBytes, and many clients that never read with a queue just short of
// maxQueuedBytes. After each, the bytes the data centre holds (its own count) are within the
// budget, every connection it closed held the most when it was closed, and a well-behaved client
// is answered throughout. Waits are on the data centre's events, not on time.
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../node-image/adapters/tcp.ts';
import { Channel, channelOptions } from '../../node-image/core/channel.ts';
import { realClock } from '../../node-image/core/clock.ts';
import { DataCentre, type ReportSink } from '../../node-image/core/dc.ts';
import { type ProtocolParams, resolveParams } from '../../node-image/core/params.ts';
import { askUntil, normalClient, partialFrames, percentile, slowReaders } from './dc-attacks.ts';

const MiB = 1 << 20;
// the per-connection limits as the programs run them (1 MiB frames, 8 MiB queues); a budget small
// enough that a few hundred MiB of attack goes well past it; timers that would close the attackers
// on their own (partial frames, silence) out of the way, so that only the budget acts
const params = resolveParams({ dcBufferBytes: 64 * MiB, partialFrameMs: 600_000, deadAfterMs: 600_000 });

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function startDc(p: ProtocolParams) {
  const clock = realClock({ scale: 1 });
  const sink: ReportSink = { append: async () => {}, storedKeys: () => [] };
  /** the data centre's ends of the connections, open */
  const open = new Set<Channel>();
  /** the connections of the attack under way, open or not, and what closed each */
  let attack = new Set<Channel>();
  const reasons = new Map<Channel, string>();
  const handled = new Map<Channel, number>();
  /** a shed connection that did not hold the most when it was shed */
  const wrongVictims: string[] = [];
  const dc = new DataCentre('london', p, clock, sink, (event, fields) => {
    if (event !== 'connection-shed') return;
    const most = Math.max(...[...open].map((c) => c.heldBytes));
    if (fields?.holds !== most) wrongVictims.push(`shed one holding ${String(fields?.holds)} while another held ${most}`);
  });
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };
  const server = await listen('127.0.0.1', 0, (pipe) => {
    const ch = new Channel(pipe, clock, channelOptions(p, 'client'));
    dc.accept(ch);
    if (!ch.isOpen) return;
    open.add(ch);
    attack.add(ch);
    const { onClosed, onHeld, onMessage } = ch;
    ch.onClosed = (r, c) => {
      onClosed(r, c);
      open.delete(ch);
      reasons.set(ch, r);
      changed();
    };
    ch.onHeld = (d, c) => {
      onHeld(d, c);
      changed();
    };
    ch.onMessage = (m, c) => {
      onMessage(m, c);
      handled.set(ch, (handled.get(ch) ?? 0) + 1);
      changed();
    };
  });
  cleanups.push(() => server.close());
  cleanups.push(() => {
    for (const ch of open) ch.close('test over');
  });
  return {
    dc,
    clock,
    port: (server.address() as net.AddressInfo).port,
    open,
    reasons,
    handled,
    wrongVictims,
    /** the connections accepted from now on are the next attack's */
    newAttack() {
      attack = new Set();
      return () => attack;
    },
    /** settles once `cond` holds, checked at every change the data centre sees */
    until(cond: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const w = () => {
          if (!cond()) return;
          waiters.delete(w);
          resolve();
        };
        waiters.add(w);
        w();
      });
    },
    /** the sum of what the open connections hold: the data centre's count must agree */
    heldByConnections: () => [...open].reduce((s, c) => s + c.heldBytes, 0),
  };
}

const mb = (bytes: number) => `${(bytes / MiB).toFixed(0)} MB`;

describe("the data centre's memory budget against many connections each within its own limits", () => {
  it('sheds the connections holding the largest partial frames and keeps the rest within the budget, while a client is answered', async () => {
    const t = await startDc(params);
    const good = await normalClient(t.port, t.clock, params);
    cleanups.push(() => good.ch.close('done'));
    const rss0 = process.memoryUsage().rss;
    const n = 200;
    // each holds the frame's length prefix and all of it but one byte
    const full = 4 + params.maxFrameBytes - 1;
    const attackers = t.newAttack();
    // (the decoder holds them in a buffer of the frame's size, or of what came if it came at once)
    const done = t.until(() => attackers().size === n && [...attackers()].every((c) => !c.isOpen || c.heldBytes >= full));
    const latencies = askUntil(good, done);
    const socks = await partialFrames(t.port, n, params.maxFrameBytes);
    cleanups.push(() => {
      for (const s of socks) s.destroy();
    });
    await done;
    const ms = await latencies;
    const rss1 = process.memoryUsage().rss;
    const shed = [...attackers()].filter((c) => !c.isOpen);
    console.log(
      `partial frames: ${n} connections × ${mb(full)} against a budget of ${mb(params.dcBufferBytes)}: ${shed.length} shed, ${mb(t.dc.heldBytes)} held; ` +
        `RSS of the test's process (attackers included) ${mb(rss0)} -> ${mb(rss1)}; a client's p99 over ${ms.length} asks ${percentile(ms, 99).toFixed(1)} ms`,
    );

    expect(t.dc.heldBytes).toBe(t.heldByConnections());
    expect(t.dc.heldBytes).toBeLessThanOrEqual(params.dcBufferBytes);
    expect(t.dc.stats.peakHeldBytes).toBeLessThanOrEqual(params.dcBufferBytes);
    // the budget, not anything else, closed them; as many as it takes and no more
    for (const c of shed) expect(t.reasons.get(c)).toMatch(/^shed: held \d+ bytes, the most of any connection, while the data centre held \d+, over its budget of 67108864 \(dcBufferBytes\)$/);
    expect(shed.length).toBe(t.dc.stats.shedConnections);
    expect(n - shed.length).toBe(Math.floor(params.dcBufferBytes / full));
    expect(t.wrongVictims).toEqual([]);
    expect(good.closed()).toBe('');
    await good.ask();
  });

  it("sheds the clients with the largest unread queues and keeps the rest within the budget, while a client's requests are answered", async () => {
    const t = await startDc(params);
    const good = await normalClient(t.port, t.clock, params);
    cleanups.push(() => good.ch.close('done'));
    const rss0 = process.memoryUsage().rss;
    const n = 40;
    // a frame's worth under the connection's own limit, so that only the budget can close them
    const asked = params.maxQueuedBytes - params.maxFrameBytes;
    const attackers = t.newAttack();
    // every slow reader's login and request handled (the data centre queues a request's answer at once), or it is closed
    const done = t.until(() => attackers().size === n && [...attackers()].every((c) => !c.isOpen || t.handled.get(c) === 2));
    const latencies = askUntil(good, done);
    const socks = await slowReaders(t.port, n, asked);
    cleanups.push(() => {
      for (const s of socks) s.destroy();
    });
    await done;
    const ms = await latencies;
    const rss1 = process.memoryUsage().rss;
    const shed = [...attackers()].filter((c) => !c.isOpen);
    const kept = [...attackers()].filter((c) => c.isOpen);
    console.log(
      `slow readers: ${n} asking ${mb(asked)} each against a budget of ${mb(params.dcBufferBytes)}: ${shed.length} shed, ${kept.length} kept holding ${mb(t.dc.heldBytes)}; ` +
        `RSS of the test's process (attackers included) ${mb(rss0)} -> ${mb(rss1)}; a client's p99 over ${ms.length} asks ${percentile(ms, 99).toFixed(1)} ms`,
    );

    expect(t.dc.heldBytes).toBe(t.heldByConnections());
    expect(t.dc.heldBytes).toBeLessThanOrEqual(params.dcBufferBytes);
    expect(t.dc.stats.peakHeldBytes).toBeLessThanOrEqual(params.dcBufferBytes);
    expect(shed.length).toBeGreaterThan(0);
    for (const c of shed) expect(t.reasons.get(c)).toMatch(/^shed: held \d+ bytes, the most of any connection/);
    expect(t.wrongVictims).toEqual([]);
    // what is kept still holds queues (they never read): the budget left them, it did not empty them
    expect(kept.length).toBeGreaterThan(0);
    for (const c of kept) expect(c.queuedBytes).toBeGreaterThan(0);
    // the well-behaved client is answered with the slow readers' queues at the budget: its own
    // answer puts the total over, and a slow reader goes, not it
    const before = t.dc.stats.shedConnections;
    await good.ask();
    expect(good.closed()).toBe('');
    expect(t.dc.stats.shedConnections).toBeGreaterThanOrEqual(before);
  });
});
