// A simulated machine with nothing to do in the window gets no client (runtime/sim/world.ts): it
// must still be accounted for as a program that ran and exited, and the run must not change.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../config/experiment.ts';
import { runExperiment } from '../../experiment/run.ts';
import { placePeers } from '../../plan/plan.ts';
import { Progress } from '../../progress/display.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sim-idle-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('machines without work in the window', () => {
  it('each leaves an exit record, and the run is valid with every play accounted for', async () => {
    const file = path.join(root, 'idle.yaml');
    // ten hours of a quiet workload on the 12-peer topology: some machines log in, most do not
    fs.writeFileSync(
      file,
      `name: idle-test
topology: ${path.resolve(import.meta.dirname, '../../../topologies/small.yaml')}
runtime: sim
duration: 10h
seed: 5
workload:
  synthetic:
    sessionsPerDay: { weekday: 1, weekend: 1 }
`,
    );
    const e = loadExperiment(file);
    const r = await runExperiment(e, { resultsRoot: root, runId: 'idle01', progress: new Progress(true) });
    const placed = placePeers(e.topology).length;
    const exits = fs
      .readFileSync(path.join(r.dir, 'raw', 'clients.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { clientId: string; generated: number; drained: boolean });
    expect(exits).toHaveLength(placed);
    expect(new Set(exits.map((x) => x.clientId)).size).toBe(placed);
    expect(exits.every((x) => x.drained)).toBe(true);
    // the input has both kinds, or the test shows nothing
    const idle = exits.filter((x) => x.generated === 0).length;
    expect(idle).toBeGreaterThan(0);
    expect(idle).toBeLessThan(placed);
    const s = r.summary as { valid: boolean; problems: string[] };
    expect(s.problems).toEqual([]);
    expect(s.valid).toBe(true);
  });
});
