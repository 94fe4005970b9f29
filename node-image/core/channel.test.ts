import { describe, expect, it } from 'vitest';
import { Channel } from './channel.ts';
import { ManualClock } from './clock.ts';
import { decodeFrame } from './codec.ts';
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
