import { describe, expect, it } from 'vitest';
import { Channel } from './channel.ts';
import { ManualClock } from './clock.ts';
import { decodeFrame, encode } from './codec.ts';
import { pipePair } from './test/memory-pipe.ts';

const opts = { maxFrameBytes: 1 << 20, keepaliveMs: 1000, deadAfterMs: 3000, name: 't' };

describe('channel', () => {
  it('sends an interactive message ahead of queued bulk data', () => {
    const clock = new ManualClock();
    const [a] = pipePair(20_000);
    const ch = new Channel(a, clock, opts);
    for (let i = 0; i < 10; i++) ch.send('chunk', { rid: i, index: i }, Buffer.alloc(16_384));
    ch.send('trackerQuery', { qid: 1, track: 2, quality: 'q5' });
    // the pipe took chunks until full (2 of them); the query jumps the 8 chunks still queued
    const order = () => a.written.map((b) => decodeFrame(b.subarray(4)).type);
    expect(order()).toEqual(['chunk', 'chunk']);
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        expect(order().slice(0, 3)).toEqual(['chunk', 'chunk', 'trackerQuery']);
        expect(order().filter((t) => t === 'chunk')).toHaveLength(10);
        resolve();
      }, 10);
    });
  });

  it('closes a connection that stays silent past the keep-alive deadline, with a reason', () => {
    const clock = new ManualClock();
    const [a] = pipePair();
    const ch = new Channel(a, clock, opts);
    let reason = '';
    ch.onClosed = (r) => (reason = r);
    clock.advance(2500);
    expect(ch.isOpen).toBe(true);
    clock.advance(1600);
    expect(ch.isOpen).toBe(false);
    expect(reason).toMatch(/keep-alive timeout/);
  });

  it('closes only this connection on a bad frame and says why', async () => {
    const clock = new ManualClock();
    const [a, b] = pipePair();
    const ch = new Channel(b, clock, opts);
    let reason = '';
    ch.onClosed = (r) => (reason = r);
    const junk = Buffer.from([0, 0, 0, 3, 250, 0, 0]);
    a.write(junk);
    await new Promise((r) => setTimeout(r, 5));
    expect(ch.isOpen).toBe(false);
    expect(reason).toMatch(/bad frame .*unknown message type code 250/);
  });
});

/** a pipe whose other end never reads: every write reports it full, no drain ever comes */
function stuckPipe() {
  let onData: (b: Buffer) => void = () => {};
  let onClose: (r: string) => void = () => {};
  let closed = false;
  const pipe = {
    remoteAddress: '198.18.0.66',
    write: () => false,
    onData: (cb: (b: Buffer) => void) => void (onData = cb),
    onDrain: () => {},
    onClose: (cb: (r: string) => void) => void (onClose = cb),
    close: () => {
      closed = true;
      onClose('closed');
    },
  };
  return { pipe, feed: (b: Buffer) => onData(b), isClosed: () => closed };
}

describe('channel against a hostile peer', () => {
  it('closes a connection whose peer does not read once its queue passes the limit, and frees it', () => {
    const clock = new ManualClock();
    const s = stuckPipe();
    let reason = '';
    const ch = new Channel(s.pipe, clock, { ...opts, maxQueuedBytes: 100_000 });
    ch.onClosed = (r) => (reason = r);
    for (let i = 0; i < 20 && ch.isOpen; i++) ch.send('data', { rid: 1, offset: i * 16_384 }, Buffer.alloc(16_384));
    expect(ch.isOpen).toBe(false);
    expect(reason).toMatch(/198\.18\.0\.66 does not read: \d+ bytes queued, the limit is 100000/);
    expect(ch.queuedBytes).toBe(0);
  });

  it('closes a slowloris whose frame trickles in past the limit, but not a steady stream of large frames', () => {
    const clock = new ManualClock();
    const slow = stuckPipe();
    const ch = new Channel(slow.pipe, clock, { ...opts, partialFrameMs: 2000 });
    // a frame of 4096 bytes announced, then one byte every 500 ms: never silent, never complete
    const trickle = Buffer.concat([Buffer.from([0, 0, 16, 0]), Buffer.alloc(40)]);
    for (let i = 0; i < 3; i++) {
      slow.feed(trickle.subarray(i, i + 1));
      clock.advance(500);
    }
    expect(ch.isOpen).toBe(true);
    for (let i = 3; i < 12; i++) {
      slow.feed(trickle.subarray(i, i + 1));
      clock.advance(500);
    }
    expect(ch.isOpen).toBe(false);

    const fast = stuckPipe();
    const good = new Channel(fast.pipe, clock, { ...opts, partialFrameMs: 2000 });
    const got: string[] = [];
    good.onMessage = (m) => got.push(m.type);
    const frame = encode({ type: 'chunk', body: { rid: 1, index: 0 }, payload: Buffer.alloc(50_000) });
    // frames arrive in pieces that always end inside the next frame, for 10 s
    for (let t = 0; t < 20; t++) {
      fast.feed(frame.subarray(0, 30_000));
      clock.advance(250);
      fast.feed(frame.subarray(30_000));
      clock.advance(250);
    }
    expect(good.isOpen).toBe(true);
    expect(got).toHaveLength(20);
  });

  it('closes a frame that takes longer than partialFrameMs at that moment, not at the next keep-alive tick', () => {
    const clock = new ManualClock();
    const slow = stuckPipe();
    // keep-alives every 1000 ms: a check on that tick would close it up to 1000 ms late
    const ch = new Channel(slow.pipe, clock, { ...opts, partialFrameMs: 1500 });
    let reason = '';
    ch.onClosed = (r) => (reason = r);
    clock.advance(300);
    slow.feed(Buffer.from([0, 0, 16, 0, 1])); // a frame of 4096 bytes begins
    clock.advance(1499);
    slow.feed(Buffer.from([2])); // more of the same frame does not restart its clock
    expect(ch.isOpen).toBe(true);
    clock.advance(1);
    expect(ch.isOpen).toBe(false);
    expect(reason).toMatch(/took more than 1500 ms/);
    // a frame that completes in time cancels its timer: a later one gets its own 1500 ms
    const fine = stuckPipe();
    const ok = new Channel(fine.pipe, clock, { ...opts, keepaliveMs: 100_000, deadAfterMs: 200_000, partialFrameMs: 1500 });
    const frame = encode({ type: 'ping', body: {} });
    fine.feed(frame.subarray(0, 2));
    clock.advance(1000);
    fine.feed(Buffer.concat([frame.subarray(2), frame.subarray(0, 2)]));
    clock.advance(1400);
    expect(ok.isOpen).toBe(true);
    clock.advance(100);
    expect(ok.isOpen).toBe(false);
  });
});
