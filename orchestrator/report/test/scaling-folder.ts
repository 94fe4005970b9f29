// A scaling experiment's folder for tests, made as `testbed report` remakes one
// (experiment/scaling.ts rewriteScaling): a run folder per population (peers-<n>/, run.json and
// raw reports), then scaling.json, scaling.md and the two PNGs written from them. Population i
// has i + 2 clients logged in over the whole window, each playing twice, more from peers the more
// there are. `header` overrides scaling.json's header (a simulated run, unscaled, by default).
import fs from 'node:fs';
import path from 'node:path';
import type { Report } from '../../../node-image/core/reports.ts';
import { playReport } from '../../../node-image/core/test/reports.ts';
import { rewriteScaling, type ScalingRow } from '../../experiment/scaling.ts';
import { testRunInfo } from './run-info.ts';

const H = 3_600_000;

export async function makeScalingFolder(dir: string, populations: number[] = [10, 30], header: Record<string, unknown> = {}): Promise<ScalingRow[]> {
  const durationMs = 4 * H;
  for (const [i, peers] of populations.entries()) {
    const sub = path.join(dir, `peers-${peers}`);
    fs.mkdirSync(path.join(sub, 'raw', 'stockholm'), { recursive: true });
    fs.writeFileSync(path.join(sub, 'run.json'), JSON.stringify(testRunInfo({ runId: `pop${i}aa`, experiment: 'scaling', runtime: 'sim', timeScale: 1, peers, durationMs })));
    const clients = Array.from({ length: i + 2 }, (_, c) => `c${c}`);
    const reports: Report[] = clients.flatMap((clientId) => [
      { clientId, seq: 0, user: 'u', country: 'SE', t: 0, dc: 'stockholm', type: 'login', localAddress: '10.0.0.2', upnp: { ok: false, error: 'none' }, listenPort: 4100, mobile: false },
      playReport({ clientId, seq: 1, t: H, bytes: { server: 600_000 - 100_000 * i, p2p: 100_000 + 100_000 * i, cache: 300_000 }, latencyMs: 50 }),
      playReport({ clientId, seq: 2, t: durationMs - 60_000, bytes: { server: 500_000, p2p: 200_000, cache: 300_000 }, latencyMs: 20 }),
    ]);
    fs.writeFileSync(path.join(sub, 'raw', 'stockholm', 'reports.jsonl'), reports.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  const head = { name: 'scaling', runtime: 'sim', timeScale: 1, durationMs, seed: 1, populations, ...header };
  fs.writeFileSync(path.join(dir, 'scaling.json'), JSON.stringify({ header: head, rows: populations.map((peers, i) => ({ peers, runId: `pop${i}aa` })) }));
  return rewriteScaling(dir, () => {});
}
