// Each analysis against hand-made reports whose answer is known.
import { describe, expect, it } from 'vitest';
import type { LoginReport, NeighboursReport, PlayReport, Report, SearchReport } from '../../node-image/core/reports.ts';
import { playReport } from '../../node-image/core/test/reports.ts';
import { classifyAddresses, discovery, figure1, isWeekend, noNeighbourShare, offloadByDc, offloadOverTime, peersOnline, tableI, tableII, tableIII } from './paper.ts';

let seq = 0;
const base = (user: string, country = 'SE', t = 0) => ({ clientId: `c-${user}`, seq: seq++, user, country, t, dc: 'stockholm' });
const login = (user: string, local: string, seen: string, upnp: LoginReport['upnp'], country = 'SE'): LoginReport => ({
  ...base(user, country),
  type: 'login',
  localAddress: local,
  serverSeenAddress: seen,
  upnp,
  listenPort: 4100,
  mobile: false,
});
const up = (ext: string) => ({ ok: true as const, protocol: 'upnp' as const, externalAddress: ext, externalPort: 4100, internalPort: 4100 });
const fail = { ok: false as const, error: 'no gateway' };

describe('Table II classification', () => {
  it('follows the paper: no NAT, UPnP worked, mismatch, private, per seen address', () => {
    const rs: Report[] = [
      login('a', '198.18.0.5', '198.18.0.5', fail), // public address
      login('b', '10.0.0.3', '198.18.0.6', up('198.18.0.6')), // UPnP worked
      login('c', '10.0.0.11', '198.18.0.7', up('198.19.252.2')), // mismatch
      login('d', '10.0.0.19', '198.18.0.8', up('100.64.0.3')), // double NAT
      login('e', '10.0.0.27', '198.18.0.9', fail), // NAT without UPnP
      login('f', '198.18.0.10', '198.18.0.10', fail, 'GB'),
      login('g', '10.0.0.35', '198.18.0.10', up('198.18.0.10'), 'GB'), // same IP: no NAT wins
    ];
    const c = classifyAddresses(rs);
    expect([...c.values()].map((x) => x.category)).toEqual(['noNat', 'upnpWorked', 'upnpMismatch', 'upnpPrivate', 'other', 'noNat']);
    expect(tableII(rs)).toEqual({
      SE: { addresses: 5, noNat: 0.2, upnpWorked: 0.2, upnpMismatch: 0.2, upnpPrivate: 0.2 },
      GB: { addresses: 1, noNat: 1, upnpWorked: 0, upnpMismatch: 0, upnpPrivate: 0 },
    });
  });
});

describe('Table I', () => {
  it('counts distinct addresses per user', () => {
    const rs = [login('a', 'x', '1.1.1.1', fail), login('a', 'x', '1.1.1.2', fail), login('a', 'x', '1.1.1.1', fail), login('b', 'x', '1.1.1.3', fail)];
    expect(tableI(rs).SE).toEqual({ users: 2, pct: [50, 50, 0, 0, 0, 0, 0, 0, 0, 0] });
  });
});

describe('Table III and the tracker', () => {
  const search = (t: number, overlay: (1 | 2)[], tracker: number | null, country = 'SE'): SearchReport => ({
    ...base('s', country, t),
    type: 'search',
    track: 1,
    quality: 'q5',
    tracker: tracker === null ? null : { peers: tracker },
    overlay: overlay.map((distance) => ({ distance })),
    neighbours: 3,
  });
  it('splits by distance and by weekday against weekend (Saturday = day 5)', () => {
    const sat = 5 * 86_400_000 + 1000;
    expect(isWeekend(sat)).toBe(true);
    expect(isWeekend(4 * 86_400_000)).toBe(false);
    const rs = [search(0, [1, 2], 3), search(1, [2], 0), search(2, [], 0), search(3, [], null), search(sat, [1], 1)];
    const t = tableIII(rs).SE;
    expect(t.weekday).toEqual({ searches: 4, any: 0.5, d1: 0.25, d2: 0.5 });
    expect(t.weekend).toEqual({ searches: 1, any: 1, d1: 1, d2: 0 });
    expect(discovery(rs)).toMatchObject({ searches: 5, tracker: 0.5, overlay: 0.6, overlayD1: 0.4, overlayD2: 0.4 });
  });
});

