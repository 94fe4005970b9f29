// Length-prefixed frames, the same on every connection:
//   u32 length of the rest | u8 type code | u16 header length | header (JSON, UTF-8) | payload
// The header carries the message's fields, the payload raw bytes (track data). Decoding checks the
// length bound before buffering, the type code, the JSON and every field (messages.ts), and
// reports a ProtocolError instead of throwing anything else, so a bad peer costs one connection.

import { checkBody, type Message, type MessageType, TYPE_CODES } from './messages.ts';

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const CODE_OF = new Map<MessageType, number>(TYPE_CODES.map((t, i) => [t, i]));

export function encode(msg: Message): Buffer {
  const header = Buffer.from(JSON.stringify(msg.body), 'utf8');
  if (header.length > 0xffff) throw new ProtocolError(`${msg.type}: header too large (${header.length} bytes)`);
  const payload = msg.payload ?? Buffer.alloc(0);
  const out = Buffer.allocUnsafe(4 + 1 + 2 + header.length + payload.length);
  out.writeUInt32BE(out.length - 4, 0);
  out.writeUInt8(CODE_OF.get(msg.type)!, 4);
  out.writeUInt16BE(header.length, 5);
  header.copy(out, 7);
  payload.copy(out, 7 + header.length);
  return out;
}

export function decodeFrame(frame: Buffer): Message {
  if (frame.length < 3) throw new ProtocolError(`frame of ${frame.length} bytes is shorter than its header`);
  const type = TYPE_CODES[frame.readUInt8(0)];
  if (!type) throw new ProtocolError(`unknown message type code ${frame.readUInt8(0)}`);
  const hlen = frame.readUInt16BE(1);
  if (3 + hlen > frame.length) throw new ProtocolError(`${type}: header length ${hlen} runs past the frame`);
  let body: unknown;
  try {
    body = JSON.parse(frame.subarray(3, 3 + hlen).toString('utf8'));
  } catch {
    throw new ProtocolError(`${type}: header is not valid JSON`);
  }
  const bad = checkBody(type, body);
  if (bad) throw new ProtocolError(bad);
  const payload = frame.subarray(3 + hlen);
  const hasPayload = type === 'data' || type === 'chunk';
  if (!hasPayload && payload.length > 0) throw new ProtocolError(`${type}: unexpected payload of ${payload.length} bytes`);
  // a payload that is a small part of a large read (a socket hands over 64 KiB at a time) is
  // copied, so that keeping a chunk does not keep the whole read; one that is most of its buffer
  // is kept as it is (a copy of every track byte was the simulation's largest cost)
  const own = hasPayload && payload.byteLength * 2 < payload.buffer.byteLength ? Buffer.from(payload) : payload;
  return { type, body, ...(hasPayload ? { payload: own } : {}) } as Message;
}

/** Reassembles frames from a byte stream. Feed it chunks; it returns whole messages. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrame: number) {}

  /** bytes of a frame that has begun but not ended (a slow or stalled sender holds it open) */
  get partialBytes(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): Message[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Message[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > this.maxFrame) throw new ProtocolError(`frame of ${len} bytes exceeds the limit of ${this.maxFrame}`);
      if (this.buf.length < 4 + len) break;
      const frame = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      out.push(decodeFrame(frame));
    }
    return out;
  }
}
