// A results folder for the serve tests, made the way runs make theirs (report/write.ts from raw
// reports and run.json), beside the other kinds of folder and the things the server must refuse:
//   r1/             a run with report.html (mostly server bytes) and the paper's seven countries as
//                   its topology.yaml (topologies/paper-7.yaml, 300 peers)
//   r2/             a run whose report.html was removed, its experiment's name hostile HTML (mostly cache bytes)
//   broken/         a run whose summary.json is not JSON
//   cmp/            a comparison as `testbed compare` writes one (compare/write.ts): comparison.json,
//                   comparison.md, comparison.html and plots/
//   compare-abc/    an older comparison: comparison.json, comparison.md and a PNG, no comparison.html
//   scaling/        a scaling experiment as `testbed report` rewrites one (report/test/scaling-folder.ts):
//                   scaling.json, scaling.md, two PNGs and its runs peers-10/ and peers-30/
//   scal/           a scaling experiment of another version: scaling.json without the rows' figures, scaling.md and a PNG
//   notes/          a folder that is no result (skipped)
//   leak, r1/passwd symlinks to /etc/passwd; outside/ a symlink to a folder outside with secret.txt;
//   r1/plots/secret.png and r2/plots/table3.png symlinks to that secret.txt
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../../../node-image/core/reports.ts';
import { playReport } from '../../../node-image/core/test/reports.ts';
import type { RunSample } from '../../compare/model.ts';
import { writeComparison } from '../../compare/write.ts';
import type { RunInfo } from '../../report/run-info.ts';
import type { Summary } from '../../report/summary.schema.ts';
import { testRunInfo } from '../../report/test/run-info.ts';
import { makeScalingFolder } from '../../report/test/scaling-folder.ts';
import { writeReport } from '../../report/write.ts';

const H = 3_600_000;
export const HOSTILE = '<script>alert(1)</script>';
export const SECRET = 'secret-outside-the-results';

const info = (runId: string, experiment: string): RunInfo =>
  testRunInfo({
    experiment,
    runId,
    runtime: 'sim',
    timeScale: 1,
    durationMs: 4 * H,
    startedAt: runId === 'r1aaaa' ? '2026-11-25T00:00:00Z' : '2026-11-26T00:00:00Z',
    finishedAt: '2026-11-26T04:00:00Z',
  });

