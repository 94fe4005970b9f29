// A window of a longer workload: the scripts of [fromMs, toMs) counted from fromMs. What a replay of
// the week's busy hour needs (workload.synthetic.start): a run at time scale 1 cannot afford the
// hours before it, but the sessions already under way at its start must still be there.
import type { ScriptEvent } from '../../node-image/core/script.ts';
import type { DayScripts } from './day-scripts.ts';
import { type Machine, type SyntheticParams, syntheticDays, syntheticPopulation, syntheticWorkload, type WorkloadResult } from './synthetic.ts';
import { PRE_ROLL_MS } from './warmup.ts';

/** a session under way at the window's start logs in at its 0 and plays its first track this long after */
const LOGIN_LEAD_MS = 2_000;
const DAY = 86_400_000;

/**
 * One machine's events in [fromMs, toMs), shifted so that fromMs is 0. A session under way at
 * fromMs logs in again at 0 (a client the run never saw cannot be half-way through a session) and
 * starts at its next play; the track playing at fromMs and its skip are dropped. A session still
 * under way at toMs logs out there. Returns the sessions and plays the window holds.
 */
function windowMachine(events: readonly ScriptEvent[], fromMs: number, toMs: number): { out: ScriptEvent[]; sessions: number; plays: number } {
  const span = toMs - fromMs;
  let sessions = 0;
  let plays = 0;
  const out: ScriptEvent[] = [];
  let login: Extract<ScriptEvent, { action: 'login' }> | null = null;
  // whether the session under way has logged in inside the window, and whether it has played there
  let open = false;
  let played = false;
  // the session was logged in again at 0: its first play waits for the login, as a fresh one would
  let relogged = false;
  for (const e of events) {
    if (e.t >= toMs) break;
    if (e.action === 'login') {
      login = e;
      open = false;
      played = false;
      relogged = false;
    }
    if (e.t < fromMs) {
      if (e.action === 'logout') login = null;
      continue;
    }
    const t = e.t - fromMs;
    if (e.action === 'login') {
      out.push({ ...e, t });
      open = true;
      sessions++;
      continue;
    }
    if (!login) {
      // churn and the like outside any session stay as they are
      if (e.action === 'offline') out.push({ ...e, t });
      continue;
    }
    if (!open) {
      // the first event inside the window of a session that began before it
      if (e.action === 'logout' || e.action === 'skip' || e.action === 'seek') {
        if (e.action === 'logout') login = null;
        continue;
      }
      out.push({ ...login, t: 0 });
      open = true;
      relogged = true;
      sessions++;
    }
    if (e.action === 'skip' || e.action === 'seek') {
      // belongs to a track that started before the window
      if (!played) continue;
    }
    if (e.action === 'play') {
      played = true;
      plays++;
    }
    out.push({ ...e, t: relogged ? Math.max(t, LOGIN_LEAD_MS) : t });
    if (e.action === 'logout') {
      login = null;
      open = false;
    }
  }
  if (login && open) out.push({ t: span, action: 'logout' });
  out.sort((x, y) => x.t - y.t);
  return { out, sessions, plays };
}

/** Per machine, the events in [fromMs, toMs) counted from fromMs (windowMachine); sessions and plays counted again. */
export function windowWorkload(w: WorkloadResult, fromMs: number, toMs: number): WorkloadResult {
  const scripts = new Map<string, ScriptEvent[]>();
  let sessions = 0;
  let plays = 0;
  for (const [name, events] of w.scripts) {
    const m = windowMachine(events, fromMs, toMs);
    scripts.set(name, m.out);
    sessions += m.sessions;
    plays += m.plays;
  }
  return { ...w, scripts, sessions, plays, startMs: w.startMs + fromMs };
}

/**
 * The synthetic workload of `durationMs` from `startMs` after Monday 00:00: the week as it would
 * have been from Monday, then the part the run replays. Warm (a warm-up before it), the window is
 * preceded by PRE_ROLL_MS of unmeasured network time (`preRollMs`), and `before` makes the week up
 * to the pre-roll again, day by day, for the warm-up to replay through the caches.
 *
 * The week is made a day at a time (synthetic.ts syntheticDays): a day whose events all end before
 * the window is let go as soon as it is made, and only the days that reach into the window are
 * kept, in columns, until each machine's part of the window is cut from them. The result is the
 * window of the whole week's workload (a test holds the two equal), without ever holding the week.
 */
export function syntheticWindow(machines: Machine[], startMs: number, durationMs: number, seed: number, params: SyntheticParams, warm: boolean): WorkloadResult {
  if (!startMs) return syntheticWorkload(machines, durationMs, seed, params);
  const pre = warm ? Math.min(PRE_ROLL_MS, startMs) : 0;
  const fromMs = startMs - pre;
  const toMs = startMs + durationMs;
  const pop = syntheticPopulation(machines, seed, params);
  // the days whose sessions begin before the window's end; none is cut by the workload's end,
  // which lies a day past the window as a week made from Monday would have it
  const days = (untilMs: number) => syntheticDays(pop, machines, params, { seed, stream: 'sessions', fromDay: 0, toDay: Math.ceil(untilMs / DAY), endMs: toMs + DAY - 60_000 });
  const kept: DayScripts[] = [];
  for (const day of days(toMs)) if (day.lastMs >= fromMs) kept.push(day);
  const scripts = new Map<string, ScriptEvent[]>();
  let sessions = 0;
  let plays = 0;
  machines.forEach((m, i) => {
    // a machine whose sessions all ended before the window has nothing in it
    if (kept.every((d) => d.lastMsOf(i) < fromMs)) {
      scripts.set(m.name, []);
      return;
    }
    const events = kept.length === 1 ? kept[0].eventsOf(i) : kept.flatMap((d) => d.eventsOf(i));
    const w = windowMachine(events, fromMs, toMs);
    scripts.set(m.name, w.out);
    sessions += w.sessions;
    plays += w.plays;
  });
  const w: WorkloadResult = { scripts, users: pop.users.length, tracks: pop.tracks, zipfExponent: pop.zipfExponent, sessions, plays, startMs: fromMs };
  if (!warm) return w;
  // made again when the warm-up asks (the same draws give the same days): kept, the days before
  // the window would be the largest thing the run holds
  const before = function* () {
    for (const day of days(fromMs)) yield { day: day.day, scripts: day.scripts() };
  };
  return { ...w, preRollMs: pre, before: { days: before, untilMs: fromMs } };
}
