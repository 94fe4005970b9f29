// Churn faults (node-image/core/faults.ts) become `offline` events in the scripts of the peers
// they take down. The peers are drawn with the run's seed, so every variant of a paired
// comparison loses the same machines at the same moments.
import type { Fault, PeerFault } from '../../node-image/core/faults.ts';
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { seededRandom, shuffle } from '../util/random.ts';
import type { Machine } from './synthetic.ts';

/** The peers a peer fault takes: `share` of those of its country (all countries if none), at least one. */
export function pickPeers<M extends Machine>(machines: readonly M[], f: PeerFault, random: () => number): M[] {
  const pool = shuffle(
    machines.filter((m) => !f.country || m.country === f.country).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    random,
  );
  return pool.slice(0, Math.max(1, Math.round(f.share * pool.length)));
}

/** Add the churn events to `scripts` (by machine name); returns how many peers were churned. */
export function addChurn(scripts: Map<string, ScriptEvent[]>, machines: readonly Machine[], faults: readonly Fault[], seed: number): number {
  const random = seededRandom(seed ^ 0x5eed);
  const touched = new Set<string>();
  for (const f of faults) {
    if (f.kind !== 'churn') continue;
    for (const { name } of pickPeers(machines, f, random)) {
      const script = scripts.get(name) ?? [];
      script.push({ t: f.atMs, action: 'offline', durationMs: f.forMs });
      // stable: an offline event at the same instant as a play comes after it
      script.sort((a, b) => a.t - b.t);
      scripts.set(name, script);
      touched.add(name);
    }
  }
  return touched.size;
}
