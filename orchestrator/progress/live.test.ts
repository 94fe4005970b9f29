// live.json's writer: every write replaces the file whole (a reader never sees half of one), at
// most one a second with the latest figures kept, a heartbeat while nothing changes, warnings when
// a bad count first appears and each time it doubles, and a final state written at once and last.
// The clock is vitest's fake one: nothing here waits on the wall clock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LIVE_FILE, type LiveFigures, LiveFile, type LiveState } from './live.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-live-'));
  vi.useFakeTimers({ now: new Date('2026-12-10T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const header = { runId: 'live01', experiment: 'quick', runtime: 'sim', durationMs: 4 * 3_600_000, repetitions: 1 };
const read = (): LiveState => JSON.parse(fs.readFileSync(path.join(dir, LIVE_FILE), 'utf8'));
const figures = (o: Partial<LiveFigures> = {}): LiveFigures => ({
  repetition: 1,
  workloadMs: 0,
  preRoll: false,
  plays: 0,
  bytes: { server: 0, p2p: 0, cache: 0 },
  shares: { server: 0, p2p: 0, cache: 0 },
  hourly: [],
  peersOnline: 0,
  search: { searches: 0, overlayFound: 0, trackerAsked: 0, trackerFound: 0 },
  reportsLost: 0,
  playsNeverStarted: 0,
  ...o,
});

describe('live.json', () => {
  it('is written whole into a temporary file beside it and renamed over it: a new file each time, nothing left over', () => {
    const rename = vi.spyOn(fs, 'renameSync');
    const live = new LiveFile(dir, header);
    expect(read()).toMatchObject({ state: 'running', runId: 'live01', plays: 0, warnings: [] });
    const before = fs.statSync(path.join(dir, LIVE_FILE)).ino;
    // a reader that opened the file before the next write keeps reading what it opened, whole
    const held = fs.openSync(path.join(dir, LIVE_FILE), 'r');
    vi.advanceTimersByTime(1000);
    live.update(figures({ plays: 7 }));
    expect(read().plays).toBe(7);
    expect(fs.statSync(path.join(dir, LIVE_FILE)).ino).not.toBe(before);
    expect(JSON.parse(fs.readFileSync(held, 'utf8')).plays).toBe(0);
    fs.closeSync(held);
    expect(rename).toHaveBeenCalledTimes(2);
    for (const [from, to] of rename.mock.calls) {
      expect(path.dirname(String(from))).toBe(dir);
      expect(to).toBe(path.join(dir, LIVE_FILE));
    }
    expect(fs.readdirSync(dir)).toEqual([LIVE_FILE]);
    live.end('finished');
  });

  it('is written at most once a second, and the latest figures are not lost', () => {
    const rename = vi.spyOn(fs, 'renameSync');
    const live = new LiveFile(dir, header);
    live.update(figures({ plays: 1 }));
    live.update(figures({ plays: 2, workloadMs: 60_000 }));
    expect(rename).toHaveBeenCalledTimes(1);
    expect(read().plays).toBe(0);
    vi.advanceTimersByTime(999);
    expect(read().plays).toBe(0);
    vi.advanceTimersByTime(1);
    expect(rename).toHaveBeenCalledTimes(2);
    expect(read()).toMatchObject({ plays: 2, workloadMs: 60_000, updatedAt: '2026-12-10T12:00:01.000Z' });
    // a second later an update goes out at once
    vi.advanceTimersByTime(1000);
    live.update(figures({ plays: 3 }));
    expect(read().plays).toBe(3);
    expect(rename).toHaveBeenCalledTimes(3);
    live.end('finished');
  });

  it('beats while nothing changes, so that a run that died can be told from a quiet one', () => {
    const live = new LiveFile(dir, header, { heartbeatMs: 30_000 });
    expect(read().updatedAt).toBe('2026-12-10T12:00:00.000Z');
    vi.advanceTimersByTime(30_000);
    expect(read().updatedAt).toBe('2026-12-10T12:00:30.000Z');
    live.end('finished');
  });

  it('ends with its final state at once, and is not written again', () => {
    const live = new LiveFile(dir, header);
    live.update(figures({ plays: 5 }));
    // within the second: the final state does not wait for it
    live.end('failed', 'the run failed: no engine');
    const last = read();
    expect(last).toMatchObject({ state: 'failed', plays: 5 });
    expect(last.warnings.map((w) => w.text)).toEqual(['the run failed: no engine']);
    live.update(figures({ plays: 9 }));
    live.warn('too late');
    live.end('finished');
    vi.advanceTimersByTime(120_000);
    expect(read()).toEqual(last);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('warns of lost reports and plays never started when they first appear and each time they double', () => {
    const live = new LiveFile(dir, header);
    for (const n of [0, 1, 1, 2, 3, 4, 7, 9]) live.update(figures({ playsNeverStarted: n, reportsLost: n >= 3 ? 1 : 0 }));
    live.warn('1 dc container(s) exited');
    live.end('finished');
    expect(read().warnings.map((w) => w.text)).toEqual([
      '1 plays never started so far: they ended before any audio was playable',
      '2 plays never started so far: they ended before any audio was playable',
      '1 reports lost so far: generated by clients that logged out, stored by no data centre',
      '4 plays never started so far: they ended before any audio was playable',
      '9 plays never started so far: they ended before any audio was playable',
      '1 dc container(s) exited',
    ]);
    expect(read().warnings.every((w) => w.at === '2026-12-10T12:00:00.000Z')).toBe(true);
  });

  it('does not stop the run when the folder cannot take it: says so once', () => {
    const errors: string[] = [];
    const live = new LiveFile(path.join(dir, 'gone'), header, { onError: (e) => errors.push(e.message) });
    vi.advanceTimersByTime(1000);
    live.update(figures({ plays: 1 }));
    live.end('finished');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ENOENT/);
  });
});
