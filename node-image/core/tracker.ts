// The tracker, as the paper describes it: for each (track, quality) the most recent peers that
// reported having it (clients report when they have played a track), and an answer of a random
// selection of those currently online. Nothing is removed on cache eviction: stale entries are
// part of the real system's behaviour and show in the tracker's measured success rate. What is
// kept and whom it answers is the tracker policy's (core/policies.ts; the default is the paper's).

import { type CacheKey, cacheKey } from './cache.ts';
import { resolveProtocol, type TrackerPolicy } from './policies.ts';
import type { Quality } from './reports.ts';

export class Tracker {
  /**
   * by track and quality as one number (a string key was an object per track for a long run's
   * collector to trace); a list of one peer, what most of a long-tailed catalogue's tracks have,
   * is the peer's id itself, not an array (two objects fewer a track: at 10,000 warm peers the
   * trackers held 930,000 lists)
   */
  private readonly recent = new Map<CacheKey, string | string[]>();

  constructor(
    private readonly keep: number,
    private readonly answer: number,
    private readonly random: () => number = Math.random,
    private readonly policy: TrackerPolicy = resolveProtocol().tracker,
  ) {}

  announce(peer: string, track: number, quality: Quality): void {
    const key = cacheKey(track, quality);
    const kept = this.policy.keep(this.listOf(key), peer, this.keep);
    if (kept.length === 1) this.recent.set(key, kept[0]);
    else if (kept.length) this.recent.set(key, kept);
    else this.recent.delete(key);
  }

  /** up to `answer` peers of the list that `isOnline` accepts, never the asker */
  query(asker: string, track: number, quality: Quality, isOnline: (peer: string) => boolean): string[] {
    const pool = this.listOf(cacheKey(track, quality)).filter((p) => p !== asker && isOnline(p));
    return this.policy.answer(pool, this.answer, this.random);
  }

  private listOf(key: CacheKey): readonly string[] {
    const kept = this.recent.get(key);
    return kept === undefined ? [] : typeof kept === 'string' ? [kept] : kept;
  }
}
