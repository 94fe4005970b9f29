// The results folder (docs/architecture.md, principle 8): from results/<run>/raw/ and run.json, write
// summary.json (schema: summary.schema.json), tables as CSV and Markdown, PNG plots and report.md.
// `testbed report` calls this on an existing folder; nothing is run again.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { Fault } from '../../node-image/core/faults.ts';
import type { PlayReport, Report } from '../../node-image/core/reports.ts';
import { faultEffects } from '../analysis/faults.ts';
import { discovery, figure1, noNeighbourShare, offloadByDc, offloadOverTime, tableI, tableII, tableIII } from '../analysis/paper.ts';
import { byteShares, dedupe, playbackQuality, reportsLost } from '../analysis/playback.ts';
import type { LinkCheck } from '../linkcheck/linkcheck.ts';
import { NO_NETEM_NOTE } from '../linkcheck/netem.ts';
import { figure1Chart, latencyCdfChart, offloadChart, render, tableIIIChart } from './charts.ts';
import { type Parsed, readReportFile } from './raw.ts';

const require = createRequire(import.meta.url);
export const summarySchema = require('./summary.schema.json') as object;

/** What the orchestrator knew about the run, beside the reports (results/<run>/run.json). */
export interface RunInfo {
  experiment: string;
  runId: string;
  seed: number;
  timeScale: number;
  peers: number;
  topology: string;
  durationMs: number;
  repetitions: number;
  gitCommit: string;
  images: Record<string, string>;
  netem: boolean;
  notes: string[];
  linkCheck: unknown[];
  workload: Record<string, unknown>;
  interrupted?: boolean;
  /** the protocol variant that ran (core/policies.ts) and its faults; absent in runs before variants existed */
  variant?: { name: string; text: string; protocol: unknown; faults: unknown[] };
  startedAt: string;
  finishedAt?: string;
}

export class ResultsError extends Error {
  readonly userFacing = true;
}

/** every reports.jsonl under raw/ (one per data centre, per repetition), de-duplicated */
export function readRawReports(dir: string): Report[] {
  return readRawReportsCounted(dir).reports;
}

/** the same, with the lines that were skipped as torn or malformed */
export function readRawReportsCounted(dir: string): Parsed {
  const files = rawFiles(dir, 'reports.jsonl');
  if (!files.length) throw new ResultsError(`${dir} holds no raw/<data-centre>/reports.jsonl: is it a results/<run-id> folder of a run?`);
  const all: Parsed = { reports: [], badLines: 0 };
  for (const f of files) readReportFile(f, all);
  return { reports: dedupe(all.reports), badLines: all.badLines };
}

/** files named `name` under any raw/ folder of the run (repetitions have one each) */
function rawFiles(dir: string, name: string): string[] {
  if (!fs.existsSync(dir)) throw new ResultsError(`${dir} does not exist`);
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.split(path.sep).includes('raw') && path.basename(f) === name).map((f) => path.join(dir, f));
}

function readGenerated(dir: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of rawFiles(dir, 'clients.jsonl').flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean))) {
    const e = JSON.parse(line) as { clientId: string; generated: number };
    m.set(e.clientId, Math.max(m.get(e.clientId) ?? 0, e.generated));
  }
  return m;
}

const pct = (x: number) => (100 * x).toFixed(1);

function table(headers: string[], rows: (string | number)[][]): { csv: string; md: string } {
  const csv = [headers, ...rows].map((r) => r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(',')).join('\n') + '\n';
  const md = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
  return { csv, md };
}

