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
  return { type, body, ...(hasPayload(type) ? { payload } : {}) } as Message;
}

/** Reassembles frames from a byte stream. Feed it chunks; it returns whole messages. */
export class FrameDecoder {
  // The bytes received and not yet decoded, as the pieces they came in. A frame's pieces are
  // joined once, when its last byte is here: joining on every arrival (as this did until
  // 2026-12-07) copies a frame that trickles in k pieces k times over, which a peer writing a
  // large frame a byte at a time turns into gigabytes of copying.
  private parts: Buffer[] = [];
  private have = 0;
  /** bytes of the frame begun (header included), once its header is here; -1 before */
  private need = -1;
  constructor(private readonly maxFrame: number) {}

  /** bytes of a frame that has begun but not ended (a slow or stalled sender holds it open) */
  get partialBytes(): number {
    return this.have;
  }

  /** drops a partial frame: a closed connection should not keep its bytes */
  clear(): void {
    this.parts = [];
    this.have = 0;
    this.need = -1;
  }

  push(chunk: Buffer): Message[] {
    const out: Message[] = [];
    if (!chunk.length) return out;
    this.parts.push(chunk);
    this.have += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.have < 4) break;
        const len = this.front(4).readUInt32BE(0);
        if (len > this.maxFrame) throw new ProtocolError(`frame of ${len} bytes exceeds the limit of ${this.maxFrame}`);
        this.need = 4 + len;
      }
      if (this.have < this.need) break;
      const frame = this.take(this.need).subarray(4);
      this.need = -1;
      out.push(decodeFrame(frame));
    }
    return out;
  }

  /** the first piece, made at least `n` bytes long (joined with those after it) */
  private front(n: number): Buffer {
    if (this.parts[0].length < n) this.parts = [Buffer.concat(this.parts)];
    return this.parts[0];
  }

  /** the first `n` bytes received, out of the pieces (one copy when they span several) */
  private take(n: number): Buffer {
    this.have -= n;
    const first = this.parts[0];
    if (first.length >= n) {
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const whole = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const p = this.parts[0];
      const k = Math.min(p.length, n - at);
      p.copy(whole, at, 0, k);
      at += k;
      if (k === p.length) this.parts.shift();
      else this.parts[0] = p.subarray(k);
    }
    return whole;
  }
}
