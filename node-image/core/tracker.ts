// The tracker, as the paper describes it: for each (track, quality) the most recent peers that
// reported having it (clients report when they have played a track), and an answer of a random
// selection of those currently online. Nothing is removed on cache eviction: stale entries are
// part of the real system's behaviour and show in the tracker's measured success rate.

import type { Quality } from './reports.ts';

export class Tracker {
  private readonly recent = new Map<string, string[]>();

  constructor(
    private readonly keep: number,
    private readonly answer: number,
    private readonly random: () => number = Math.random,
  ) {}

  announce(peer: string, track: number, quality: Quality): void {
    const key = `${track}/${quality}`;
    const list = (this.recent.get(key) ?? []).filter((p) => p !== peer);
    list.unshift(peer);
    if (list.length > this.keep) list.length = this.keep;
    this.recent.set(key, list);
  }

  /** up to `answer` random peers of the list that `isOnline` accepts, never the asker */
  query(asker: string, track: number, quality: Quality, isOnline: (peer: string) => boolean): string[] {
    const pool = (this.recent.get(`${track}/${quality}`) ?? []).filter((p) => p !== asker && isOnline(p));
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, this.answer);
  }
}
