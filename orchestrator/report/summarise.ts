// The analysis of one run as a pure function: the clients' reports and what the orchestrator
// knew (run.json) in, the summary (typed from its schema, summary.schema.ts) and the data of every
// table and plot out. No file is read or written here: write.ts reads raw/ and writes the results
// folder, render.ts turns an analysis into tables, charts and report.md.
import type { Fault } from '../../node-image/core/faults.ts';
import type { ProtocolSpec } from '../../node-image/core/policies.ts';
import type { PlayReport, Report } from '../../node-image/core/reports.ts';
import { faultEffects } from '../analysis/faults.ts';
import { hostLoadFigures, hostLoadProblems } from '../analysis/host-load.ts';
import { discovery, figure1, noNeighbourShare, offloadByDc, offloadOverTime, peersOnline, tableI, tableII, tableIII } from '../analysis/paper.ts';
import { byteShares, playbackQuality, reportsLost } from '../analysis/playback.ts';
import { describeRuntime } from '../runtime/describe.ts';
import { accountingProblems, type ExitNotPlayed, playAccounting } from './accounting.ts';
import type { RunInfo } from './run-info.ts';
import type { ScheduledPlays } from './scheduled.ts';
import type { Summary } from './summary.schema.ts';

export interface SummariseInput {
  info: RunInfo;
  /** de-duplicated reports of every data centre */
  reports: Report[];
  /** reports each client instance said it generated (its exit record) */
  generated: ReadonlyMap<string, number>;
  /** lines of raw/ skipped as torn or malformed */
  badLines: number;
  /** the plays each machine's script held (raw/scheduled-plays.jsonl; absent in runs before it was written: no accounting) */
  scheduled?: ScheduledPlays;
  /** what each client instance's exit record says of the plays it did not start */
  exits?: ReadonlyMap<string, ExitNotPlayed>;
}

/** where the run's 0 lies in its week (workload ms after Monday 00:00 UTC): 0 unless a trace started mid-week */
export const runStartMs = (info: Pick<RunInfo, 'workload'>): number => Number(info.workload?.startMs ?? 0);

/**
 * The reports of the measured window, with times from its start. A run with a pre-roll (run.json
 * `workload.preRollMs`: network time simulated before the window so that the peers online at its
 * start have found neighbours, docs/workload.md) leaves out what happened in it; the logins and
 * logouts stay, clamped to the window's start, so that who was online then is still known.
 */
export function measuredReports(info: Pick<RunInfo, 'workload'>, reports: readonly Report[]): Report[] {
  const pre = Number(info.workload?.preRollMs ?? 0);
  if (!pre) return reports as Report[];
  const out: Report[] = [];
  for (const r of reports) {
    if (r.t >= pre) out.push({ ...r, t: r.t - pre });
    else if (r.type === 'login' || r.type === 'logout') out.push({ ...r, t: 0 });
  }
  return out;
}

export function summarise({ info, reports: all, generated, badLines, scheduled, exits }: SummariseInput) {
  // every report counts for what was lost on the way; only the window's for the figures
  const reports = measuredReports(info, all);
  const plays = reports.filter((r): r is PlayReport => r.type === 'play');
  const shares = byteShares(plays);
  const q = playbackQuality(plays);
  const t2 = tableII(reports);
  // a trace replayed from mid-week: reports count from the run's start, weekends from Monday
  const startMs = runStartMs(info);
  const t3 = tableIII(reports, startMs);
  const f1 = figure1(reports);
  const lost = reportsLost(all, generated);
  const silent = info.clientsWithoutExit ?? [];
  // every report, pre-roll included: the balance is kept over the whole run (accounting.ts)
  const accounting = scheduled ? playAccounting(scheduled, all, exits ?? new Map(), silent, Number(info.workload?.preRollMs ?? 0)) : null;
  // the programs' own measure of their host (none in the simulated runtime): a slip beyond the protocol's window voids the run
  const load = hostLoadFigures(info.hostLoad, info.timeScale, (info.variant?.protocol ?? {}) as ProtocolSpec);
  const problems = [
    ...(silent.length ? [`${silent.length} peers ended without their exit record (died or stopped): ${silent.join(', ')}`] : []),
    ...(lost ? [`${lost} reports were generated and never stored`] : []),
    ...(q.integrityFailures ? [`${q.integrityFailures} plays played bytes that differ from the server's`] : []),
    ...(plays.length === 0 ? ['no play was reported'] : []),
    ...(accounting ? accountingProblems(accounting) : []),
    ...hostLoadProblems(load, info.timeScale, info.repetitions),
    ...(badLines ? [`${badLines} lines of the raw reports were torn, malformed or impossible (refused by core/report-check.ts)`] : []),
    // the reports are checked one by one; a figure made of them is checked again before it is published
    ...[...Object.entries(shares.bytes), ...Object.entries(shares.shares)].filter(([, v]) => !Number.isFinite(v)).map(([k, v]) => `the figure ${k} is ${v}, not a finite number`),
  ];
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
    latencyMs: {
      ...q.latencyMs,
      scaled: info.timeScale !== 1,
      note: describeRuntime(info.runtime).latencyNote(info.timeScale),
    },
    stutterRate: q.stutterRate,
    integrityFailures: q.integrityFailures,
    playsNeverStarted: q.neverStarted,
    playsBeforeLogin: q.beforeLogin,
    reportsLost: lost,
    rawLinesSkipped: badLines,
    ...(accounting ? { playAccounting: accounting } : {}),
    valid: problems.length === 0 && info.interrupted !== true,
    problems: info.interrupted ? ['the run was interrupted', ...problems] : problems,
    ...(load ? { hostLoad: load } : {}),
    ...(info.variant?.faults.length ? { faults: faultEffects(reports, info.variant.faults as Fault[]) } : {}),
    discovery: discovery(reports),
    noNeighbourShare: noNeighbourShare(reports),
    online: peersOnline(reports, info.durationMs, info.repetitions || 1),
    nat: Object.fromEntries(Object.entries(t2).map(([c, r]) => [c, { noNat: r.noNat, upnpWorked: r.upnpWorked, upnpMismatch: r.upnpMismatch, upnpPrivate: r.upnpPrivate, addresses: r.addresses }])),
    linkCheck: info.linkCheck as { container: string; configured: unknown; measured: unknown }[],
    netem: info.netem,
    notes: info.notes,
    gitCommit: info.gitCommit,
    images: info.images,
    ...(info.variant ? { variant: { name: info.variant.name, text: info.variant.text } } : {}),
  };
  return {
    summary: summary satisfies Summary as Summary,
    plays,
    shares,
    quality: q,
    table1: tableI(reports),
    table2: t2,
    table3: t3,
    figure1: f1,
    offload: offloadOverTime(reports, undefined, startMs, info.durationMs),
  };
}

export type Analysis = ReturnType<typeof summarise>;
