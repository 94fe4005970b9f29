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
import { type RunInfo, writeReport } from './write.ts';

const info: RunInfo = {
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
};
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
