import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { decodeFrame, encode, FrameDecoder, frameOf, ProtocolError, pack, unpack } from './codec.ts';
import { type Message, TYPE_CODES } from './messages.ts';

const quality = fc.constantFrom('q5' as const, 'q9' as const);
const nat = fc.nat({ max: 2 ** 40 });
const peer = fc.record({ id: fc.string({ maxLength: 20 }), host: fc.string({ maxLength: 40 }), port: fc.nat({ max: 65535 }) });
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('trackerQuery' as const), body: fc.record({ qid: nat, track: nat, quality }) }),
  fc.record({ type: fc.constant('trackerAnswer' as const), body: fc.record({ qid: nat, peers: fc.array(peer, { maxLength: 10 }) }) }),
  fc.record({ type: fc.constant('search' as const), body: fc.record({ qid: fc.string(), track: nat, quality, ttl: fc.nat({ max: 5 }) }) }),
  fc.record({ type: fc.constant('chunk' as const), body: fc.record({ rid: nat, index: nat }), payload: fc.uint8Array({ maxLength: 20000 }).map((u) => Buffer.from(u)) }),
  fc.record({ type: fc.constant('bye' as const), body: fc.record({ reason: fc.string() }) }),
  fc.record({ type: fc.constant('ping' as const), body: fc.constant({}) }),
) as fc.Arbitrary<Message>;

