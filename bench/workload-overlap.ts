// How much of a synthetic day could come from someone else at all, before any protocol: for the
// workload of experiments/scaling.yaml ([1]'s catalogue of 8 million tracks, paper-7's countries
// scaled to N peers, seed 1), the share of plays whose track this machine played earlier that day
// (what a cache can serve) and the share whose track only other machines played earlier (what
// peers could serve, if one of them were online and connected). docs/scaling.md reads it.
// `npm run bench -- workload-overlap [N ...]` (default 300 1000 3000 10000 100000; seconds each).
import { AT_SCALE, scaledWorkload } from './sim-scale.ts';

export function overlap(n: number, hours = 24) {
  const { w } = scaledWorkload(n, hours, AT_SCALE);
  const plays: { t: number; machine: string; track: number }[] = [];
  for (const [machine, script] of w.scripts) for (const e of script) if (e.action === 'play') plays.push({ t: e.t, machine, track: e.track });
  plays.sort((a, b) => a.t - b.t);
  const holders = new Map<number, Set<string>>();
  let again = 0;
  let elsewhere = 0;
  for (const p of plays) {
    const h = holders.get(p.track);
    if (h?.has(p.machine)) again++;
    else if (h) elsewhere++;
    if (h) h.add(p.machine);
    else holders.set(p.track, new Set([p.machine]));
  }
  const share = (x: number) => +(x / Math.max(1, plays.length)).toFixed(3);
  return { peers: n, hours, plays: plays.length, distinctTracks: holders.size, playedBeforeOnThisMachine: share(again), playedBeforeOnlyElsewhere: share(elsewhere) };
}

export async function run(args: string[]) {
  const ns = args.filter((a) => /^\d+$/.test(a)).map(Number);
  return { results: (ns.length ? ns : [300, 1000, 3000, 10_000, 100_000]).map((n) => overlap(n)) };
}
