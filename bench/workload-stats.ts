// A workload's listening behaviour, measured (orchestrator/workload/stats.ts): sessions per user
// per day, arrivals per hour, session lengths, downtimes, plays per session, skips, track lengths
// and repeat listening. Of an experiment's workload as a run builds it (the synthetic model or its
// trace replayed on the topology's peers, churn included: experiment/workload.ts prepareWorkload),
// or of a trace file read by its importer, one script per listener. Prints a table and writes JSON.
// `npm run bench -- workload-stats <experiment.yaml | trace file> [--json out.json] [--peers N]
//  [--seed S] [--format native|lastfm|mssd] [--country CC]` (docs/workload.md, "Measuring a workload").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ScriptEvent } from '../node-image/core/script.ts';
import { loadExperiment } from '../orchestrator/config/experiment.ts';
import { describeWorkload, prepareWorkload } from '../orchestrator/experiment/workload.ts';
import { placePeers, withPeers } from '../orchestrator/plan/plan.ts';
import { Progress } from '../orchestrator/progress/display.ts';
import type { RunInfo } from '../orchestrator/report/run-info.ts';
import { importLastfm } from '../orchestrator/workload/importers/lastfm.ts';
import { importMssd } from '../orchestrator/workload/importers/mssd.ts';
import { type GapBin, type StatsOptions, traceScripts, type WorkloadStats, workloadStats } from '../orchestrator/workload/stats.ts';
import { readTrace } from '../orchestrator/workload/trace.ts';

const USAGE = 'workload-stats <experiment.yaml | trace file> [--json out.json] [--peers N] [--seed S] [--format native|lastfm|mssd] [--country CC]';
const FLAGS = ['--json', '--peers', '--seed', '--format', '--country'];

function parse(args: string[]): { file: string; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) files.push(a);
    else {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (!FLAGS.includes(name)) throw new Error(`workload-stats: unknown flag ${name}; usage: ${USAGE}`);
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`workload-stats: ${name} needs a value; usage: ${USAGE}`);
      flags.set(name, v);
    }
  }
  if (files.length !== 1) throw new Error(`workload-stats: name one experiment or trace file; usage: ${USAGE}`);
  return { file: files[0], flags };
}

const whole = (flag: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`workload-stats: ${flag} needs a whole number, got ${v}`);
  return n;
};

/** what was measured: the source's description, and the scripts with what the statistics need to place them in the week */
interface Measured {
  source: Record<string, unknown>;
  scripts: Iterable<readonly [string, readonly ScriptEvent[]]>;
  options: StatsOptions;
}

