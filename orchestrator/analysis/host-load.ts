// Whether the host kept up with the run's time scale, from the programs' own measurements
// (docs/time-scale.md, "An overloaded host"): each program's timer slip and event-loop delay in
// real ms (node-image/core/host-load.ts), shown in workload time (× the time scale), and the rule.
// When 1 % of the run's timers fire later, in workload time, than the shortest window within
// which the protocol's player must act (the emergency window: 3 s of audio), or a data centre
// keeps 1 % of its requests waiting that long, the player's reactions come too late at the rate
// of the figures' finest tolerance (±1 point of plays never started), so its stutters and plays
// never started are the host's, not the protocol's: the run is not valid. Runs without the
// figures (the simulated runtime, whose clock cannot slip; runs made before they were measured)
// get no figures and no problem.
import type { FromSchema } from 'json-schema-to-ts';
import { roundMs, SlipHistogram } from '../../node-image/core/host-load.ts';
import { type Protocol, type ProtocolSpec, resolveProtocol } from '../../node-image/core/policies.ts';
import { MEASURED } from './time-scale.ts';

const quantiles = {
  type: 'object',
  additionalProperties: false,
  required: ['p50', 'p99', 'max'],
  properties: { p50: { type: 'number', minimum: 0 }, p99: { type: 'number', minimum: 0 }, max: { type: 'number', minimum: 0 } },
} as const;

/**
 * run.json `hostLoad` (report/run-info.ts): each program's last `load` line (node-image/core/host-load.ts
 * HostLoad), its slip histogram pooled into the run's
 */
export const hostLoadInfoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['programs', 'slipHist'],
  description:
    "each program's last host-load record, over the repetitions (node-image/adapters/host-load.ts; orchestrator/experiment/host-load.ts), real ms; absent where no program measured one (the simulated runtime; runs before 2026-12-07)",
  properties: {
    programs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'role', 'repetition', 'ms', 'timers', 'slipMs', 'loopDelayMs', 'loopSamples'],
        properties: {
          name: { type: 'string', description: "the peer's or the data centre's name" },
          role: { enum: ['client', 'dc'] },
          repetition: { type: 'string', description: "the repetition's run id" },
          ms: { type: 'number', minimum: 0, description: 'real ms measured, from the workload start' },
          timers: { type: 'integer', minimum: 0, description: "the program's timers that fired: the slip's samples" },
          slipMs: { ...quantiles, description: 'how late its timers fired against when they were due' },
          loopDelayMs: { ...quantiles, description: 'how long a timer due at any moment waited for its event loop (perf_hooks.monitorEventLoopDelay)' },
          loopSamples: { type: 'integer', minimum: 0 },
        },
      },
    },
    slipHist: {
      type: 'array',
      description: "every program's slips, pooled: [bucket, count] (node-image/core/host-load.ts slipBucket)",
      items: {
        type: 'array',
        items: [
          { type: 'integer', minimum: 0 },
          { type: 'integer', minimum: 1 },
        ],
        minItems: 2,
        additionalItems: false,
      },
    },
  },
} as const;

export type HostLoadInfo = FromSchema<typeof hostLoadInfoSchema>;
type ProgramLoad = HostLoadInfo['programs'][number];

/** a delay in real ms and what it is in workload time (× the time scale) */
interface Delay {
  realMs: number;
  workloadMs: number;
}

interface ProgramFigures {
  name: string;
  role: 'client' | 'dc';
  repetition: string;
  slipP99: Delay;
  slipMax: Delay;
  loopDelayP99: Delay;
  loopDelayMax: Delay;
}

/** summary.json `hostLoad` */
export interface HostLoadFigures {
  clients: number;
  dataCentres: number;
  /** the p99 of every timer firing of every program, pooled: the rule's first figure */
  slipP99: Delay;
  /** the program whose own p99 slip was the largest */
  worst: ProgramFigures;
  /** the data centre whose p99 event-loop delay was the largest: the rule's second figure */
  worstDataCentre?: ProgramFigures;
  /** the program whose p99 event-loop delay was the largest */
  worstLoopDelay: ProgramFigures;
  /** the window both figures must stay within, null if the variant has none (every audio window off) */
  limit: { parameter: string; workloadMs: number; realMs: number } | null;
  /** the limit over the larger of the rule's figures in real ms, rounded down; null without a limit or a slip */
  largestScale: number | null;
  /** both of the rule's figures, in workload time, are within the limit */
  holds: boolean;
  /** the worst program's own p99 slip is within it too (else a warning: that program's plays may carry the host's stutters) */
  worstHolds: boolean;
  /**
   * the scale alone already distorts the figures a late player moves (stutters, plays never
   * started: time-scale.ts MEASURED): the run says so at its start and in report.md, so a slip
   * beyond the limit is then a warning that the host adds to it, not a problem of its own
   */
  scaleDistorts: boolean;
  /**
   * the audio the server keeps ahead of a play (serverAheadSec), in workload time: a host later
   * than that starves a player that acted in time on everything it knew, so beyond it the run is
   * not valid at any scale; null when the variant's protocol has no server stream ahead
   */
  ceiling?: { parameter: string; workloadMs: number; realMs: number } | null;
  /** the rule's figures exceed the ceiling in workload time (absent in a summary from before 2026-12-07's ceiling) */
  beyondCeiling?: boolean;
}

