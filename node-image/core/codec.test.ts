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

  it('copies a frame that trickles in byte by byte about once, not once per byte', () => {
    const m: Message = { type: 'chunk', body: { rid: 1, index: 2 }, payload: Buffer.alloc(16 * 1024, 7) };
    const bytes = encode(m);
    const dec = new FrameDecoder(1 << 20);
    // every way the decoder may copy: joining pieces, or copying them into a frame of its own
    let copied = 0;
    const concat = vi.spyOn(Buffer, 'concat');
    const copy = vi.spyOn(Buffer.prototype, 'copy');
    try {
      const got: Message[] = [];
      for (let i = 0; i < bytes.length; i++) got.push(...dec.push(bytes.subarray(i, i + 1)));
      for (const r of concat.mock.results) copied += (r.value as Buffer).length;
      for (const c of copy.mock.calls) copied += ((c[3] as number | undefined) ?? (c[0] as Buffer).length) - ((c[2] as number | undefined) ?? 0);
      expect(got).toEqual([m]);
    } finally {
      concat.mockRestore();
      copy.mockRestore();
    }
    expect(copied).toBeLessThanOrEqual(2 * bytes.length);
    expect(dec.partialBytes).toBe(0);
  });

  it('counts the bytes of a frame begun, and forgets them when cleared', () => {
    const bytes = Buffer.concat([encode({ type: 'ping', body: {} }), encode({ type: 'bye', body: { reason: 'x' } })]);
    const dec = new FrameDecoder(1024);
    expect(dec.push(bytes.subarray(0, bytes.length - 3))).toEqual([{ type: 'ping', body: {} }]);
    expect(dec.partialBytes).toBe(bytes.length - 3 - encode({ type: 'ping', body: {} }).length);
    dec.clear();
    expect(dec.partialBytes).toBe(0);
    expect(dec.push(encode({ type: 'ping', body: {} }))).toEqual([{ type: 'ping', body: {} }]);
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
