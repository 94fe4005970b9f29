// The rule of docs/time-scale.md, "An overloaded host": a run whose worst program's p99 timer
// slip, in workload time, exceeds the protocol's emergency window is not valid, with the largest
// time scale that would have held; a small slip passes; a run without the figures (the simulated
// runtime) gets no problem and no section in report.md.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { SlipHistogram } from '../../node-image/core/host-load.ts';
import type { Report } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { runMarkdown, runTables } from '../report/render.ts';
import { summarise } from '../report/summarise.ts';
import { summarySchema } from '../report/summary.schema.ts';
import { testRunInfo } from '../report/test/run-info.ts';
import { type HostLoadInfo, hostLoadFigures, hostLoadProblems, hostLoadWarning, slipLimit } from './host-load.ts';

/**
 * programs with these p99 slips (real ms), each from 100 timer firings: 97 of 0.2 ms, then its p99
 * three times; its event-loop delay p99 half of that
 */
function hostLoad(p99s: Record<string, number>, dcs: string[] = ['stockholm', 'london']): HostLoadInfo {
  const pooled = new SlipHistogram();
  const programs = Object.entries(p99s).map(([name, p99]) => {
    const h = new SlipHistogram();
    for (let i = 0; i < 97; i++) h.add(0.2);
    for (let i = 0; i < 3; i++) h.add(p99);
    pooled.merge(h.pairs(), h.max);
    return {
      name,
      role: dcs.includes(name) ? ('dc' as const) : ('client' as const),
      repetition: 'abcd',
      ms: 200_000,
      timers: 100,
      slipMs: { p50: 0.2, p99, max: p99 },
      loopDelayMs: { p50: 0.1, p99: p99 / 2, max: p99 },
      loopSamples: 400,
    };
  });
  return { programs, slipHist: pooled.pairs() };
}

const base = { user: 'u', country: 'SE', dc: 'stockholm' };
const reports: Report[] = [playReport({ clientId: 'a', t: 1000, bytes: { server: 100, p2p: 0, cache: 0 }, latencyMs: 5 }), { ...base, clientId: 'a', seq: 1, t: 5000, type: 'logout', generated: 2 }];

