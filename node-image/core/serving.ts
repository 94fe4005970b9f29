// Uploading to neighbours: only complete cached tracks are served (the paper, section III-A),
// never in emergency mode, to at most `uploadSlots` neighbours at a time.
import { type CacheIndex, cacheKey } from './cache.ts';
import type { Channel } from './channel.ts';
import type { Clock } from './clock.ts';
import type { NeighbourStats } from './neighbours.ts';
import { chunksPerFrame, type ProtocolParams } from './params.ts';
import type { Features } from './policies.ts';
import type { Quality } from './reports.ts';

/** what serving reads and writes of a neighbour */
export interface Downloader {
  readonly ch: Channel;
  readonly stats: NeighbourStats;
  /** last time (real ms) we uploaded to it: it holds an upload slot for `uploadActiveMs` */
  lastUpload: number;
}

export class Serving {
  constructor(
    private readonly deps: { clock: Clock; params: ProtocolParams; features: Features },
    private readonly cache: CacheIndex,
    /** true while the client's own playback is in emergency mode */
    private readonly emergency: () => boolean,
  ) {}

  /** answer a request from `n` for `count` chunks from `index` on, in one frame; `all` are every neighbour, for the upload slots */
  serve(n: Downloader, all: Iterable<Downloader>, rid: number, track: number, quality: Quality, index: number, count = 1): void {
    const { params, clock, features } = this.deps;
    const key = cacheKey(track, quality);
    const deny = (reason: string) => n.ch.send('chunkDenied', { rid, reason });
    if (!features.p2p) return deny('no peer-to-peer');
    if (this.emergency()) return deny('emergency');
    if (!this.cache.isServable(key)) return deny('not cached');
    if (count > chunksPerFrame(params)) return deny('run too long');
    // upload slots: neighbours served within the last few seconds of real time count as active
    const now = clock.realNow();
    let active = 0;
    for (const x of all) if (x !== n && now - x.lastUpload < params.uploadActiveMs) active++;
    if (active >= params.uploadSlots && now - n.lastUpload >= params.uploadActiveMs) return deny('busy');
    const bytes = this.cache.readRange(key, index * params.chunkBytes, count * params.chunkBytes);
    if (!bytes || bytes.length === 0) return deny('out of range');
    n.lastUpload = now;
    n.stats.sent.add(clock.now(), bytes.length);
    n.ch.send('chunk', { rid, index }, bytes);
  }
}
