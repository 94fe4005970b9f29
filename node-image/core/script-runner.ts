// Replays a workload script (core/script.ts) against a client on its clock.
import type { Client } from './client.ts';
import type { TimerHandle } from './clock.ts';
import type { ScriptEvent } from './script.ts';

export function runScript(client: Client, events: readonly ScriptEvent[], onDone: () => void): { cancel(): void; playsLeft(): number } {
  const { clock } = client.deps;
  // One timer at a time, each event arming the next at its absolute time (e.t against the clock
  // then), so a late timer on a real clock delays nothing after it. Arming the whole script at
  // once put every event of every client in the queue from the start: 280,000 timers for 10,000
  // simulated peers over a day, which made each of the run's events dearer (a deeper heap).
  let timer: TimerHandle | null = null;
  let i = 0;
  // a program that exits before its script's end says how many plays it never reached: the run's
  // accounting of its plays would otherwise find them missing (report/summarise.ts)
  let playsLeft = events.reduce((n, e) => n + (e.action === 'play' ? 1 : 0), 0);
  const fire = (e: ScriptEvent) => {
    switch (e.action) {
      case 'login':
        return client.login(e.user, e.country, e.quality, e.mobile ?? false);
      case 'play':
        playsLeft--;
        return client.play(e.track, e.access, e.next);
      case 'skip':
        return client.skip();
      case 'seek':
        return client.seek(e.positionMs);
      case 'logout':
        return client.logout();
      case 'offline':
        return client.goOffline(e.durationMs);
    }
  };
  const last = events.length ? events[events.length - 1].t : clock.now();
  const arm = () => {
    if (i < events.length) {
      const e = events[i++];
      timer = clock.after(Math.max(0, e.t - clock.now()), () => {
        // the next one first, so that it is queued before anything this event schedules for the
        // same instant (timers other clients made earlier for that instant now run before it:
        // a simulated run's order differs from arming everything at once, deterministically)
        arm();
        fire(e);
      });
    } else timer = clock.after(Math.max(0, last - clock.now()) + 1, onDone);
  };
  arm();
  return { cancel: () => timer?.cancel(), playsLeft: () => playsLeft };
}

/** A script as the JSON Lines parseScript reads: one event per line. */
export function formatScript(events: readonly ScriptEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** Parse a JSON Lines script; errors name the line. */
export function parseScript(text: string, file = 'script'): ScriptEvent[] {
  const out: ScriptEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
    const e = v as Record<string, unknown>;
    if ('header' in e) return;
    const actions = ['login', 'play', 'skip', 'seek', 'logout', 'offline'];
    if (typeof e.t !== 'number' || !actions.includes(e.action as string)) {
      throw new Error(`${file}:${i + 1}: an event needs a numeric "t" and an "action" of ${actions.join(', ')}`);
    }
    out.push(e as unknown as ScriptEvent);
  });
  return out.sort((a, b) => a.t - b.t);
}
