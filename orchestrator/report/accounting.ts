// Every play the workload scheduled, accounted for: reported by its client, or not played for a
// stated reason. A play that is neither vanished without a word, and the run is not valid: a trace
// replay once scheduled 23,977 plays and reported 1,598 while the summary called the run valid.
//
// The balance is kept per machine over the whole run, pre-roll included. A play report's t is when
// the play ended, so a play asked for at the pre-roll's end may be reported inside the window: the
// window alone cannot be balanced, the whole run can.
import { machineOfClientId } from '../../node-image/core/client-id.ts';
import type { NotPlayed, PlayReport, Report } from '../../node-image/core/reports.ts';
import type { ScheduledPlays } from './scheduled.ts';

/** what a client's exit record says of the plays it did not start (the programs add those their script never reached) */
export type ExitNotPlayed = NotPlayed & { notReached?: number };

export interface PlayAccounting {
  /** plays in the scripts handed out, pre-roll included */
  scheduled: number;
  /** of those, in the measured window */
  inWindow: number;
  /** play reports stored, pre-roll included */
  reported: number;
  notPlayed: {
    /** asked for with no user logged in */
    noUser: number;
    /** asked for while the machine was offline (churn) */
    offline: number;
    /** not reached: the program exited (stopped at the run's end) before its script got to them */
    notReached: number;
    /** the shortfall of machines whose program ended without its exit record (died, or cut off by the run's end) */
    noExit: number;
  };
  /** scheduled plays neither reported nor counted with a reason */
  unaccounted: number;
  /** plays reported or counted beyond what the scripts scheduled */
  surplus: number;
  /** machines with unaccounted plays, most first (at most 10): how many, and some of their plays that have no play report */
  missing: { machine: string; plays: number; unreported: { t: number; track: number }[] }[];
}

export function playAccounting(scheduled: ScheduledPlays, reports: readonly Report[], exits: ReadonlyMap<string, ExitNotPlayed>, withoutExit: readonly string[], preRollMs: number): PlayAccounting {
  // a client's counts grow over its process's life: its latest (the largest) holds the rest
  const byClient = new Map<string, ExitNotPlayed>();
  const keep = (id: string, n: ExitNotPlayed) => {
    const o = byClient.get(id);
    byClient.set(id, o ? { noUser: Math.max(o.noUser, n.noUser), offline: Math.max(o.offline, n.offline), notReached: Math.max(o.notReached ?? 0, n.notReached ?? 0) } : { ...n });
  };
  const reportedTracks = new Map<string, Map<number, number>>();
  let reported = 0;
  for (const r of reports) {
    if (r.type === 'logout' && r.notPlayed) keep(r.clientId, r.notPlayed);
    if (r.type !== 'play') continue;
    reported++;
    const m = machineOfClientId(r.clientId);
    let tracks = reportedTracks.get(m);
    if (!tracks) reportedTracks.set(m, (tracks = new Map()));
    tracks.set((r as PlayReport).track, (tracks.get((r as PlayReport).track) ?? 0) + 1);
  }
  for (const [id, n] of exits) keep(id, n);
  const perMachine = new Map<string, number>();
  const notPlayed = { noUser: 0, offline: 0, notReached: 0, noExit: 0 };
  for (const [id, n] of byClient) {
    notPlayed.noUser += n.noUser;
    notPlayed.offline += n.offline;
    notPlayed.notReached += n.notReached ?? 0;
    const m = machineOfClientId(id);
    perMachine.set(m, (perMachine.get(m) ?? 0) + n.noUser + n.offline + (n.notReached ?? 0));
  }
  const died = new Set(withoutExit);
  const machines = new Set([...scheduled.keys(), ...reportedTracks.keys(), ...perMachine.keys()]);
  let total = 0;
  let inWindow = 0;
  let unaccounted = 0;
  let surplus = 0;
  const short: { machine: string; plays: number }[] = [];
  for (const m of machines) {
    const plays = scheduled.get(m) ?? [];
    total += plays.length;
    for (const [t] of plays) if (t >= preRollMs) inWindow++;
    let said = perMachine.get(m) ?? 0;
    for (const n of reportedTracks.get(m)?.values() ?? []) said += n;
    const gap = plays.length - said;
    if (gap < 0) surplus -= gap;
    else if (gap > 0 && died.has(m)) notPlayed.noExit += gap;
    else if (gap > 0) {
      unaccounted += gap;
      short.push({ machine: m, plays: gap });
    }
  }
  short.sort((a, b) => b.plays - a.plays || (a.machine < b.machine ? -1 : 1));
  const missing = short.slice(0, 10).map((s) => ({ ...s, unreported: unreportedPlays(scheduled.get(s.machine) ?? [], reportedTracks.get(s.machine), 3) }));
  return { scheduled: total, inWindow, reported, notPlayed, unaccounted, surplus, missing };
}

/**
 * the first `n` scheduled plays that no play report of the machine matches by track: the counts of
 * plays not started carry no track, so these are candidates, not a verdict
 */
function unreportedPlays(plays: readonly [number, number][], reported: ReadonlyMap<number, number> | undefined, n: number): { t: number; track: number }[] {
  const left = new Map(reported);
  const out: { t: number; track: number }[] = [];
  for (const [t, track] of [...plays].sort((a, b) => a[0] - b[0])) {
    const k = left.get(track) ?? 0;
    if (k > 0) left.set(track, k - 1);
    else if (out.push({ t, track }) >= n) break;
  }
  return out;
}

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** the problems a balance that does not add up makes (none when it does) */
export function accountingProblems(a: PlayAccounting): string[] {
  const out: string[] = [];
  if (a.unaccounted) {
    const named = a.missing.map((m) => `${m.machine} ${m.plays} (plays without a report: ${m.unreported.map((p) => `track ${p.track} at ${clock(p.t)} of the run`).join(', ')})`).join('; ');
    out.push(
      `${a.unaccounted} of ${a.scheduled} scheduled plays are unaccounted for, neither reported nor counted as not played with a reason: ${named}${a.missing.reduce((n, m) => n + m.plays, 0) < a.unaccounted ? '; ...' : ''}`,
    );
  }
  if (a.surplus) out.push(`${a.surplus} plays more were reported or counted as not played than the scripts scheduled`);
  return out;
}
