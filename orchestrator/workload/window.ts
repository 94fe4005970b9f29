// A window of a longer workload: the scripts of [fromMs, toMs) counted from fromMs. What a replay of
// the week's busy hour needs (workload.synthetic.start): a run at time scale 1 cannot afford the
// hours before it, but the sessions already under way at its start must still be there.
import type { ScriptEvent } from '../../node-image/core/script.ts';
import type { WorkloadResult } from './synthetic.ts';

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
