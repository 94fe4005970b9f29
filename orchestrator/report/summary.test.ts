// The summary: its published schema matches the one its type comes from, summarise() is pure
// and right on reports whose answer is known, and a results folder with broken lines in raw/
// is still analysed, the broken lines counted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { measuredReports, summarise } from './summarise.ts';
import { summarySchema } from './summary.schema.ts';
import { testRunInfo } from './test/run-info.ts';
import { writeReport } from './write.ts';

const info = testRunInfo();
const base = { user: 'u', country: 'SE', dc: 'stockholm' };
const play = (clientId: string, seq: number, server: number, p2p: number, cache: number): Report => ({
  ...base,
  clientId,
  seq,
  t: 1000 * seq,
  type: 'play',
  track: 1,
  quality: 'q5',
  bytes: { server, p2p, cache },
  latencyMs: 5 * (seq + 1),
  stutters: 1,
  stutterMs: 3,
  complete: true,
  sha256: 'a',
  expectedSha256: 'a',
  access: 'random',
  prefetched: false,
});
const reports = [play('a', 0, 600, 300, 100), play('b', 0, 0, 0, 1000), { ...base, clientId: 'a', seq: 1, t: 5, type: 'logout', generated: 2 } as Report];

describe('summary', () => {
  it('publishes the schema its type comes from', () => {
    const published = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, 'summary.schema.json'), 'utf8'));
    expect(published, 'run npm run schemas').toEqual(JSON.parse(JSON.stringify(summarySchema)));
  });

  it('summarises reports whose answer is known, within its schema', () => {
    const { summary } = summarise({ info, reports, generated: new Map([['b', 1]]), badLines: 0 });
    expect(summary.shares).toEqual({ server: 0.3, p2p: 0.15, cache: 0.55 });
    expect(summary.plays).toBe(2);
    expect(summary.stutterRate).toBe(1);
    expect(summary.latencyMs).toMatchObject({ p50: 5, p90: 5, scaled: true });
    expect(summary.reportsLost).toBe(0);
    expect(new Ajv({ strict: false }).validate(summarySchema, summary)).toBe(true);
  });

  it('analyses a folder whose raw reports hold torn and malformed lines, and counts them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sum-'));
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(info));
    fs.mkdirSync(path.join(dir, 'raw', 'stockholm'), { recursive: true });
    const lines = reports.map((r) => JSON.stringify(r));
    lines.splice(1, 0, '{"clientId":"x","seq":0,"type":"play"}', '{"clientId":"y","seq":0,"type":"pla');
    fs.writeFileSync(path.join(dir, 'raw', 'stockholm', 'reports.jsonl'), lines.join('\n') + '\n');
    const s = await writeReport(dir);
    expect(s.plays).toBe(2);
    expect(s.rawLinesSkipped).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('2 lines of the raw reports were torn or malformed and were skipped');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('does not publish a report with impossible values: it is skipped, counted, and the run is not valid', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sum-'));
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(info));
    fs.mkdirSync(path.join(dir, 'raw', 'stockholm'), { recursive: true });
    const play = reports.find((r) => r.type === 'play')!;
    const absurd = { ...play, seq: 99, bytes: { server: 1e308, p2p: 0, cache: 0 } };
    fs.writeFileSync(path.join(dir, 'raw', 'stockholm', 'reports.jsonl'), [...reports, absurd].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const s = await writeReport(dir);
    expect(s.rawLinesSkipped).toBe(1);
    expect(s.valid).toBe(false);
    expect(s.problems).toContain('1 lines of the raw reports were torn, malformed or impossible (refused by core/report-check.ts)');
    expect(s.shares).toEqual({ server: 0.3, p2p: 0.15, cache: 0.55 });
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).not.toContain('Infinity');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the measured window of a run with a pre-roll', () => {
  const r = (type: string, t: number, seq: number, extra: Record<string, unknown> = {}) => ({ type, t, seq, clientId: 'c', user: 'u', country: 'SE', dc: 'stockholm', ...extra }) as unknown as Report;
  const reports = [r('login', 100, 0), r('play', 500, 1), r('play', 1500, 2), r('logout', 2500, 3)];

  it('leaves out what happened in the pre-roll, keeps who was logged in, and counts time from the window', () => {
    const m = measuredReports({ workload: { preRollMs: 1000 } }, reports);
    expect(m.map((x) => `${x.type}@${x.t}`)).toEqual(['login@0', 'play@500', 'logout@1500']);
  });

  it('is every report as it is without one', () => {
    expect(measuredReports({ workload: {} }, reports)).toEqual(reports);
  });

  it("does not call the pre-roll's reports lost: they were stored, only not measured", () => {
    const all = [r('login', 0, 0), playReport({ t: 500, seq: 1 }), playReport({ t: 1500, seq: 2 }), r('logout', 2500, 3, { generated: 4 })];
    const s = summarise({ info: { ...info, durationMs: 2000, workload: { preRollMs: 1000 } }, reports: all, generated: new Map(), badLines: 0 }).summary;
    expect(s.plays).toBe(1);
    expect(s.reportsLost).toBe(0);
  });
});