type Window = { parameter: string; workloadMs: number };

/**
 * The shortest window of the protocol, in workload time (seconds of audio, compressed by the time
 * scale), within which a player must act on what its buffer holds: the emergency window when the
 * variant has emergency mode, else the server head's or the prefetch's, whichever is shorter
 * (core/params.ts; docs/time-scale.md lists them as compressed by the scale). The start buffer is
 * not one: a late start only adds to the latency, which is real ms and says so.
 */
export function slipLimit(spec: ProtocolSpec): Window | null {
  return windowsOf(resolveProtocol(spec)).limit;
}

/**
 * The rule's two windows from one resolution of the variant: the limit (slipLimit) and the
 * ceiling, the audio the server keeps ahead of a play (serverAheadSec), beyond which a host
 * starves a player that acted in time whatever the scale.
 */
function windowsOf({ params: p, features: f }: Protocol): { limit: Window | null; ceiling: Window | null } {
  const windows: [string, number][] = [
    ['emergencySec', f.emergency ? p.emergencySec : 0],
    ['serverHeadSec', p.serverHeadSec],
    ['prefetchSec', f.prefetch ? p.prefetchSec : 0],
  ];
  const open = windows.filter(([, s]) => s > 0).sort((a, b) => a[1] - b[1]);
  return {
    limit: open.length ? { parameter: open[0][0], workloadMs: open[0][1] * 1000 } : null,
    ceiling: p.serverAheadSec > 0 ? { parameter: 'serverAheadSec', workloadMs: p.serverAheadSec * 1000 } : null,
  };
}

/** the run's figures, or undefined without any program's */
export function hostLoadFigures(h: HostLoadInfo | undefined, timeScale: number, spec: ProtocolSpec = {}): HostLoadFigures | undefined {
  if (!h?.programs.length) return undefined;
  const delay = (realMs: number): Delay => ({ realMs: roundMs(realMs), workloadMs: Math.round(realMs * timeScale) });
  const figures = (p: ProgramLoad): ProgramFigures => ({
    name: p.name,
    role: p.role,
    repetition: p.repetition,
    slipP99: delay(p.slipMs.p99),
    slipMax: delay(p.slipMs.max),
    loopDelayP99: delay(p.loopDelayMs.p99),
    loopDelayMax: delay(p.loopDelayMs.max),
  });
  const most = (ps: ProgramLoad[], key: (p: ProgramLoad) => number) => ps.reduce((a, b) => (key(b) > key(a) ? b : a));
  const pooled = new SlipHistogram();
  pooled.merge(h.slipHist, Math.max(...h.programs.map((p) => p.slipMs.max)));
  const slipP99 = pooled.quantile(0.99);
  const worst = most(h.programs, (p) => p.slipMs.p99);
  const dcs = h.programs.filter((p) => p.role === 'dc');
  const worstDc = dcs.length ? most(dcs, (p) => p.loopDelayMs.p99) : undefined;
  // the rule's figures: how late the run's timers fired, and how long a request waited at the busiest data centre
  const judged = Math.max(roundMs(slipP99), worstDc?.loopDelayMs.p99 ?? 0);
  const windows = windowsOf(resolveProtocol(spec));
  const inReal = (w: Window | null) => (w ? { ...w, realMs: roundMs(w.workloadMs / timeScale) } : null);
  const limit = inReal(windows.limit);
  const ceiling = inReal(windows.ceiling);
  const within = (realMs: number) => !limit || realMs * timeScale <= limit.workloadMs;
  return {
    clients: h.programs.length - dcs.length,
    dataCentres: dcs.length,
    slipP99: delay(slipP99),
    worst: figures(worst),
    ...(worstDc ? { worstDataCentre: figures(worstDc) } : {}),
    worstLoopDelay: figures(most(h.programs, (p) => p.loopDelayMs.p99)),
    limit,
    largestScale: limit && judged > 0 ? Math.floor(limit.workloadMs / judged) : null,
    holds: within(judged),
    worstHolds: within(worst.slipMs.p99),
    scaleDistorts: timeScale > LATE_PLAYER_HOLDS_TO,
    ceiling,
    beyondCeiling: ceiling !== null && judged * timeScale > ceiling.workloadMs,
  };
}