export async function writeReport(dir: string): Promise<Record<string, unknown>> {
  const infoFile = path.join(dir, 'run.json');
  if (!fs.existsSync(infoFile)) throw new ResultsError(`${dir} has no run.json: is it a results/<run-id> folder of a run?`);
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as RunInfo;
  const { reports, badLines } = readRawReportsCounted(dir);
  const plays = reports.filter((r): r is PlayReport => r.type === 'play');
  const shares = byteShares(plays);
  const q = playbackQuality(plays);
  const t2 = tableII(reports);
  const t3 = tableIII(reports);
  const f1 = figure1(reports);
  const summary = {
    experiment: info.experiment,
    runId: info.runId,
    seed: info.seed,
    timeScale: info.timeScale,
    peers: info.peers,
    topology: info.topology,
    durationHours: +(info.durationMs / 3_600_000).toFixed(2),
    repetitions: info.repetitions,
    interrupted: info.interrupted === true,
    plays: plays.length,
    bytes: shares.bytes,
    shares: shares.shares,
    byDataCentre: Object.fromEntries(Object.entries(offloadByDc(reports)).map(([k, v]) => [k, v.shares])),
    latencyMs: { ...q.latencyMs, scaled: info.timeScale !== 1, note: 'real ms from play request to first audio; network delay and CPU are not compressed by the time scale, track lengths are' },
    stutterRate: q.stutterRate,
    integrityFailures: q.integrityFailures,
    playsNeverStarted: q.neverStarted,
    playsBeforeLogin: q.beforeLogin,
    reportsLost: reportsLost(reports, readGenerated(dir)),
    rawLinesSkipped: badLines,
    ...(info.variant?.faults.length ? { faults: faultEffects(reports, info.variant.faults as Fault[]) } : {}),
    discovery: discovery(reports),
    noNeighbourShare: noNeighbourShare(reports),
    nat: Object.fromEntries(Object.entries(t2).map(([c, r]) => [c, { noNat: r.noNat, upnpWorked: r.upnpWorked, upnpMismatch: r.upnpMismatch, upnpPrivate: r.upnpPrivate, addresses: r.addresses }])),
    linkCheck: info.linkCheck,
    netem: info.netem,
    notes: info.notes,
    gitCommit: info.gitCommit,
    images: info.images,
    ...(info.variant ? { variant: { name: info.variant.name, text: info.variant.text } } : {}),
  };
  const ajv = new Ajv({ allErrors: true, strict: false });
  if (!ajv.validate(summarySchema, summary)) throw new Error(`summary does not match its schema: ${ajv.errorsText()}`);
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

  const tdir = path.join(dir, 'tables');
  const pdir = path.join(dir, 'plots');
  fs.mkdirSync(tdir, { recursive: true });
  fs.mkdirSync(pdir, { recursive: true });
  const tables: Record<string, { csv: string; md: string }> = {};
  const t1 = tableI(reports);
  tables.table1 = table(
    ['country', 'users', ...Array.from({ length: 10 }, (_, i) => `k=${i + 1}${i === 9 ? '+' : ''}`)],
    Object.entries(t1).map(([c, r]) => [c, r.users, ...r.pct]),
  );
  tables.table2 = table(
    ['country', 'addresses', 'no NAT %', 'UPnP worked %', 'UPnP mismatch %', 'UPnP private IP %'],
    Object.entries(t2).map(([c, r]) => [c, r.addresses, pct(r.noNat), pct(r.upnpWorked), pct(r.upnpMismatch), pct(r.upnpPrivate)]),
  );
  tables.table3 = table(
    ['country', 'weekend', 'searches', 'any d %', 'd = 1 %', 'd = 2 %'],
    Object.entries(t3).flatMap(([c, r]) => [
      [c, 'no', r.weekday.searches, pct(r.weekday.any), pct(r.weekday.d1), pct(r.weekday.d2)],
      [c, 'yes', r.weekend.searches, pct(r.weekend.any), pct(r.weekend.d1), pct(r.weekend.d2)],
    ]),
  );
  tables.figure1 = table(
    ['minutes since login', 'reports', 'p10', 'p25', 'p50', 'p75', 'p90'],
    f1.map((r) => [r.minutes, r.n, r.p10, r.p25, r.p50, r.p75, r.p90]),
  );
  const ot = offloadOverTime(reports);
  tables.offload = table(
    ['workload hour', 'server bytes', 'p2p bytes', 'cache bytes'],
    ot.map((r) => [r.hour, r.server, r.p2p, r.cache]),
  );
  for (const [name, t] of Object.entries(tables)) {
    fs.writeFileSync(path.join(tdir, `${name}.csv`), t.csv);
    fs.writeFileSync(path.join(tdir, `${name}.md`), t.md);
  }
  const plots: Record<string, Buffer> = {
    'figure1.png': await render(figure1Chart(f1)),
    'offload.png': await render(offloadChart(ot)),
    'latency-cdf.png': await render(latencyCdfChart(plays.map((p) => p.latencyMs).filter((x) => x >= 0))),
    'table3.png': await render(tableIIIChart(t3)),
  };
  for (const [f, b] of Object.entries(plots)) fs.writeFileSync(path.join(pdir, f), b);

  const d = summary.discovery;
  const md = `# ${info.experiment}: run ${info.runId}

${info.variant ? `Protocol variant **${info.variant.name}**: ${info.variant.text}.\n\n` : ''}Topology **${info.topology}**, ${info.peers} peers, ${summary.durationHours} h of workload time at time scale ${info.timeScale}, seed ${info.seed}${info.repetitions > 1 ? `, ${info.repetitions} repetitions` : ''}. Git ${info.gitCommit}; image ${Object.values(info.images).join(', ')}.${summary.interrupted ? '\n\n**The run was interrupted**: these are the reports collected until then.' : ''}

${info.notes.map((n) => `> ${n}`).join('\n')}

## Offload

${plays.length} plays, ${(shares.bytes.total / 1e6).toFixed(1)} MB played: **${pct(shares.shares.server)}% from the servers, ${pct(shares.shares.p2p)}% from peers, ${pct(shares.shares.cache)}% from the local cache.**
By data centre: ${Object.entries(summary.byDataCentre)
    .map(([k, v]) => `${k} ${pct(v.server)}% server / ${pct(v.p2p)}% p2p / ${pct(v.cache)}% cache`)
    .join('; ')}.

![offload](plots/offload.png)

## Playback

Latency (real ms, play request to first audio${info.timeScale !== 1 ? `; measured under time scale ${info.timeScale}: tracks are ${info.timeScale}× shorter, network delay and CPU are not` : ''}): p50 ${q.latencyMs.p50}, p75 ${q.latencyMs.p75}, p90 ${q.latencyMs.p90}. Stutters per play ${q.stutterRate.toFixed(3)}. Plays whose bytes differ from the server's: ${q.integrityFailures}. Plays that ended before any audio: ${q.neverStarted} (${q.beforeLogin} requested before the client's first login answer; under a time scale a slow login swallows whole tracks). Reports lost: ${summary.reportsLost}.${badLines ? ` **${badLines} lines of the raw reports were torn or malformed and were skipped.**` : ''}

![latency](plots/latency-cdf.png)

${
  summary.faults
    ? `## Faults\n\n${
        table(
          [
            'fault',
            'data centre',
            'from (workload h)',
            'for (h)',
            'reports made meanwhile',
            'searches during / outside',
            'tracker success during / outside %',
            'overlay success during / outside %',
            'peer share during / outside %',
          ],
          summary.faults.map((f) => [
            f.kind,
            f.dc ?? (f.kind === 'churn' ? '' : 'both'),
            +(f.atMs / 3_600_000).toFixed(2),
            +(f.forMs / 3_600_000).toFixed(2),
            f.reportsDuring,
            `${f.during.searches} / ${f.outside.searches}`,
            `${pct(f.during.tracker)} / ${pct(f.outside.tracker)}`,
            `${pct(f.during.overlay)} / ${pct(f.outside.overlay)}`,
            `${pct(f.during.p2pShare)} / ${pct(f.outside.p2pShare)}`,
          ]),
        ).md
      }\nReports made while a data centre was away could only be stored after it came back; with ${summary.reportsLost} reports lost, every one of them arrived late rather than never.\n\n`
    : ''
}## Peer discovery (the paper's section IV-D)

Of ${d.searches} searches the tracker answered peers for ${pct(d.tracker)}%, the overlay for ${pct(d.overlay)}% (distance 1: ${pct(d.overlayD1)}%, distance 2: ${pct(d.overlayD2)}%). The paper: overlay 81.8% (60.4% at d = 1, 77.4% at d = 2), tracker 84.1% in [1].

${tables.table3.md}
![table3](plots/table3.png)

## NAT and UPnP per address (the paper's Table II), as classified from the clients' reports

${tables.table2.md}
## Addresses per user (the paper's Table I), % of users by distinct addresses

${tables.table1.md}
## Neighbours against time since login (the paper's Fig. 1)

Reports with no neighbour at all: ${pct(summary.noNeighbourShare)}% (the paper's [1]: 30-50%).

![figure1](plots/figure1.png)

## Links

${info.netem ? 'Delay, jitter and loss by netem.' : `**netem is missing in this kernel**: ${NO_NETEM_NOTE}.`}

${
  info.linkCheck.length
    ? table(
        ['peer', 'access', 'down kbit configured', 'down measured', 'up kbit configured', 'up measured', 'delay ms configured', 'RTT ms (TCP handshake)', 'RTT ms (as the programs see it)'],
        (info.linkCheck as LinkCheck[]).map((l) => [
          l.container,
          l.access,
          l.configured.downKbit,
          l.measured.downKbit,
          l.configured.upKbit,
          l.measured.upKbit,
          l.configured.delayMs,
          l.measured.rttMs,
          l.measured.appRttMs ?? '',
        ]),
      ).md
    : 'No link check was run.'
}
`;
  fs.writeFileSync(path.join(dir, 'report.md'), md);
  return summary;
}
