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

/**
 * A message as its frame carries it, without the frame's bytes: the header's JSON, the payload,
 * and the exact length encode() would give. An in-memory pipe (the simulation's network) carries
 * these instead of bytes (Pipe.writeMessage), and times each by `bytes`, so that nothing is
 * allocated, copied or decoded per frame while every link sees the same bytes as on a socket.
 */
export interface Packed {
  readonly type: MessageType;
  /** JSON.stringify of the body, as the frame's header carries it (in UTF-8) */
  readonly header: string;
  readonly payload: Buffer | undefined;
  /** the whole frame's length, its length prefix included */
  readonly bytes: number;
}

const NO_PAYLOAD = Buffer.alloc(0);

/** what encode() checks and measures, without making the bytes */
export function pack(msg: Message): Packed {
  const header = JSON.stringify(msg.body);
  const hlen = Buffer.byteLength(header, 'utf8');
  if (hlen > 0xffff) throw new ProtocolError(`${msg.type}: header too large (${hlen} bytes)`);
  return { type: msg.type, header, payload: msg.payload, bytes: 4 + 1 + 2 + hlen + (msg.payload?.length ?? 0) };
}

/** the frame of a packed message: what encode() gives for the message */
export function frameOf(p: Packed): Buffer {
  const out = Buffer.allocUnsafe(p.bytes);
  out.writeUInt32BE(out.length - 4, 0);
  out.writeUInt8(CODE_OF.get(p.type)!, 4);
  const hlen = out.write(p.header, 7, 'utf8');
  out.writeUInt16BE(hlen, 5);
  p.payload?.copy(out, 7 + hlen);
  return out;
}

export function encode(msg: Message): Buffer {
  return frameOf(pack(msg));
}

export function decodeFrame(frame: Buffer): Message {
  if (frame.length < 3) throw new ProtocolError(`frame of ${frame.length} bytes is shorter than its header`);
  const type = TYPE_CODES[frame.readUInt8(0)];
  if (!type) throw new ProtocolError(`unknown message type code ${frame.readUInt8(0)}`);
  const hlen = frame.readUInt16BE(1);
  if (3 + hlen > frame.length) throw new ProtocolError(`${type}: header length ${hlen} runs past the frame`);
  const body = parseHeader(type, frame.subarray(3, 3 + hlen).toString('utf8'));
  const payload = frame.subarray(3 + hlen);
  checkPayload(type, payload);
  // a payload that is a small part of a large read (a socket hands over 64 KiB at a time) is
  // copied, so that keeping a chunk does not keep the whole read; one that is most of its buffer
  // is kept as it is (a copy of every track byte was the simulation's largest cost)
  const own = hasPayload(type) && payload.byteLength * 2 < payload.buffer.byteLength ? Buffer.from(payload) : payload;
  return message(type, body, own);
}

/**
 * The message a packed one stands for, with every check decodeFrame makes of the same frame (the
 * length bound, the JSON, each field, the payload rule), so that a connection is refused for
 * the same reason on either path. The body is parsed afresh, as from bytes, so the receiver
 * never shares an object with the sender. The payload is the sender's own Buffer, not a copy:
 * neither side writes into a payload once sent (the core reads them, and copies what it keeps).
 */
export function unpack(p: Packed, maxFrame: number): Message {
  const len = p.bytes - 4;
  if (len > maxFrame) throw new ProtocolError(`frame of ${len} bytes exceeds the limit of ${maxFrame}`);
  const body = parseHeader(p.type, p.header);
  const payload = p.payload ?? NO_PAYLOAD;
  checkPayload(p.type, payload);
  return message(p.type, body, payload);
}

const hasPayload = (type: MessageType) => type === 'data' || type === 'chunk';

function parseHeader(type: MessageType, json: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    throw new ProtocolError(`${type}: header is not valid JSON`);
  }
  const bad = checkBody(type, body);
  if (bad) throw new ProtocolError(bad);
  return body;
}

function checkPayload(type: MessageType, payload: Buffer): void {
  if (!hasPayload(type) && payload.length > 0) throw new ProtocolError(`${type}: unexpected payload of ${payload.length} bytes`);
}

function message(type: MessageType, body: unknown, payload: Buffer): Message {
  // no spread: it made an object for the payload and one more for the spread, on every message
  return (hasPayload(type) ? { type, body, payload } : { type, body }) as Message;
}

const EMPTY = Buffer.alloc(0);
/** the smallest buffer a partial frame is held in (a header and a short body) */
const MIN_HELD = 64;

/** Reassembles frames from a byte stream. Feed it chunks; it returns whole messages. */
export class FrameDecoder {
  // Bytes received and not yet decoded: [0, len) of `buf`, whose capacity doubles as they come.
  // Joining on every arrival (as this did until 2026-12-07) copied a frame that trickles in k
  // pieces k times over, and keeping the pieces as they came cost a few hundred bytes of heap a
  // piece that the memory budget did not see; here each byte is copied in once, the doublings
  // copy at most as much again, and what the decoder holds is the buffer's capacity.
  private buf: Buffer = EMPTY;
  private len = 0;
  /** a frame whose header broke the limit: the stream cannot be read on from there */
  private broken: ProtocolError | null = null;
  constructor(private readonly maxFrame: number) {}

  /** bytes held for a frame that has begun but not ended (a slow or stalled sender holds it open) */
  get partialBytes(): number {
    return this.len ? this.buf.length : 0;
  }

  /** drops a partial frame: a closed connection should not keep its bytes */
  clear(): void {
    this.buf = EMPTY;
    this.len = 0;
  }

  push(chunk: Buffer): Message[] {
    if (this.broken) throw this.broken;
    const out: Message[] = [];
    if (!chunk.length) return out;
    // nothing held: frames are read from the chunk itself, and only a partial one is copied
    const held = this.len > 0;
    if (held) this.append(chunk);
    const data = held ? this.buf.subarray(0, this.len) : chunk;
    let off = 0;
    while (data.length - off >= 4) {
      const len = data.readUInt32BE(off);
      if (len > this.maxFrame) throw (this.broken = new ProtocolError(`frame of ${len} bytes exceeds the limit of ${this.maxFrame}`));
      if (data.length - off < 4 + len) break;
      out.push(decodeFrame(data.subarray(off + 4, off + 4 + len)));
      off += 4 + len;
    }
    const rest = data.length - off;
    if (rest === 0) this.clear();
    else if (!held || off > 0) {
      // what begins the next frame goes into a buffer of its own: the payloads just decoded may be
      // views of `data`, which must not be written again
      const b = Buffer.allocUnsafe(Math.max(MIN_HELD, rest));
      data.copy(b, 0, off);
      this.buf = b;
      this.len = rest;
    }
    return out;
  }

  private append(chunk: Buffer): void {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      // no larger than the frame begun, once its header is here (the buffer starts at a frame)
      const frame = this.len >= 4 ? 4 + this.buf.readUInt32BE(0) : Number.POSITIVE_INFINITY;
      const b = Buffer.allocUnsafe(Math.max(need, Math.min(this.buf.length * 2, frame)));
      this.buf.copy(b, 0, 0, this.len);
      this.buf = b;
    }
    chunk.copy(this.buf, this.len);
    this.len = need;
  }
}
