import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Pipe } from '../core/channel.ts';
import { delayedPipe, maybeDelayed } from './delay.ts';

/** A pipe whose far end the test drives by hand. */
function fakePipe() {
  const data: ((b: Buffer) => void)[] = [];
  const close: ((r: string) => void)[] = [];
  const pipe: Pipe = {
    remoteAddress: '198.18.0.9',
    write: () => true,
    onData: (cb) => void data.push(cb),
    onDrain: () => {},
    onClose: (cb) => void close.push(cb),
    close: () => close.forEach((cb) => cb('closed locally')),
  };
  return { pipe, receive: (s: string) => data.forEach((cb) => cb(Buffer.from(s))), remoteClose: () => close.forEach((cb) => cb('connection closed')) };
}

describe('receive delay (the no-netem fallback)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('holds each chunk for the delay, keeps the order under jitter, and closes after the data', () => {
    const far = fakePipe();
    const jitters = [1, 0]; // +10 ms for the first chunk, -10 ms for the second
    const p = delayedPipe(far.pipe, { ms: 40, jitterMs: 10 }, () => jitters.shift() ?? 0.5);
    const got: string[] = [];
    const closed: string[] = [];
    p.onData((b) => got.push(`${b}@${Date.now()}`));
    p.onClose((r) => closed.push(`${r}@${Date.now()}`));
    const t0 = Date.now();
    far.receive('a');
    vi.advanceTimersByTime(5);
    far.receive('b'); // due at 5+30 = 35 < 50: held until 'a' is out
    far.remoteClose();
    vi.advanceTimersByTime(44); // t0 + 49
    expect(got).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(got).toEqual([`a@${t0 + 50}`, `b@${t0 + 50}`]);
    expect(closed).toEqual([`connection closed@${t0 + 50}`]);
  });

  it('drops what is held when closed locally, and passes pipes through when no delay is set', () => {
    const far = fakePipe();
    const p = delayedPipe(far.pipe, { ms: 20, jitterMs: 0 });
    const got: string[] = [];
    const closed: string[] = [];
    p.onData((b) => got.push(String(b)));
    p.onClose((r) => closed.push(r));
    far.receive('x');
    p.close();
    vi.advanceTimersByTime(100);
    expect(got).toEqual([]);
    expect(closed).toEqual(['closed locally']);
    expect(maybeDelayed(far.pipe, { ms: 0, jitterMs: 0 })).toBe(far.pipe);
    expect(maybeDelayed(far.pipe, null)).toBe(far.pipe);
  });
});