describe('the host-load rule', () => {
  it('passes a run whose timers slipped little: at scale 600, 1 ms real is 0.6 s of the 3 s emergency window', () => {
    const f = hostLoadFigures(hostLoad({ 'se-001': 0.6, 'se-002': 1, stockholm: 0.4, london: 0.3 }), 600)!;
    expect(f).toMatchObject({ clients: 2, dataCentres: 2, holds: true, worstHolds: true });
    expect(f.worst).toMatchObject({ name: 'se-002', role: 'client', slipP99: { realMs: 1, workloadMs: 600 } });
    expect(f.worstDataCentre).toMatchObject({ name: 'stockholm', loopDelayP99: { realMs: 0.2, workloadMs: 120 } });
    expect(f.limit).toEqual({ parameter: 'emergencySec', workloadMs: 3000, realMs: 5 });
    // pooled: of the 400 firings, 1 ms three times, then 0.6 ms three times: the p99 (the 396th) is 0.6 ms, to a bucket
    expect(f.slipP99.realMs).toBeGreaterThanOrEqual(0.6);
    expect(f.slipP99.realMs).toBeLessThanOrEqual(0.66);
    expect(f.largestScale).toBe(Math.floor(3000 / f.slipP99.realMs));
    expect(hostLoadProblems(f, 600)).toEqual([]);
    expect(hostLoadWarning(f)).toBeNull();
  });

  it('warns, without voiding the run, of a slip beyond the window at a scale that already distorts what it would move', () => {
    const f = hostLoadFigures(hostLoad({ 'se-001': 10, 'fi-004': 12, 'se-002': 8, stockholm: 1, london: 1 }), 600)!;
    expect(f.holds).toBe(false);
    // the 496th of 500 firings: 10 ms, to its bucket's upper edge (buckets are 2^(1/8) wide), 6.14 s at scale 600
    expect(f.slipP99).toEqual({ realMs: 10.24, workloadMs: 6_144 });
    expect(f.worst).toMatchObject({ name: 'fi-004', slipP99: { realMs: 12, workloadMs: 7_200 } });
    // 3000 workload ms over 10.24 real ms: at scale 292 the slip is within the 3 s
    expect(f.largestScale).toBe(292);
    // at 600 the scale alone puts stutters and plays never started beyond their tolerance (from
    // 60 on): the host's slip is a warning that it adds to that, not a problem, while it stays
    // within the 15 s the server keeps ahead of a play (25 ms real at 600)
    expect(f.scaleDistorts).toBe(true);
    expect(f.ceiling).toEqual({ parameter: 'serverAheadSec', workloadMs: 15_000, realMs: 25 });
    expect(f.beyondCeiling).toBe(false);
    expect(hostLoadProblems(f, 600)).toEqual([]);
    expect(hostLoadWarning(f)).toMatch(
      /^the host did not keep up with the time scale \(the run's p99 timer slip 10.24 ms real, 6.14 s of workload time, .*beyond their tolerance from the scale alone \(within it up to scale 60.*would have held: 292$/,
    );
  });

  it('voids a run at any scale whose host was later than the audio the server keeps ahead of a play', () => {
    const f = hostLoadFigures(hostLoad({ 'se-001': 40, 'fi-004': 45, 'se-002': 30, stockholm: 1, london: 1 }), 600)!;
    // 40.96 ms real is 24.6 s of workload time at 600: past the 15 s of serverAheadSec
    expect(f).toMatchObject({ holds: false, scaleDistorts: true, beyondCeiling: true, largestScale: 73 });
    expect(hostLoadWarning(f)).toBeNull();
    const [problem, ...rest] = hostLoadProblems(f, 600);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^the host did not keep up with time scale 600: 1 % of the programs' timers fired 40.96 ms real, 24.6 s of workload time, or more, after they were due, more than the 15 s of serverAheadSec .*at any scale; .*would have held: 73$/,
    );
    // the same host at 60 is judged by the emergency window, as before
    expect(hostLoadFigures(hostLoad({ 'se-001': 40, 'fi-004': 45, 'se-002': 30, stockholm: 1, london: 1 }), 60)!.beyondCeiling).toBe(false);
  });

  it('fails a run at a scale whose figures hold by themselves, naming the worst program and the largest scale that would have held', () => {
    // at 60 the window is 50 ms real: the same host, ten times slower
    const f = hostLoadFigures(hostLoad({ 'se-001': 400, 'fi-004': 450, 'se-002': 300, stockholm: 1, london: 1 }), 60)!;
    expect(f).toMatchObject({ holds: false, scaleDistorts: false, worst: { name: 'fi-004', slipP99: { realMs: 450, workloadMs: 27_000 } } });
    expect(f.largestScale).toBe(Math.floor(3000 / f.slipP99.realMs));
    const [problem, ...more] = hostLoadProblems(f, 60);
    expect(more).toEqual([]);
    expect(problem).toMatch(
      /^the host did not keep up with time scale 60: 1 % of the programs' timers fired .* ms real, .* of workload time, or more, after they were due, more than the 3 s of emergencySec within which a player must act/,
    );
    expect(problem).toMatch(new RegExp(`the worst program, peer fi-004, 450 ms real, 27 s of workload time at its p99; the largest time scale that would have held: ${f.largestScale}$`));
    // the problem names the worst program: no warning besides
    expect(hostLoadWarning(f)).toBeNull();
  });

  it("fails a run whose data centre kept 1 % of its requests waiting beyond the window, though the clients' timers held", () => {
    const f = hostLoadFigures(hostLoad({ 'se-001': 0.5, 'se-002': 0.5, 'se-003': 0.5, stockholm: 0.4, london: 160 }), 60)!;
    expect(f.slipP99.realMs).toBeLessThan(1);
    expect(f.worstDataCentre).toMatchObject({ name: 'london', loopDelayP99: { realMs: 80, workloadMs: 4800 } });
    expect(f).toMatchObject({ holds: false, largestScale: 37 });
    const problems = hostLoadProblems(f, 60, 3);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^the host did not keep up with time scale 60: 1 % of the time a request to data centre london \(repetition abcd\) waited 80 ms real, 4.8 s of workload time, or more, for its event loop, .* would have held: 37$/,
    );
  });

  it('warns, without voiding the run, of one program alone beyond the window', () => {
    const f = hostLoadFigures(hostLoad({ 'se-001': 40, 'se-002': 0.5, 'se-003': 0.5, 'se-004': 0.5, stockholm: 0.3, london: 0.3 }), 600)!;
    expect(f).toMatchObject({ holds: true, worstHolds: false, worst: { name: 'se-001' } });
    expect(hostLoadProblems(f, 600)).toEqual([]);
    expect(hostLoadWarning(f)).toMatch(/^peer se-001 alone slipped beyond the window at its p99 \(40 ms real, 24 s of workload time\)/);
  });

  it('judges the slip in workload time: the same 4 ms holds at scale 60 and not at 3000', () => {
    const h = hostLoad({ 'se-001': 4, 'se-002': 4 }, []);
    expect(hostLoadFigures(h, 60)).toMatchObject({ holds: true, limit: { realMs: 50 } });
    expect(hostLoadFigures(h, 3000)).toMatchObject({ holds: false, limit: { realMs: 1 } });
    expect(hostLoadFigures(h, 3000)?.largestScale).toBe(hostLoadFigures(h, 60)?.largestScale);
    expect(hostLoadProblems(hostLoadFigures(hostLoad({ 'se-001': 4000 }, []), 1), 1)[0]).toMatch(/would have held: none, not even 1/);
    // the scale's own distortion of the late player's figures starts past 60 (time-scale.ts MEASURED)
    expect(hostLoadFigures(h, 60)?.scaleDistorts).toBe(false);
    expect(hostLoadFigures(h, 61)?.scaleDistorts).toBe(true);
  });

  it("takes the variant's shortest audio window: the server head's without emergency mode, none with every window off", () => {
    expect(slipLimit({})).toEqual({ parameter: 'emergencySec', workloadMs: 3000 });
    expect(slipLimit({ features: { emergency: false } })).toEqual({ parameter: 'serverHeadSec', workloadMs: 15_000 });
    expect(slipLimit({ params: { emergencySec: 20 } })).toEqual({ parameter: 'serverHeadSec', workloadMs: 15_000 });
    expect(slipLimit({ features: { emergency: false, prefetch: false }, params: { serverHeadSec: 0 } })).toBeNull();
    const f = hostLoadFigures(hostLoad({ 'se-001': 40 }, []), 600, { features: { emergency: false, prefetch: false }, params: { serverHeadSec: 0 } })!;
    expect(f).toMatchObject({ limit: null, largestScale: null, holds: true });
    expect(hostLoadProblems(f, 600)).toEqual([]);
  });

  it('gives no figures, no problem and no section without measurements (the simulated runtime)', () => {
    expect(hostLoadFigures(undefined, 600)).toBeUndefined();
    expect(hostLoadFigures({ programs: [], slipHist: [] }, 600)).toBeUndefined();
    expect(hostLoadProblems(undefined, 600)).toEqual([]);
    const info = testRunInfo({ runtime: 'sim' });
    const a = summarise({ info, reports, generated: new Map([['a', 2]]), badLines: 0 });
    expect(a.summary.valid).toBe(true);
    expect(a.summary.hostLoad).toBeUndefined();
    expect(runMarkdown(a, info, runTables(a))).not.toContain('Host load');
  });

  it('puts the figures in summary.json, within its schema, and the section in report.md; an overloaded run is not valid', () => {
    for (const [scale, slip, holds, valid] of [
      [600, 1, true, true],
      // beyond the window at 600, where the scale alone already distorts stutters: a warning
      [600, 10, false, true],
      // and beyond the 15 s the server keeps ahead (25 ms real at 600): not valid at any scale
      [600, 40, false, false],
      [60, 400, false, false],
    ] as const) {
      const info = testRunInfo({ runtime: 'docker', timeScale: scale, hostLoad: hostLoad({ 'se-001': slip, 'se-002': slip, stockholm: 0.5 }) });
      const a = summarise({ info, reports, generated: new Map([['a', 2]]), badLines: 0 });
      expect(a.summary.valid).toBe(valid);
      expect(a.summary.hostLoad).toMatchObject({ clients: 2, dataCentres: 1, holds, scaleDistorts: scale > 60, worst: { name: 'se-001' } });
      expect(new Ajv({ strict: false }).validate(summarySchema, a.summary)).toBe(true);
      const md = runMarkdown(a, info, runTables(a));
      expect(md).toContain('## Host load');
      expect(md).toContain(`| peer se-001: the largest timer slip | ${slip} ms (${slip * scale < 1000 ? `${slip * scale} ms` : `${+((slip * scale) / 1000).toPrecision(3)} s`}) |`);
      expect(md).toContain(
        holds
          ? '**hold**'
          : valid
            ? '**do not hold**, a warning and not a problem at this scale'
            : scale > 60
              ? '**do not hold, beyond even the 15 s of `serverAheadSec`'
              : '**do not hold: the run is not valid**',
      );
      if (!valid) expect(md).toMatch(new RegExp(`\\*\\*Not a valid run\\*\\*: the host did not keep up with time scale ${scale}`));
      if (!holds && valid) expect(md).toMatch(/\*\*Warning\*\*: the host did not keep up with the time scale/);
    }
  });
});
