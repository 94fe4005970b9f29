// Replays a workload script (core/script.ts) against a client on its clock.
import type { Client } from './client.ts';
import type { ScriptEvent } from './script.ts';

export function runScript(client: Client, events: readonly ScriptEvent[], onDone: () => void): { cancel(): void } {
  const { clock } = client.deps;
  // one snapshot of the clock for every timer: under a large time scale, workload time moves
  // while hundreds of timers are made, and a later snapshot would put the end before the last event
  const now = clock.now();
  const timers = events.map((e) =>
    clock.after(Math.max(0, e.t - now), () => {
      switch (e.action) {
        case 'login':
          return client.login(e.user, e.country, e.quality, e.mobile ?? false);
        case 'play':
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
    }),
  );
  const last = events.length ? events[events.length - 1].t : now;
  const end = clock.after(Math.max(0, last - now) + 1, onDone);
  return { cancel: () => [...timers, end].forEach((t) => t.cancel()) };
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
