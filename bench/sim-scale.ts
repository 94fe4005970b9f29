// The simulated runtime's cost: a simulated day of the synthetic workload over the paper's seven
// countries (topologies/paper-7.yaml's mix, scaled to N peers), on the paper's protocol. Records
// wall time, events per second and memory per simulated peer for each N.
// `npm run bench -- sim-scale [N ...] [--hours H]` (default 1000 and 10000 peers, 24 h).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveProtocol } from '../node-image/core/policies.ts';
import { loadTopology, type Topology } from '../orchestrator/config/topology.ts';
import { apportion, placePeers } from '../orchestrator/plan/plan.ts';
import { runSim } from '../orchestrator/runtime/sim/world.ts';
import { syntheticWorkload } from '../orchestrator/workload/synthetic.ts';

const root = path.resolve(import.meta.dirname, '..');

/** paper-7's countries, access mixes and routers, with `n` peers apportioned by its shares */
export function scaledPaper7(n: number): Topology {
  const t = loadTopology(path.join(root, 'topologies', 'paper-7.yaml'));
  const counts = apportion(n, Object.fromEntries(Object.entries(t.countries).map(([c, s]) => [c, s.peers])));
  return { ...t, countries: Object.fromEntries(Object.entries(t.countries).map(([c, s]) => [c, { ...s, peers: counts[c] }])) };
}

export async function simDay(n: number, hours: number, params: Record<string, unknown> = {}) {
  const topology = scaledPaper7(n);
  const placement = placePeers(topology);
  const t0 = Date.now();
  const w = syntheticWorkload(
    placement.map((p) => ({ name: p.name, country: p.country })),
    hours * 3_600_000,
    1,
  );
  const workloadMs = Date.now() - t0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sim-bench-'));
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  let peakOnline = 0;
  try {
    const r = await runSim({
      topology,
      placement,
      scripts: w.scripts,
      protocol: resolveProtocol({ params }),
      faults: [],
      seed: 1,
      durationMs: hours * 3_600_000,
      dir,
      progress: (p) => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        peakOnline = Math.max(peakOnline, p.online);
        process.stderr.write(`  ${n} peers: ${(p.virtualMs / 3_600_000).toFixed(2)} h, ${Math.round(p.eventsPerSec)} events/s, online ${p.online}, plays ${p.plays}\n`);
      },
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      peers: n,
      hours,
      plays: w.plays,
      workloadSeconds: +(workloadMs / 1000).toFixed(1),
      wallSeconds: +(r.wallMs / 1000).toFixed(1),
      events: r.events,
      eventsPerSecond: Math.round(r.events / (r.wallMs / 1000)),
      peakOnline,
      reports: r.reports,
      peakRssMB: Math.round(peakRss / 2 ** 20),
      memoryPerPeerKB: Math.round((peakRss - rss0) / 1024 / n),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]) {
  const hi = args.indexOf('--hours');
  const hours = hi >= 0 ? Number(args[hi + 1]) : 24;
  const counts = args.filter((a, i) => /^\d+$/.test(a) && i !== hi + 1).map(Number);
  const results = [];
  for (const n of counts.length ? counts : [1000, 10_000]) results.push(await simDay(n, hours));
  return { machine: { cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) }, results };
}