async function fromExperiment(file: string, flags: Map<string, string>): Promise<Measured> {
  const e = loadExperiment(file);
  const peers = whole('--peers', flags.get('--peers'));
  const topology = peers ? withPeers(e.topology, peers) : e.topology;
  const machines = placePeers(topology).map((p) => ({ name: p.name, country: p.country }));
  const seed = whole('--seed', flags.get('--seed')) ?? e.seed;
  const variant = e.variants[0];
  // what prepareWorkload tells run.json and writes for the report goes to a folder of its own, removed after
  const info = { workload: {} } as unknown as RunInfo;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-workload-stats-'));
  try {
    const w = await prepareWorkload(e, machines, seed, variant, info, new Progress(), (line) => process.stderr.write(`warning: ${line}\n`), dir);
    const pre = w.preRollMs ?? 0;
    if (!peers && e.populations.length) process.stderr.write(`note: ${e.name} runs at ${e.populations.join(', ')} peers; this is its topology's own ${machines.length} (--peers N for another)\n`);
    return {
      source: {
        experiment: e.name,
        file,
        workload: e.workload.kind,
        ...(e.workload.kind === 'synthetic' ? { params: e.workload.params } : { trace: e.workload.file, format: e.workload.format }),
        topology: topology.name,
        machines: machines.length,
        seed,
        variant: variant.name,
        durationMs: e.durationMs,
        startMs: w.startMs,
        ...(pre ? { preRollMs: pre } : {}),
        described: `${describeWorkload(w, e.durationMs)}${pre ? ' (the pre-roll measured too)' : ''}`,
      },
      scripts: w.scripts,
      options: { startMs: w.startMs, fromMs: 0, toMs: e.durationMs + pre, users: w.users },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function fromTrace(file: string, flags: Map<string, string>): Promise<Measured> {
  const format = flags.get('--format') ?? (file.endsWith('.tsv') ? 'lastfm' : file.endsWith('.csv') ? 'mssd' : 'native');
  const warn = (line: string) => process.stderr.write(`warning: ${line}\n`);
  const country = flags.get('--country');
  const opts = { warn, ...(country ? { country } : {}) };
  let events: Awaited<ReturnType<typeof readTrace>>;
  if (format === 'lastfm') events = await importLastfm(file, opts);
  else if (format === 'mssd') events = await importMssd(file, opts);
  else if (format === 'native') events = await readTrace(file);
  else throw new Error(`workload-stats: --format ${format} is not one of native, lastfm, mssd`);
  if (!events.length) throw new Error(`workload-stats: ${file} holds no event`);
  return {
    source: { trace: file, format, listeners: 'one script per user of the trace (its machines are the users: the machine-level repeats are the user-level ones)' },
    scripts: traceScripts(events),
    // the trace's times count from Monday 00:00 UTC of its first event's week (trace.ts mondayOf)
    options: { startMs: 0 },
  };
}

const fixed = (x: number | null, digits = 1) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '-');
/** minutes as minutes, hours or days, whichever reads best */
function span(minutes: number): string {
  if (!Number.isFinite(minutes)) return '-';
  if (minutes < 90) return `${minutes.toFixed(minutes < 10 ? 2 : 1)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} d`;
}
const bin = (b: GapBin) => (b.toMinutes === null ? `>= ${span(b.fromMinutes)}` : b.fromMinutes === 0 ? `< ${span(b.toMinutes)}` : `${span(b.fromMinutes)} - ${span(b.toMinutes)}`);

function table(s: WorkloadStats, source: Record<string, unknown>): string {
  const r = s.repeats;
  const lines = [
    `workload-stats: ${Object.entries(source)
      .filter(([k]) => !['params', 'described', 'durationMs', 'startMs', 'preRollMs'].includes(k))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...(source.described ? [`  ${source.described}`] : []),
    '',
    `machines ${s.machines}, users ${s.users} (${s.usersSeen} logged in), sessions ${s.sessions}, plays ${s.plays}, skips ${s.skips}, seeks ${s.seeks}, offline ${s.offline}${s.playsOutsideSessions ? `, plays outside sessions ${s.playsOutsideSessions}` : ''}`,
    `over ${fixed(s.days.weekday, 2)} weekdays and ${fixed(s.days.weekend, 2)} weekend days (UTC)`,
    '',
    `sessions per user per day            weekday ${fixed(s.sessionsPerUserPerDay.weekday, 3)}   weekend ${fixed(s.sessionsPerUserPerDay.weekend, 3)}   all ${fixed(s.sessionsPerUserPerDay.all, 3)}`,
    `session length                       mean ${span(s.sessionMinutes.mean)}   median ${span(s.sessionMinutes.median)}   p90 ${span(s.sessionMinutes.p90)}   sd/mean ${fixed(s.sessionMinutes.cv, 2)} (an exponential's: 1)`,
    `downtime between a user's sessions   median ${span(s.downtimeMinutes.median)}   p90 ${span(s.downtimeMinutes.p90)}   (${s.downtimeMinutes.n} gaps; ${s.downtimeMinutes.overlapping} sessions began while another of their user's was on)`,
    `plays per session                    mean ${fixed(s.playsPerSession.mean)}   median ${fixed(s.playsPerSession.median)}   p90 ${fixed(s.playsPerSession.p90)}`,
    `skip share                           ${pct(s.skipShare)}`,
    s.trackSeconds
      ? `track length, s (as played here)     ${s.trackSeconds.distinct.n} distinct tracks: mean ${fixed(s.trackSeconds.distinct.mean)}   median ${fixed(s.trackSeconds.distinct.median)}   p90 ${fixed(s.trackSeconds.distinct.p90)}   ${s.trackSeconds.distinct.min}-${s.trackSeconds.distinct.max};   mean over plays ${fixed(s.trackSeconds.meanPerPlay)}`
      : 'track length                         unknown',
    '',
    'repeat listening (a play of a track played before within the workload)',
    `  by the same user, on any machine            ${pct(r.user.share).padStart(7)} of ${r.user.plays} plays   time since the last play: median ${span(r.user.gapMinutes.median)}, p90 ${span(r.user.gapMinutes.p90)}`,
    `  on the same machine (what its cache sees)   ${pct(r.machine.share).padStart(7)} of ${r.machine.plays} plays   time since the last play: median ${span(r.machine.gapMinutes.median)}, p90 ${span(r.machine.gapMinutes.p90)}`,
    `  of playlist plays (the next track)  user ${pct(r.user.byAccess.playlist.share)}, machine ${pct(r.machine.byAccess.playlist.share)} of ${r.user.byAccess.playlist.plays};   of random picks  user ${pct(r.user.byAccess.random.share)}, machine ${pct(r.machine.byAccess.random.share)} of ${r.user.byAccess.random.plays}`,
    '  time since the last play, % of repeats:',
    `  ${'since'.padEnd(22)} ${'user'.padStart(7)} ${'machine'.padStart(8)}`,
    ...r.user.histogram.map((b, i) => `  ${bin(b).padEnd(22)} ${pct(b.share).padStart(7)} ${pct(r.machine.histogram[i].share).padStart(8)}`),
    '',
    'session arrivals per UTC hour, % of the sessions of that kind of day:',
    `  ${'hour'.padEnd(8)}${Array.from({ length: 24 }, (_, h) => String(h).padStart(5)).join('')}`,
    ...(['weekday', 'weekend', 'all'] as const).map((k) => `  ${k.padEnd(8)}${s.arrivalsPerHour[k].map((x) => (100 * x).toFixed(1).padStart(5)).join('')}`),
  ];
  return lines.join('\n') + '\n';
}

export async function run(args: string[]) {
  const { file, flags } = parse(args);
  if (!fs.existsSync(file)) throw new Error(`workload-stats: ${file}: no such file`);
  const t = Date.now();
  const m = /\.ya?ml$/.test(file) ? await fromExperiment(file, flags) : await fromTrace(file, flags);
  const stats = workloadStats(m.scripts, m.options);
  const result = { benchmark: 'workload-stats', at: new Date().toISOString(), source: m.source, seconds: (Date.now() - t) / 1000, stats };
  process.stdout.write(table(stats, m.source));
  const out = path.resolve(flags.get('--json') ?? path.join(import.meta.dirname, 'out', 'workload-stats.json'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stderr.write(`written to ${path.relative(process.cwd(), out)}\n`);
  return result;
}