/** seconds or ms of workload time, as report.md and the problem say it */
export function workloadTime(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toPrecision(3)} s`;
}

/** the largest time scale that would have held, in words */
export function largestScaleText(n: number | null): string {
  return n === null ? 'any' : n >= 1 ? String(n) : 'none, not even 1 (the slip alone is longer than the window)';
}

const who = (p: ProgramFigures, repetitions: number) => `${p.role === 'dc' ? 'data centre' : 'peer'} ${p.name}${repetitions > 1 ? ` (repetition ${p.repetition})` : ''}`;
const delayText = (d: Delay) => `${d.realMs} ms real, ${workloadTime(d.workloadMs)} of workload time`;

/**
 * The largest time scale at which the figures a late player moves stay within their tolerance by
 * the scale alone (time-scale.ts MEASURED: stutters per play, plays never started). Beyond it the
 * network's own delays, which the scale does not compress, already exceed the emergency window
 * (at 600 the window is 5 ms real, a tenth of a home link's round trip), and the run names those
 * figures as distorted.
 */
const LATE_PLAYER_HOLDS_TO = Math.min(MEASURED.stutters, MEASURED.neverStarted);

/**
 * Why the run is not valid by its host's load: nothing when both of the rule's figures held, or,
 * at a scale that alone already distorts what they would move, when they stay within the ceiling
 * (the audio the server keeps ahead: a host later than that starves players at any scale).
 */
export function hostLoadProblems(f: HostLoadFigures | undefined, timeScale: number, repetitions = 1): string[] {
  if (!f?.limit || f.holds) return [];
  if (f.scaleDistorts && !f.beyondCeiling) return [];
  // at such a scale the window the figures are held to is the ceiling, and the scale that would hold is still the shortest window's
  const window = f.scaleDistorts && f.ceiling ? f.ceiling : f.limit;
  const beyond = `more than the ${workloadTime(window.workloadMs)} of ${window.parameter} within which a player must act (docs/time-scale.md, "An overloaded host")${window === f.ceiling ? `: beyond the audio the server keeps ahead of a play, the host starves players that acted in time, at any scale` : ''}`;
  const scale = `the largest time scale that would have held: ${largestScaleText(f.largestScale)}`;
  const out: string[] = [];
  const over = (d: Delay) => d.realMs * timeScale > window.workloadMs;
  if (over(f.slipP99))
    out.push(
      `the host did not keep up with time scale ${timeScale}: 1 % of the programs' timers fired ${delayText(f.slipP99)}, or more, after they were due, ${beyond}; the worst program, ${who(f.worst, repetitions)}, ${delayText(f.worst.slipP99)} at its p99; ${scale}`,
    );
  const dc = f.worstDataCentre;
  if (dc && over(dc.loopDelayP99))
    out.push(
      `the host did not keep up with time scale ${timeScale}: 1 % of the time a request to ${who(dc, repetitions)} waited ${delayText(dc.loopDelayP99)}, or more, for its event loop, ${beyond}; ${scale}`,
    );
  return out;
}

/** what report.md warns of in a run that held: the worst program's own p99 slip beyond the window (in one that did not, the problem names it) */
export function hostLoadWarning(f: HostLoadFigures, repetitions = 1): string | null {
  if (f.limit && !f.holds && f.scaleDistorts && !f.beyondCeiling)
    return `the host did not keep up with the time scale (the run's p99 timer slip ${delayText(f.slipP99)}${f.worstDataCentre ? `, ${who(f.worstDataCentre, repetitions)}'s p99 event-loop delay ${delayText(f.worstDataCentre.loopDelayP99)}` : ''}, against ${workloadTime(f.limit.workloadMs)} of ${f.limit.parameter}); at this scale the figures it would move, stutters per play and plays that never started, are beyond their tolerance from the scale alone (within it up to scale ${LATE_PLAYER_HOLDS_TO}, docs/time-scale.md), and the host adds to that; the largest time scale that would have held: ${largestScaleText(f.largestScale)}`;
  if (!f.limit || f.worstHolds || !f.holds) return null;
  return `${who(f.worst, repetitions)} alone slipped beyond the window at its p99 (${delayText(f.worst.slipP99)}): its own plays may carry the host's stutters, though the run's timers as a whole held`;
}