describe('Fig. 1', () => {
  it('bins by 30 minutes, leaves out the first report after login, and counts peers with no neighbour', () => {
    const n = (sinceLogin: number, count: number): NeighboursReport => ({ ...base('n'), type: 'neighbours', sinceLogin, count });
    const M = 60_000;
    const rs = [n(M, 40), n(30 * M, 0), n(30 * M, 10), n(31 * M, 20), n(60 * M, 5)];
    const f = figure1(rs);
    expect(f.map((r) => r.minutes)).toEqual([30, 60]);
    expect(f[0]).toMatchObject({ n: 3, p50: 10, p90: 20, p10: 0 });
    expect(noNeighbourShare(rs)).toBe(0.25);
  });
});

describe('offload over time', () => {
  const H = 3_600_000;
  const at = (hour: number, server: number) => playReport({ ...base('p', 'SE', hour * H + 60_000), bytes: { server, p2p: 0, cache: 0 } });
  const rs = [at(0, 1), at(1, 2), at(2, 3), at(6, 4)];

  it("has a row for every hour of the run's window, zero where nothing played", () => {
    const o = offloadOverTime(rs, H, 0, 7 * H);
    expect(o.map((r) => r.hour)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(o.map((r) => r.server)).toEqual([1, 2, 3, 0, 0, 0, 4]);
    expect(o[4]).toEqual({ hour: 4, server: 0, p2p: 0, cache: 0 });
  });

  it('counts hours of the week from the run start, and fills the quiet hours between plays without a window too', () => {
    // a run from Monday 10:00 for 8 h: hours 10..17, plays only at its hours 0 and 3
    const o = offloadOverTime([at(0, 1), at(3, 2)], H, 10 * H, 8 * H);
    expect(o.map((r) => r.hour)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(offloadOverTime([at(0, 1), at(3, 2)]).map((r) => r.server)).toEqual([1, 0, 0, 2]);
    expect(offloadOverTime([])).toEqual([]);
  });
});

describe('offload by data centre', () => {
  it('splits played bytes per data centre and leaves out plays made before any login', () => {
    const p = (dc: string, server: number, p2p: number): PlayReport => playReport({ ...base('p'), dc, bytes: { server, p2p, cache: 0 }, latencyMs: server + p2p ? 10 : -1 });
    const by = offloadByDc([p('london', 100, 300), p('stockholm', 50, 50), p('unknown', 0, 0)]);
    expect(Object.keys(by)).toEqual(['london', 'stockholm']);
    expect(by.london.shares.p2p).toBe(0.75);
    expect(by.stockholm.shares.server).toBe(0.5);
  });
});

describe('peers online', () => {
  it('counts each session from its login to its logout, or to the last report of a client that never logged out', () => {
    const at = (r: Report, t: number) => ({ ...r, t }) as Report;
    const out = (user: string, t: number) => ({ ...base(user, 'SE', t), type: 'logout', generated: 1 }) as Report;
    const a = login('a', '10.0.0.2', '198.18.0.2', fail);
    const b = login('b', '10.0.0.3', '198.18.0.3', fail);
    const rs = [
      // a: online 0..100, then again 200..300 (a second session of the same client instance)
      at(a, 0),
      out('a', 100),
      at(a, 200),
      out('a', 300),
      // b: online 50..250, never logged out; its last report is a play at 250
      at(b, 50),
      at(playReport({ user: 'b' }), 250),
    ].map((r) => ({ ...r, clientId: `c-${r.user}` })) as Report[];
    // 0-50: 1, 50-100: 2, 100-200: 1, 200-250: 2, 250-300: 1 -> 400 peer-ms over a run of 400 ms
    expect(peersOnline(rs, 400)).toEqual({ mean: 1, peak: 2 });
    // only what falls within the run counts towards the mean: 0-50: 1, 50-100: 2
    expect(peersOnline(rs, 100)).toEqual({ mean: 1.5, peak: 2 });
    expect(peersOnline([], 100)).toEqual({ mean: 0, peak: 0 });
    // two repetitions' reports: the mean per repetition, and no peak (it would be their sum)
    expect(peersOnline(rs, 400, 2)).toEqual({ mean: 0.5 });
    // a session after the run's end raises nothing
    const late = [
      ...rs,
      { ...at(login('z', '10.0.0.9', '198.18.0.9', fail), 500), clientId: 'c-z' } as Report,
      { ...out('z', 600), clientId: 'c-z' } as Report,
      { ...at(a, 550), clientId: 'c-a2' } as Report,
    ];
    expect(peersOnline(late, 400)).toEqual({ mean: 1, peak: 2 });
  });
});
