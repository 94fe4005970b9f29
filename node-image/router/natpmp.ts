// NAT-PMP (RFC 6886) packets: requests parsed, responses built. Pure.

export type NatPmpRequest = { op: 0 } | { op: 1 | 2; internalPort: number; externalPort: number; lifetime: number };

export const RESULT = { success: 0, unsupportedVersion: 1, refused: 2, networkFailure: 3, outOfResources: 4, unsupportedOpcode: 5 } as const;

export function parseNatPmp(buf: Buffer): NatPmpRequest | { error: number; op: number } {
  if (buf.length < 2) return { error: RESULT.unsupportedVersion, op: 0 };
  const [version, op] = [buf[0], buf[1]];
  if (version !== 0) return { error: RESULT.unsupportedVersion, op };
  if (op === 0) return { op: 0 };
  if ((op === 1 || op === 2) && buf.length >= 12) {
    return { op, internalPort: buf.readUInt16BE(4), externalPort: buf.readUInt16BE(6), lifetime: buf.readUInt32BE(8) };
  }
  return { error: RESULT.unsupportedOpcode, op };
}

export function externalAddressResponse(result: number, epochSec: number, address: string): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(0, 0);
  b.writeUInt8(128, 1);
  b.writeUInt16BE(result, 2);
  b.writeUInt32BE(epochSec >>> 0, 4);
  address.split('.').forEach((o, i) => b.writeUInt8(Number(o) & 255, 8 + i));
  return b;
}

export function mappingResponse(op: number, result: number, epochSec: number, internalPort: number, externalPort: number, lifetime: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(0, 0);
  b.writeUInt8(128 + op, 1);
  b.writeUInt16BE(result, 2);
  b.writeUInt32BE(epochSec >>> 0, 4);
  b.writeUInt16BE(internalPort, 8);
  b.writeUInt16BE(externalPort, 10);
  b.writeUInt32BE(lifetime >>> 0, 12);
  return b;
}

export function errorResponse(op: number, result: number, epochSec: number): Buffer {
  return op === 0 ? externalAddressResponse(result, epochSec, '0.0.0.0') : mappingResponse(op, result, epochSec, 0, 0, 0);
}
