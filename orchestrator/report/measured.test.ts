import { describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { measuredReports, summarise } from './summarise.ts';
import type { RunInfo } from './write.ts';

const r = (type: string, t: number, seq: number, extra: Record<string, unknown> = {}) => ({ type, t, seq, clientId: 'c1', user: 'u', country: 'SE', dc: 'stockholm', ...extra }) as unknown as Report;

describe('the measured window of a run with a pre-roll', () => {
  const reports = [r('login', 100, 0), r('play', 500, 1), r('play', 1500, 2), r('logout', 2500, 3)];

  it('leaves out what happened in the pre-roll, keeps who was logged in, and counts time from the window', () => {
    const m = measuredReports({ workload: { preRollMs: 1000 } }, reports);
    expect(m.map((x) => `${x.type}@${x.t}`)).toEqual(['login@0', 'play@500', 'logout@1500']);
  });

  it('is every report as it is without one', () => {
    expect(measuredReports({ workload: {} }, reports)).toEqual(reports);
  });

  it("does not call the pre-roll's reports lost: they were stored, only not measured", () => {
    const play = (t: number, seq: number) =>
      r('play', t, seq, {
        track: 1,
        quality: 'q5',
        bytes: { server: 10, p2p: 0, cache: 0 },
        latencyMs: 1,
        stutters: 0,
        stutterMs: 0,
        complete: true,
        sha256: 'a',
        expectedSha256: 'a',
        access: 'random',
        prefetched: false,
      });
    const all = [r('login', 0, 0), play(500, 1), play(1500, 2), r('logout', 2500, 3, { generated: 4 })];
    const info = {
      experiment: 'x',
      runId: 'x',
      seed: 1,
      timeScale: 1,
      peers: 1,
      topology: 't',
      durationMs: 2000,
      repetitions: 1,
      gitCommit: 'g',
      images: {},
      netem: false,
      notes: [],
      linkCheck: [],
      workload: { preRollMs: 1000 },
    } as unknown as RunInfo;
    const s = summarise({ info, reports: all, generated: new Map(), badLines: 0 }).summary;
    expect(s.plays).toBe(1);
    expect(s.reportsLost).toBe(0);
  });
});