describe('codec', () => {
  it('round-trips every message, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat({ max: 5000 }), { maxLength: 20 }), (msgs, cuts) => {
        const bytes = Buffer.concat(msgs.map(encode));
        const dec = new FrameDecoder(1 << 20);
        const got: Message[] = [];
        let pos = 0;
        for (const c of cuts) {
          const end = Math.min(bytes.length, pos + c);
          got.push(...dec.push(bytes.subarray(pos, end)));
          pos = end;
        }
        got.push(...dec.push(bytes.subarray(pos)));
        expect(got).toEqual(msgs.map((m) => (m.type === 'chunk' ? m : { type: m.type, body: m.body })));
      }),
    );
  });

  it('copies a frame that trickles in byte by byte a bounded number of times, and counts what it holds', () => {
    const m: Message = { type: 'chunk', body: { rid: 1, index: 2 }, payload: Buffer.alloc(16 * 1024, 7) };
    const bytes = encode(m);
    const dec = new FrameDecoder(1 << 20);
    // every way the decoder may copy: joining pieces, or copying them into a buffer of its own
    let copied = 0;
    let held = 0;
    const concat = vi.spyOn(Buffer, 'concat');
    const copy = vi.spyOn(Buffer.prototype, 'copy');
    try {
      const got: Message[] = [];
      for (let i = 0; i < bytes.length; i++) {
        got.push(...dec.push(bytes.subarray(i, i + 1)));
        // what it holds is counted (the memory budget reads it), and is at most twice what came
        if (i < bytes.length - 1) expect(dec.partialBytes).toBeGreaterThanOrEqual(i + 1);
        held = Math.max(held, dec.partialBytes);
      }
      for (const r of concat.mock.results) copied += (r.value as Buffer).length;
      // source.copy(target, targetStart = 0, sourceStart = 0, sourceEnd = source.length)
      copy.mock.calls.forEach((c, k) => {
        const source = copy.mock.contexts[k] as Buffer;
        const [target, targetStart = 0, sourceStart = 0, sourceEnd = source.length] = c as [Buffer, number?, number?, number?];
        copied += Math.max(0, Math.min(sourceEnd - sourceStart, target.length - targetStart));
      });
      expect(got).toEqual([m]);
    } finally {
      concat.mockRestore();
      copy.mockRestore();
    }
    // each byte copied in once; the doublings copy at most twice the frame again
    expect(copied).toBeLessThanOrEqual(3 * bytes.length);
    expect(held).toBeLessThanOrEqual(2 * bytes.length);
    expect(dec.partialBytes).toBe(0);
  });

  it('keeps the payloads it returned intact while later bytes arrive', () => {
    const a: Message = { type: 'chunk', body: { rid: 1, index: 0 }, payload: Buffer.alloc(3000, 1) };
    const b: Message = { type: 'chunk', body: { rid: 1, index: 1 }, payload: Buffer.alloc(3000, 2) };
    const bytes = Buffer.concat([encode(a), encode(b), encode(a)]);
    const dec = new FrameDecoder(1 << 20);
    const got: Message[] = [];
    // cut so that a frame ends inside a piece that also begins the next one
    for (const [from, to] of [
      [0, 100],
      [100, 3100],
      [3100, 6200],
      [6200, bytes.length],
    ])
      got.push(...dec.push(bytes.subarray(from, to)));
    expect(got).toEqual([a, b, a]);
  });

  it('counts what it holds of a frame begun, and forgets it when cleared', () => {
    const ping = encode({ type: 'ping', body: {} });
    const bye = encode({ type: 'bye', body: { reason: 'x' } });
    const dec = new FrameDecoder(1024);
    expect(dec.push(Buffer.concat([ping, bye.subarray(0, bye.length - 3)]))).toEqual([{ type: 'ping', body: {} }]);
    expect(dec.partialBytes).toBeGreaterThanOrEqual(bye.length - 3);
    dec.clear();
    expect(dec.partialBytes).toBe(0);
    expect(dec.push(ping)).toEqual([{ type: 'ping', body: {} }]);
    expect(dec.partialBytes).toBe(0);
  });

  it('reads nothing more once a header broke the limit', () => {
    const dec = new FrameDecoder(1024);
    const big = Buffer.alloc(4);
    big.writeUInt32BE(1 << 20);
    expect(() => dec.push(big)).toThrow(/exceeds the limit/);
    expect(() => dec.push(encode({ type: 'ping', body: {} }))).toThrow(/exceeds the limit/);
  });

  it('turns arbitrary bytes into messages or a ProtocolError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (u) => {
        const dec = new FrameDecoder(256);
        try {
          dec.push(Buffer.from(u));
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });

  it('refuses oversized, unknown, malformed and mistyped frames with a reason', () => {
    const big = Buffer.alloc(4);
    big.writeUInt32BE(1 << 30);
    expect(() => new FrameDecoder(1024).push(big)).toThrow(/exceeds the limit/);
    expect(() => decodeFrame(Buffer.from([TYPE_CODES.length, 0, 0]))).toThrow(/unknown message type/);
    const frame = (type: number, json: string, extra = Buffer.alloc(0)) => {
      const h = Buffer.from(json);
      const b = Buffer.alloc(3 + h.length);
      b.writeUInt8(type, 0);
      b.writeUInt16BE(h.length, 1);
      h.copy(b, 3);
      return Buffer.concat([b, extra]);
    };
    const tq = TYPE_CODES.indexOf('trackerQuery');
    expect(() => decodeFrame(frame(tq, '{"qid":1,'))).toThrow(/not valid JSON/);
    expect(() => decodeFrame(frame(tq, '{"qid":1,"track":2,"quality":"q7"}'))).toThrow(/quality/);
    expect(() => decodeFrame(frame(tq, '{"qid":-1,"track":2,"quality":"q5"}'))).toThrow(/qid/);
    expect(() => decodeFrame(frame(tq, '{"qid":1,"track":2,"quality":"q5","x":1}'))).toThrow(/unexpected field "x"/);
    expect(() => decodeFrame(frame(tq, '{"qid":1,"track":2,"quality":"q5"}', Buffer.from([1])))).toThrow(/unexpected payload/);
    expect(decodeFrame(frame(tq, '{"qid":1,"track":2,"quality":"q5"}'))).toEqual({ type: 'trackerQuery', body: { qid: 1, track: 2, quality: 'q5' } });
    // a chunk request's run length may be left out (one chunk), else it is at least one
    const cr = TYPE_CODES.indexOf('chunkRequest');
    const ask = '"rid":1,"track":2,"quality":"q5","index":3';
    expect(decodeFrame(frame(cr, `{${ask}}`)).body).toEqual({ rid: 1, track: 2, quality: 'q5', index: 3 });
    expect(decodeFrame(frame(cr, `{${ask},"count":2}`)).body).toMatchObject({ count: 2 });
    expect(() => decodeFrame(frame(cr, `{${ask},"count":0}`))).toThrow(/field "count"/);
    expect(() => decodeFrame(frame(cr, `{${ask},"count":1.5}`))).toThrow(/field "count"/);
    // names every object inherits are fields like any other: unknown, refused
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(() => decodeFrame(frame(tq, `{"qid":1,"track":2,"quality":"q5","${k}":{}}`)), k).toThrow(new RegExp(`unexpected field "${k}"`));
    }
  });

  it('packs a message as its frame would carry it, and unpacks it as the decoder does', () => {
    fc.assert(
      fc.property(message, (m) => {
        const frame = encode(m);
        const p = pack(m);
        expect(p.bytes).toBe(frame.length);
        expect(frameOf(p).equals(frame)).toBe(true);
        const got = unpack(p, 1 << 20);
        expect(got).toEqual(decodeFrame(frame.subarray(4)));
        // the body is parsed afresh, not the sender's object
        expect(got.body).not.toBe(m.body);
      }),
    );
  });

  it('refuses in unpack what the decoder refuses, for the same reason', () => {
    const chunk = pack({ type: 'chunk', body: { rid: 1, index: 2 }, payload: Buffer.alloc(2000) });
    expect(() => unpack(chunk, 1000)).toThrow(/frame of \d+ bytes exceeds the limit of 1000/);
    expect(unpack(chunk, 1 << 20).payload).toBe(chunk.payload);
    expect(unpack(pack({ type: 'chunk', body: { rid: 1, index: 2 } }), 1 << 20).payload).toEqual(Buffer.alloc(0));
    const bad = (body: unknown, payload?: Buffer) => () => unpack(pack({ type: 'trackerQuery', body, payload } as Message), 1 << 20);
    expect(bad({ qid: 1, track: 2, quality: 'q7' })).toThrow(/quality/);
    expect(bad({ qid: 1, track: 2, quality: 'q5', x: 1 })).toThrow(/unexpected field "x"/);
    expect(bad({ qid: 1, track: 2, quality: 'q5' }, Buffer.from([1]))).toThrow(/unexpected payload/);
    expect(bad({ qid: 1, track: 2, quality: 'q5' }, Buffer.from([1]))).toThrow(ProtocolError);
  });
});
