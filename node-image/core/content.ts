// The synthetic catalogue: every track's duration and every byte of its audio derive
// deterministically from (track id, quality), so any client, the server and the analysis can
// verify a byte without a reference copy. q5 and q9 are different objects with different bytes.
//
// Time scale: under a clock running k times faster than real time, a track of D seconds of audio
// plays in D/k real seconds and holds D*bitrate/k bytes. Bytes per real second therefore stay the
// audio bitrate, so the ratio of audio bitrate to access-link rate — what decides whether peers
// can keep up — is the same as unscaled. A scaled track is never smaller than MIN_TRACK_BYTES; for very large k that floor makes tracks carry more bytes per second
// than their bitrate, and experiments shrink the chunk size with the scale (chunkBytesFor).

import { createHash } from 'node:crypto';
import type { Quality } from './reports.ts';

const BITRATE_BYTES: Record<Quality, number> = { q5: 160_000 / 8, q9: 320_000 / 8 };
const BLOCK = 16 * 1024;
/** the smallest a scaled track gets; experiments pick a chunk size that splits it several ways */
export const MIN_TRACK_BYTES = 8 * 1024;

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Nominal duration of a track in seconds of audio: 150 to 329 s, fixed by its id. */
export function trackDurationSec(track: number): number {
  return 150 + (mix(track * 2654435761 + 17) % 180);
}

export function trackBytes(track: number, quality: Quality, scale = 1): number {
  const raw = Math.ceil((trackDurationSec(track) * BITRATE_BYTES[quality]) / scale);
  return Math.max(raw, MIN_TRACK_BYTES);
}

/**
 * The chunk size an experiment runs at under time scale `scale` (orchestrator/experiment/run.ts,
 * unless its variant sets `chunkBytes`): one that splits a typical scaled track (240 s of q5 audio,
 * sized as trackBytes sizes it) into at least 16 chunks, between 1 and 16 KiB. Under a large time
 * scale tracks hold few bytes, and 16 KiB chunks would leave nothing for peers to serve after the
 * server's head.
 */
export function chunkBytesFor(scale: number): number {
  const track = (240 * BITRATE_BYTES.q5) / scale;
  return Math.min(16_384, Math.max(1024, 2 ** Math.floor(Math.log2(track / 16))));
}

function fillBlock(track: number, quality: Quality, block: number, out: Uint8Array): void {
  let s = mix(mix(track ^ (quality === 'q9' ? 0x9e3779b9 : 0x85ebca6b)) ^ mix(block + 1)) || 1;
  const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    words[i] = s >>> 0;
  }
}

/** one block's worth of scratch for ranges that start or end inside a block */
const scratch = new Uint8Array(BLOCK);

/** The bytes [offset, offset+length) of a track; offsets past its end are cut off. */
export function contentRange(track: number, quality: Quality, offset: number, length: number, size?: number): Buffer {
  const end = size === undefined ? offset + length : Math.min(offset + length, size);
  // not zero-filled: the loop writes every byte. Nothing is allocated per block: a whole aligned
  // block is generated in place, a part of one through the scratch block (the data centres of the
  // simulated runtime call this for every frame of a verified track)
  const out = Buffer.allocUnsafe(Math.max(0, end - offset));
  for (let pos = offset; pos < end; ) {
    const b = Math.floor(pos / BLOCK);
    const from = pos - b * BLOCK;
    const n = Math.min(BLOCK - from, end - pos);
    const at = pos - offset;
    if (n === BLOCK && (out.byteOffset + at) % 4 === 0) fillBlock(track, quality, b, out.subarray(at, at + BLOCK));
    else {
      fillBlock(track, quality, b, scratch);
      out.set(scratch.subarray(from, from + n), at);
    }
    pos += n;
  }
  return out;
}

/** sha256 (hex) of the given byte ranges of a track, in order: what a faithful copy hashes to. */
export function expectedSha256(track: number, quality: Quality, ranges: readonly [number, number][]): string {
  const h = createHash('sha256');
  for (const [from, to] of ranges) {
    for (let p = from; p < to; p += 256 * 1024) h.update(contentRange(track, quality, p, Math.min(256 * 1024, to - p)));
  }
  return h.digest('hex');
}

/**
 * Where payload bytes come from. Containers and loopback use the content function for every byte
 * and every play is verified. The simulated runtime moves hundreds of thousands of real-sized
 * tracks: generating and hashing each byte twice would cost more than the whole protocol, so it
 * verifies a sample of tracks (the same code paths carry them) and sends zeros for the rest.
 */
export interface ContentSource {
  range(track: number, quality: Quality, offset: number, length: number, size?: number): Buffer;
  /** plays of this track check their bytes against the content function */
  verified(track: number): boolean;
  /** where a download assembles the track: its own memory when verified, else a shared view of zeros never written */
  buffer(track: number, size: number): Buffer;
}

export const REAL_CONTENT: ContentSource = { range: contentRange, verified: () => true, buffer: (_track, size) => Buffer.alloc(size) };

/** the longest track at the highest quality, and then some: a view of it serves any range */
let zeros: Buffer | null = null;
const ZERO_BYTES = 16 << 20;

/** real bytes for one track in `every` (by id), zeros (a shared view, never written) for the others */
export function sampledContent(every: number): ContentSource {
  const verified = (track: number) => mix(track * 40503 + 7) % every === 0;
  const zeroView = (n: number) => {
    zeros ??= Buffer.alloc(ZERO_BYTES);
    return zeros.subarray(0, Math.max(0, n));
  };
  return {
    verified,
    range(track, quality, offset, length, size) {
      if (verified(track)) return contentRange(track, quality, offset, length, size);
      return zeroView((size === undefined ? offset + length : Math.min(offset + length, size)) - offset);
    },
    buffer: (track, size) => (verified(track) ? Buffer.alloc(size) : zeroView(size)),
  };
}

/**
 * What a play that was not verified reports as both hashes: as long as a sha256 in hex, so that
 * its report is the size a verified play's is (as every play's is in the programs), and which
 * tracks a simulation samples moves no byte on any link
 */
export const UNVERIFIED = 'unverified'.padEnd(64, '-');
