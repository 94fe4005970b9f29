// The sinks followed as a run goes count what the analysis counts at its end: the same reports in,
// the same plays, shares, never-started plays, search success and lost reports out, pre-roll left
// out, re-sent reports once, and the shares of each workload hour as the report's offload table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { dedupe } from '../analysis/playback.ts';
import { summarise } from '../report/summarise.ts';
import { testRunInfo } from '../report/test/run-info.ts';
import { SinkFollower } from './follow.ts';

const H = 3_600_000;
const PRE = 30 * 60_000;
const base = { user: 'u', country: 'SE', dc: 'stockholm' };
const login = (clientId: string, seq: number, t: number) =>
  ({ ...base, clientId, seq, t, type: 'login', localAddress: '10.0.0.2', upnp: { ok: false, error: 'none' }, listenPort: 4070, mobile: false }) as Report;
const logout = (clientId: string, seq: number, t: number, generated: number) => ({ ...base, clientId, seq, t, type: 'logout', generated }) as Report;
const search = (clientId: string, seq: number, t: number, overlay: number, tracker: number | null) =>
  ({
    ...base,
    clientId,
    seq,
    t,
    type: 'search',
    track: 1,
    quality: 'q5',
    tracker: tracker === null ? null : { peers: tracker },
    overlay: Array.from({ length: overlay }, () => ({ distance: 1 })),
    neighbours: 3,
  }) as Report;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-follow-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the sinks followed while a run goes', () => {
  it('count what the analysis counts from the same reports', () => {
    const files = ['stockholm', 'london'].map((dc) => path.join(dir, dc, 'reports.jsonl'));
    for (const f of files) fs.mkdirSync(path.dirname(f), { recursive: true });
    const first: [number, Report[]][] = [
      [
        0,
        [
          login('a', 0, 0),
          playReport({ clientId: 'a', seq: 1, t: PRE - 1, bytes: { server: 9, p2p: 9, cache: 9 } }),
          playReport({ clientId: 'a', seq: 2, t: PRE + 10, bytes: { server: 100, p2p: 300, cache: 0 } }),
        ],
      ],
      [1, [login('b', 0, PRE), search('b', 1, PRE + 5, 2, 1), search('b', 2, PRE + 6, 0, 0), search('b', 3, PRE + 7, 0, null)]],
    ];
    const second: [number, Report[]][] = [
      // b's seq 3 re-sent to the other data centre after a reconnect; b's seq 5 never stored
      [0, [search('b', 3, PRE + 7, 0, null), playReport({ clientId: 'b', seq: 4, t: PRE + H + 5, latencyMs: -1, bytes: { server: 0, p2p: 0, cache: 0 } }), logout('b', 6, PRE + H + 9, 7)]],
      [1, [playReport({ clientId: 'a', seq: 3, t: PRE + 2 * H + 1, bytes: { server: 50, p2p: 0, cache: 50 } }), search('a', 4, PRE + 2 * H + 2, 1, 3)]],
    ];
    const all: Report[] = [];
    const info = testRunInfo({ durationMs: 3 * H, workload: { preRollMs: PRE } });
    const sinks = new SinkFollower(files, () => PRE);
    const write = (batch: [number, Report[]][]) => {
      for (const [i, rs] of batch) {
        fs.appendFileSync(files[i], rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
        all.push(...rs);
      }
    };
    write(first);
    // a line on its way: not read until it is whole
    fs.appendFileSync(files[0], '{"clientId":"a"');
    sinks.poll();
    expect(sinks.figures()).toMatchObject({ plays: 1, peersOnline: 2, search: { searches: 3, overlayFound: 1, trackerAsked: 2, trackerFound: 1 } });
    fs.appendFileSync(files[0], ',"torn":true}\n');
    write(second);
    sinks.poll();

    const { summary, offload } = summarise({ info, reports: dedupe(all), generated: new Map(), badLines: 0 });
    const f = sinks.figures();
    expect(f.plays).toBe(summary.plays);
    expect(f.shares).toEqual(summary.shares);
    expect(f.bytes).toEqual({ server: summary.bytes.server, p2p: summary.bytes.p2p, cache: summary.bytes.cache });
    expect(f.playsNeverStarted).toBe(summary.playsNeverStarted);
    expect(f.search.searches).toBe(summary.discovery.searches);
    expect(f.search.overlayFound / f.search.searches).toBeCloseTo(summary.discovery.overlay, 4);
    expect(f.search.trackerFound / f.search.trackerAsked).toBeCloseTo(summary.discovery.tracker, 4);
    expect(f.reportsLost).toBe(summary.reportsLost);
    expect(f.reportsLost).toBe(1);
    expect(f.peersOnline).toBe(1);
    // the hours with a play, as the report's offload rows have them
    const rows = offload.filter((r) => r.server + r.p2p + r.cache > 0);
    expect(f.hourly.map((h) => h.hour)).toEqual(rows.map((r) => r.hour));
    expect(f.hourly.map((h) => h.bytes)).toEqual(rows.map((r) => r.server + r.p2p + r.cache));
    expect(f.hourly[1].shares).toEqual({ server: 0.5, p2p: 0, cache: 0.5 });
    expect(sinks.summary()).toBe('plays 3 | server 30% p2p 60% cache 10% | peers online 1');
  });
});
