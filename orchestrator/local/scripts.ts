// Workload scripts for the loopback demo: each client logs in, plays a share of the plays (a mix
// of playlists, played in order so prefetch applies, and random picks; a share skipped part way),
// and logs out. Popularity is Zipf over the track set, so popular tracks are played by several
// clients and peers have something to serve each other.
import { trackDurationSec } from '../../node-image/core/content.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { seededRandom, zipfSampler } from '../util/random.ts';

export interface LocalWorkload {
  clients: number;
  plays: number;
  tracks: number;
  seed: number;
  /** share of plays skipped part way */
  skipShare: number;
  /** share of plays that are random access rather than playlist */
  randomShare: number;
}

export function localScripts(w: LocalWorkload): ScriptEvent[][] {
  const rnd = seededRandom(w.seed);
  const pick = zipfSampler(w.tracks, 1.0, rnd);
  const scripts: ScriptEvent[][] = [];
  for (let c = 0; c < w.clients; c++) {
    const n = Math.floor(w.plays / w.clients) + (c < w.plays % w.clients ? 1 : 0);
    // staggered logins over the first few minutes of workload time, so early players seed caches
    let t = Math.floor(rnd() * 240_000);
    const ev: ScriptEvent[] = [{ t, action: 'login', user: `user${c}`, country: 'SE', quality: 'q5' }];
    t += 2_000;
    let left = n;
    while (left > 0) {
      const playlist = rnd() >= w.randomShare;
      const len = playlist ? Math.min(left, 2 + Math.floor(rnd() * 4)) : 1;
      const tracks = Array.from({ length: len }, () => pick() + 1);
      for (let i = 0; i < len; i++) {
        const dur = trackDurationSec(tracks[i]) * 1000;
        ev.push({ t, action: 'play', track: tracks[i], access: playlist ? 'playlist' : 'random', ...(playlist && i + 1 < len ? { next: tracks[i + 1] } : {}) });
        if (rnd() < w.skipShare) {
          t += Math.floor(dur * (0.1 + 0.5 * rnd()));
          ev.push({ t, action: 'skip' });
        } else t += dur;
        t += 1_000;
      }
      left -= len;
    }
    ev.push({ t, action: 'logout' });
    scripts.push(ev);
  }
  return scripts;
}
