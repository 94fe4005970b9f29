// How far the answer moves with each workload input that has no published source
// (docs/workload.md marks them **assumption**): the simulated runtime on paper-7 at N peers, warm,
// a simulated Monday, once at the defaults for each seed (the spread a different draw gives) and
// once per assumption at a low and a high value (seed 1). The values are bounds wide enough to
// hold any plausible figure for 2010, not estimates: the point is how much the answer depends on
// each, so that a reader knows which missing source matters. Numbers go to
// bench/out/sensitivity.json and a table to docs/scaling.md by hand.
// `npm run bench -- sensitivity [--peers N] [--hours H] [--seeds 1,2,3] [--only name,...]` (~1 min a run at 1,000 peers).
import os from 'node:os';
import { defaultSynthetic, type SyntheticParams } from '../orchestrator/workload/synthetic.ts';
import { AT_SCALE, SUITE, simDay } from './sim-scale.ts';

const GiB = 2 ** 30;
const FLAT = Array.from({ length: 24 }, () => 1);

/** one input, its default, and the bounds tried */
interface Variation {
  name: string;
  /** what the row says the value was */
  value: string;
  workload?: Partial<SyntheticParams>;
  params?: Record<string, unknown>;
}

const times = (k: number) => ({ weekday: defaultSynthetic.sessionsPerDay.weekday * k, weekend: defaultSynthetic.sessionsPerDay.weekend * k });

/** the unsourced inputs of docs/workload.md, each at a low and a high bound */
export const VARIATIONS: Variation[] = [
  { name: 'sessionsPerDay', value: '0.7 / 0.55 (half)', workload: { sessionsPerDay: times(0.5) } },
  { name: 'sessionsPerDay', value: '2.8 / 2.2 (double)', workload: { sessionsPerDay: times(2) } },
  { name: 'sessionMinutes', value: '30', workload: { sessionMinutes: 30 } },
  { name: 'sessionMinutes', value: '120', workload: { sessionMinutes: 120 } },
  { name: 'skipShare', value: '0.05', workload: { skipShare: 0.05 } },
  { name: 'skipShare', value: '0.30', workload: { skipShare: 0.3 } },
  { name: 'mobileShare', value: '0', workload: { mobileShare: 0 } },
  { name: 'mobileShare', value: '0.20', workload: { mobileShare: 0.2 } },
  { name: 'hourly', value: 'flat (no daily cycle)', workload: { hourly: FLAT } },
  // the playlists' tracks by their number, the lengths kept: one list (a user who comes back to a
  // handful of tracks) to ten (one who seldom meets the same track twice in a week)
  { name: 'playlists', value: '1 × 8-19 tracks', workload: { playlists: { ...defaultSynthetic.playlists, count: 1 } } },
  { name: 'playlists', value: '10 × 8-19 tracks', workload: { playlists: { ...defaultSynthetic.playlists, count: 10 } } },
  { name: 'homeShare', value: '0.3', workload: { homeShare: 0.3 } },
  { name: 'homeShare', value: '0.9', workload: { homeShare: 0.9 } },
  { name: 'cacheBytes', value: '0.5 GiB', params: { cacheBytes: GiB / 2 } },
  { name: 'cacheBytes', value: '2 GiB', params: { cacheBytes: 2 * GiB } },
];

const pct = (x: number) => +(100 * x).toFixed(1);

export async function run(args: string[]) {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith('--')) throw new Error(`sensitivity: unexpected ${args[i]}; usage: sensitivity [--peers N] [--hours H] [--seeds 1,2,3] [--only name,...]`);
    flags.set(args[i], args[++i] ?? '');
  }
  const known = ['--peers', '--hours', '--seeds', '--only'];
  for (const f of flags.keys()) if (!known.includes(f)) throw new Error(`sensitivity: unknown flag ${f}; valid: ${known.join(', ')}`);
  const peers = Number(flags.get('--peers') ?? 1000);
  const hours = Number(flags.get('--hours') ?? 24);
  if (!(Number.isInteger(peers) && peers > 0)) throw new Error(`sensitivity: --peers needs a whole number of peers, got ${flags.get('--peers')}`);
  if (!(hours > 0)) throw new Error(`sensitivity: --hours needs simulated hours, got ${flags.get('--hours')}`);
  const seeds = (flags.get('--seeds') ?? '1,2,3').split(',').map(Number);
  if (!seeds.every((s) => Number.isInteger(s))) throw new Error(`sensitivity: --seeds needs whole numbers separated by commas, got ${flags.get('--seeds')}`);
  const only = flags.get('--only')?.split(',');
  const names = new Set(VARIATIONS.map((v) => v.name));
  for (const o of only ?? []) if (!names.has(o)) throw new Error(`sensitivity: --only ${o} is not one of ${[...names].join(', ')}`);
  // warm, lazy keep-alives, the server's data in runs, the service's catalogue; the search flooded,
  // as the table of docs/scaling.md was measured (scaling.yaml now walks it: the same figures)
  const options = { warmup: 28, keepalives: 'lazy', serverData: 'runs', search: 'flood' } as const;
  const row = async (name: string, value: string, seed: number, v: Partial<Variation> = {}) => {
    process.stderr.write(`== ${name} = ${value}, seed ${seed}\n`);
    const r = await simDay(peers, hours, { ...SUITE.params, ...v.params }, { ...AT_SCALE, ...v.workload }, { ...options, seed });
    return {
      name,
      value,
      seed,
      plays: r.measuredPlays,
      server: pct(r.shares.server),
      p2p: pct(r.shares.p2p),
      cache: pct(r.shares.cache),
      tracker: pct(r.trackerSuccess),
      overlay: pct(r.overlaySuccess),
      latencyP90: r.latencyMs.p90,
      wallSeconds: r.wallSeconds,
    };
  };
  const rows = [];
  for (const seed of seeds) rows.push(await row('defaults', 'docs/workload.md', seed));
  for (const v of VARIATIONS) if (!only || only.includes(v.name)) rows.push(await row(v.name, v.value, seeds[0], v));
  return { machine: { cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) }, peers, hours, options, rows };
}
