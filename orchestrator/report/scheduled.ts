// raw/scheduled-plays.jsonl: the plays the orchestrator handed each machine in its workload script,
// written when the scripts are made, so that the analysis can hold every play the workload asked for
// against what the clients reported (summarise.ts, playAccounting) without trusting either side.
// One line per machine with plays: {"machine": name, "plays": [[t, track], ...]}, t in the run's
// workload ms (a pre-roll included, as the reports' t).
import fs from 'node:fs';
import path from 'node:path';
import type { ScriptEvent } from '../../node-image/core/script.ts';

export const SCHEDULED_FILE = 'scheduled-plays.jsonl';

/** each machine's scheduled plays as [t, track], by machine name */
export type ScheduledPlays = Map<string, [number, number][]>;

export function scheduledPlays(scripts: ReadonlyMap<string, readonly ScriptEvent[]>): ScheduledPlays {
  const out: ScheduledPlays = new Map();
  for (const [machine, events] of scripts) {
    const plays = events.flatMap((e): [number, number][] => (e.action === 'play' ? [[e.t, e.track]] : []));
    if (plays.length) out.set(machine, plays);
  }
  return out;
}

export function writeScheduledPlays(repDir: string, plays: ScheduledPlays): void {
  const dir = path.join(repDir, 'raw');
  fs.mkdirSync(dir, { recursive: true });
  const lines = [...plays].map(([machine, p]) => JSON.stringify({ machine, plays: p }));
  fs.writeFileSync(path.join(dir, SCHEDULED_FILE), lines.join('\n') + (lines.length ? '\n' : ''));
}

/** the files' lines added together (repetitions have one file each, on the same machine names) */
export function parseScheduledPlays(texts: readonly string[]): ScheduledPlays {
  const out: ScheduledPlays = new Map();
  for (const text of texts)
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const { machine, plays } = JSON.parse(line) as { machine: string; plays: [number, number][] };
      const have = out.get(machine);
      if (have) for (const p of plays) have.push(p);
      else out.set(machine, plays);
    }
  return out;
}