describe('the accounting of the plays a run scheduled', () => {
  // m1's script held four plays and m2's two; m1's client reported two and said one was asked with nobody logged in
  const scheduled = () =>
    new Map<string, [number, number][]>([
      [
        'm1',
        [
          [1000, 1],
          [2000, 2],
          [3000, 3],
          [4000, 4],
        ],
      ],
      [
        'm2',
        [
          [1000, 7],
          [2000, 8],
        ],
      ],
    ]);
  const m1 = 'm1-0000000a';
  const m2 = 'm2-0000000b';
  const logout = (clientId: string, seq: number, noUser: number) => ({ ...base, clientId, seq, t: 5000, type: 'logout', generated: seq + 1, notPlayed: { noUser, offline: 0 } }) as Report;
  const reported = [
    playReport({ clientId: m1, seq: 0, t: 1500, track: 1 }),
    playReport({ clientId: m1, seq: 1, t: 2500, track: 2 }),
    logout(m1, 2, 1),
    playReport({ clientId: m2, seq: 0, t: 1500, track: 7 }),
    playReport({ clientId: m2, seq: 1, t: 2500, track: 8 }),
    logout(m2, 2, 0),
  ];
  const run = (reports: Report[], o: { exits?: Map<string, { noUser: number; offline: number; notReached?: number }>; silent?: string[]; preRollMs?: number } = {}) =>
    summarise({
      info: { ...info, clientsWithoutExit: o.silent, workload: o.preRollMs ? { preRollMs: o.preRollMs } : {} },
      reports,
      generated: new Map(),
      badLines: 0,
      scheduled: scheduled(),
      exits: o.exits,
    }).summary;

  it('calls a run whose reports fall short of its scripts not valid, with how many plays and which', () => {
    const s = run(reported);
    expect(s.playAccounting).toMatchObject({ scheduled: 6, reported: 4, notPlayed: { noUser: 1, offline: 0, notReached: 0, noExit: 0 }, unaccounted: 1, surplus: 0 });
    expect(s.playAccounting!.missing).toEqual([
      {
        machine: 'm1',
        plays: 1,
        unreported: [
          { t: 3000, track: 3 },
          { t: 4000, track: 4 },
        ],
      },
    ]);
    expect(s.valid).toBe(false);
    expect(s.problems).toEqual([
      '1 of 6 scheduled plays are unaccounted for, neither reported nor counted as not played with a reason: m1 1 (plays without a report: track 3 at 0:00:03 of the run, track 4 at 0:00:04 of the run)',
    ]);
    expect(new Ajv({ strict: false }).validate(summarySchema, s)).toBe(true);
  });

  it("adds up with the plays a program's exit record says it did not start", () => {
    // the exit record's counts are the process's whole life: they include the logout report's
    const s = run(reported, { exits: new Map([[m1, { noUser: 1, offline: 0, notReached: 1 }]]) });
    expect(s.playAccounting).toMatchObject({ unaccounted: 0, notPlayed: { noUser: 1, notReached: 1 } });
    expect(s.valid).toBe(true);
  });

  it("puts a program's shortfall down to its end without an exit record, which is a problem of its own", () => {
    const s = run(reported, { silent: ['m1'] });
    expect(s.playAccounting).toMatchObject({ unaccounted: 0, notPlayed: { noExit: 1 } });
    expect(s.problems).toEqual(['1 peers ended without their exit record (died or stopped): m1']);
  });

  it('counts plays reported beyond what the scripts scheduled', () => {
    const s = run([...reported, playReport({ clientId: m2, seq: 3, t: 2600, track: 8 })], { exits: new Map([[m1, { noUser: 2, offline: 0 }]]) });
    expect(s.playAccounting).toMatchObject({ unaccounted: 0, surplus: 1 });
    expect(s.problems).toEqual(['1 plays more were reported or counted as not played than the scripts scheduled']);
  });

  it('balances the whole run, pre-roll included, and tells how many plays fell in the window', () => {
    const s = run(reported, { preRollMs: 2000, exits: new Map([[m1, { noUser: 2, offline: 0 }]]) });
    expect(s.playAccounting).toMatchObject({ scheduled: 6, inWindow: 4, reported: 4, unaccounted: 0 });
    expect(s.plays).toBe(2);
  });

  it('keeps no accounting for a run made before the scripts were recorded', () => {
    const s = summarise({ info, reports: reported, generated: new Map(), badLines: 0 }).summary;
    expect(s.playAccounting).toBeUndefined();
    expect(s.valid).toBe(true);
  });
});
