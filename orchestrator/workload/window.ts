// A window of a longer workload: the scripts of [fromMs, toMs) counted from fromMs. What a replay of
// the week's busy hour needs (workload.synthetic.start): a run at time scale 1 cannot afford the
// hours before it, but the sessions already under way at its start must still be there.
import type { ScriptEvent } from '../../node-image/core/script.ts';
import { type Machine, type SyntheticParams, syntheticWorkload, type WorkloadResult } from './synthetic.ts';
import { PRE_ROLL_MS } from './warmup.ts';

/** a session under way at the window's start logs in at its 0 and plays its first track this long after */
const LOGIN_LEAD_MS = 2_000;

/**
 * Per machine, the events in [fromMs, toMs), shifted so that fromMs is 0. A session under way at
 * fromMs logs in again at 0 (a client the run never saw cannot be half-way through a session) and
 * starts at its next play; the track playing at fromMs and its skip are dropped. A session still
 * under way at toMs logs out there. Sessions and plays are counted again.
 */
export function windowWorkload(w: WorkloadResult, fromMs: number, toMs: number): WorkloadResult {
  const span = toMs - fromMs;
  const scripts = new Map<string, ScriptEvent[]>();
  let sessions = 0;
  let plays = 0;
  for (const [name, events] of w.scripts) {
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
    out.sort((a, b) => a.t - b.t);
    scripts.set(name, out);
  }
  return { ...w, scripts, sessions, plays, startMs: w.startMs + fromMs };
}

/**
 * The synthetic workload of `durationMs` from `startMs` after Monday 00:00: the week as it would
 * have been from Monday, then the part the run replays. Warm (a warm-up before it), the window is
 * preceded by PRE_ROLL_MS of unmeasured network time (`preRollMs`), and `before` holds the week up
 * to the pre-roll, which the warm-up replays through the caches.
 */
export function syntheticWindow(machines: Machine[], startMs: number, durationMs: number, seed: number, params: SyntheticParams, warm: boolean): WorkloadResult {
  if (!startMs) return syntheticWorkload(machines, durationMs, seed, params);
  // made a day longer than the window, because the generator ends its sessions before its own
  // end and starts none in its last minutes, which would thin the window's end
  const week = syntheticWorkload(machines, startMs + durationMs + 86_400_000, seed, params);
  if (!warm) return windowWorkload(week, startMs, startMs + durationMs);
  const pre = Math.min(PRE_ROLL_MS, startMs);
  const w = windowWorkload(week, startMs - pre, startMs + durationMs);
  return { ...w, preRollMs: pre, before: { scripts: week.scripts, untilMs: startMs - pre } };
}