async function run(dir: string, i: RunInfo, reports: Report[]): Promise<Summary> {
  fs.mkdirSync(path.join(dir, 'raw', 'stockholm'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(i));
  fs.writeFileSync(path.join(dir, 'raw', 'stockholm', 'reports.jsonl'), reports.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return writeReport(dir);
}

/** the topology of r1: the paper's seven countries */
export const TOPOLOGY = path.resolve(import.meta.dirname, '../../../topologies/paper-7.yaml');

/** a run of a comparison's variant: `p2p` its peer share, `p50` its median latency */
function sample(root: string, variant: string, repetition: number, p2p: number, p50: number): RunSample {
  return {
    variant,
    repetition,
    runId: `${variant}${repetition}cmp`,
    dir: path.join(root, variant === 'a' ? 'r1' : 'r2'),
    summary: {
      peers: 4,
      plays: 20,
      bytes: { server: 4e6 * (0.95 - p2p), p2p: 4e6 * p2p, cache: 2e5, total: 4e6 },
      shares: { server: 0.95 - p2p, p2p, cache: 0.05 },
      latencyMs: { p50, p75: null, p90: 2 * p50, scaled: false },
      stutterRate: 0,
      reportsLost: 0,
      discovery: { tracker: 0.5 + p2p, overlay: 0.2 + p2p, overlayD1: 0, overlayD2: 0 },
    },
    latencies: Array.from({ length: 20 }, (_, i) => p50 / 2 + (i * p50) / 10),
    offload: [0, 1, 2].map((hour) => ({ hour, server: 1000, p2p: 1000 * p2p * (hour + 1), cache: 50 })),
  };
}

export interface TestResults {
  root: string;
  /** the folder secret.txt is in, outside root */
  outside: string;
  summaries: { r1: Summary; r2: Summary };
  remove(): void;
}

export async function makeResults(): Promise<TestResults> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-serve-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-serve-outside-'));
  const r1 = await run(path.join(root, 'r1'), info('r1aaaa', 'quick'), [
    playReport({ clientId: 'a', seq: 0, t: 60_000, bytes: { server: 600_000, p2p: 300_000, cache: 100_000 }, latencyMs: 40 }),
    playReport({ clientId: 'b', seq: 0, t: 120_000, bytes: { server: 900_000, p2p: 0, cache: 50_000 }, latencyMs: 5 }),
    playReport({ clientId: 'a', seq: 1, t: H + 60_000, bytes: { server: 250_000, p2p: 50_000, cache: 0 }, latencyMs: 90 }),
    playReport({ clientId: 'b', seq: 1, t: 3 * H + 60_000, bytes: { server: 10_000, p2p: 20_000, cache: 30_000 }, latencyMs: 12 }),
  ]);
  const r2 = await run(path.join(root, 'r2'), info('r2bbbb', HOSTILE), [
    playReport({ clientId: 'a', seq: 0, t: 60_000, bytes: { server: 100_000, p2p: 200_000, cache: 700_000 }, latencyMs: 30 }),
    playReport({ clientId: 'b', seq: 0, t: 2 * H, bytes: { server: 0, p2p: 100_000, cache: 900_000 }, latencyMs: 8 }),
  ]);
  fs.rmSync(path.join(root, 'r2', 'report.html'));
  fs.copyFileSync(TOPOLOGY, path.join(root, 'r1', 'topology.yaml'));

  await writeComparison(path.join(root, 'cmp'), {
    experiment: 'compare-discovery',
    base: 'a',
    variants: [{ name: 'a', description: 'as in the paper' }, { name: 'b' }],
    runs: [0, 1, 2].flatMap((i) => [sample(root, 'a', i, [0.1, 0.12, 0.14][i], [100, 120, 110][i]), sample(root, 'b', i, [0.3, 0.33, 0.31][i], [90, 95, 97][i])]),
  });
  fs.mkdirSync(path.join(root, 'scaling'));
  await makeScalingFolder(path.join(root, 'scaling'));

  fs.mkdirSync(path.join(root, 'broken'));
  fs.writeFileSync(path.join(root, 'broken', 'run.json'), JSON.stringify(info('brkn00', 'quick')));
  fs.writeFileSync(path.join(root, 'broken', 'summary.json'), '{"shares": {"server": 0.5,');

  const png = fs.readFileSync(path.join(root, 'r1', 'plots', 'offload.png'));
  fs.mkdirSync(path.join(root, 'compare-abc', 'plots'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'compare-abc', 'comparison.json'),
    JSON.stringify({ kind: 'testbed-comparison', experiment: 'compare-discovery', base: 'a', variants: [{ name: 'a' }, { name: 'b' }], createdAt: '2026-11-27T00:00:00Z', warnings: ['one warning'] }),
  );
  fs.writeFileSync(
    path.join(root, 'compare-abc', 'comparison.md'),
    '# Comparison: compare-discovery\n\n| metric | a | b |\n| --- | --- | --- |\n| server share | 1 | 2 |\n\n![server share](plots/server-share.png)\n',
  );
  fs.writeFileSync(path.join(root, 'compare-abc', 'plots', 'server-share.png'), png);

  fs.mkdirSync(path.join(root, 'scal'));
  fs.writeFileSync(path.join(root, 'scal', 'scaling.json'), JSON.stringify({ header: { name: 'scaling', runtime: 'sim', populations: [1000, 3000] }, rows: [{ valid: true }] }));
  fs.writeFileSync(path.join(root, 'scal', 'scaling.md'), '# scaling: the same experiment at 2 populations\n\n![shares](scaling-shares.png)\n');
  fs.writeFileSync(path.join(root, 'scal', 'scaling-shares.png'), png);

  fs.mkdirSync(path.join(root, 'notes'));
  fs.writeFileSync(path.join(root, 'notes', 'README.md'), 'not a result\n');

  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  fs.symlinkSync('/etc/passwd', path.join(root, 'leak'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'r1', 'passwd'));
  fs.symlinkSync(outside, path.join(root, 'outside'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'r1', 'plots', 'secret.png'));
  // a plot of r2's report.md that leads out: the page made from report.md must not inline it
  fs.rmSync(path.join(root, 'r2', 'plots', 'table3.png'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'r2', 'plots', 'table3.png'));

  return {
    root,
    outside,
    summaries: { r1, r2 },
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    },
  };
}
