// A run.json for the report's tests: a small simulated-at-scale run whose fields no test cares
// about, with what a test does care about given as overrides.
import type { RunInfo } from '../run-info.ts';

export function testRunInfo(o: Partial<RunInfo> = {}): RunInfo {
  return {
    experiment: 'x',
    runId: 'abcd',
    seed: 1,
    timeScale: 600,
    peers: 2,
    topology: 'small',
    durationMs: 3_600_000,
    repetitions: 1,
    gitCommit: 'g',
    images: {},
    netem: false,
    notes: [],
    linkCheck: [],
    workload: {},
    startedAt: '2026-11-25T00:00:00Z',
    ...o,
  };
}
