// The data centre against clients that misbehave: malformed reports, reports for another client,
// one connection logging in as two clients.
import { describe, expect, it } from 'vitest';
import { Channel } from './channel.ts';
import { ManualClock } from './clock.ts';
import { DataCentre, type ReportSink } from './dc.ts';
import type { Message } from './messages.ts';
import { resolveParams } from './params.ts';
import { reportProblem } from './report-check.ts';
import type { Report } from './reports.ts';
import { pipePair } from './test/memory-pipe.ts';
import { playReport } from './test/reports.ts';

const params = resolveParams();

function setup(failing = false) {
  const clock = new ManualClock(0);
  const stored: Report[] = [];
  const sink: ReportSink = {
    append: async (r) => {
      if (failing) throw new Error('EBADF: bad file descriptor, fdatasync');
      stored.push(...r);
    },
    storedKeys: () => [],
  };
  const logs: { event: string; fields?: Record<string, unknown> }[] = [];
  const dc = new DataCentre('london', params, clock, sink, (event, fields) => logs.push({ event, fields }));
  const refused = () => logs.filter((l) => l.event === 'report-refused').map((l) => String(l.fields?.problem));
  const connect = (addr: string) => {
    const [mine, theirs] = pipePair(1 << 20, addr, 'dc');
    dc.accept(new Channel(theirs, clock, { ...params, name: 'c' }));
    const ch = new Channel(mine, clock, { ...params, name: 's' });
    const got: Message[] = [];
    let closed = '';
    ch.onMessage = (m) => got.push(m);
    ch.onClosed = (r) => (closed = r);
    return { ch, got, closed: () => closed };
  };
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { dc, stored, connect, settle, refused, logs };
}

const login = (clientId: string) => ({ clientId, user: `u-${clientId}`, country: 'GB', listenHost: '198.18.0.9', listenPort: 4100 });
const good = (clientId: string, seq: number): Report => ({ type: 'neighbours', clientId, seq, user: 'u', country: 'GB', t: 1, dc: 'london', sinceLogin: 0, count: 2 });

describe('report checks', () => {
  it('accepts what a client makes and names what is wrong otherwise', () => {
    expect(reportProblem(good('a', 0))).toBeNull();
    expect(reportProblem({ clientId: 'x', seq: 0, type: 'play' })).toMatch(/play report without "user"/);
    expect(reportProblem({ ...good('a', 0), type: 'dance' })).toMatch(/unknown report type "dance"/);
    expect(reportProblem({ ...good('a', 0), count: -1 })).toMatch(/"count" is not a valid int/);
    expect(reportProblem({ ...good('a', 0), extra: 1 })).toMatch(/unknown field "extra"/);
    expect(reportProblem(JSON.parse('{"__proto__": {"x": 1}}'))).toMatch(/unknown report type/);
  });

  it('refuses values no run can produce: infinite bytes, times outside any run, negative durations', () => {
    const base = { clientId: 'a', seq: 0, user: 'u', country: 'SE', t: 1000, dc: 'stockholm' };
    const play = playReport({ clientId: 'a', t: 1000, track: 3, bytes: { server: 1000, p2p: 0, cache: 0 }, latencyMs: 40 });
    expect(reportProblem(play)).toBeNull();
    expect(reportProblem({ ...play, latencyMs: -1 })).toBeNull();
    expect(reportProblem({ ...play, bytes: { server: 1e308, p2p: 0, cache: 0 } })).toMatch(/play report: 1e\+308 bytes played of track 3, more than 16 times its \d+ bytes/);
    expect(reportProblem({ ...play, t: 1e308 })).toMatch(/"t" is not workload ms from 0 to 31622400000/);
    expect(reportProblem({ ...play, t: -5 })).toMatch(/"t" is not workload ms/);
    expect(reportProblem({ ...play, latencyMs: -5e300 })).toMatch(/"latencyMs" is not -1 \(never started\) or real ms/);
    expect(reportProblem({ ...play, stutterMs: -1 })).toMatch(/"stutterMs" is not real ms from 0/);
    expect(reportProblem({ ...base, type: 'connect', peer: 'b', outcome: 'direct', ms: Number.POSITIVE_INFINITY })).toMatch(/"ms" is not real ms/);
    // a stray key nested inside, __proto__ above all, is refused as one at the top level is
    expect(reportProblem(JSON.parse(JSON.stringify(play).replace('"bytes":{', '"bytes":{"__proto__":{"x":1},')))).toMatch(/"bytes" is not a valid bytes/);
    expect(reportProblem({ ...play, bytes: { server: 1, p2p: 0, cache: 0, extra: 1 } })).toMatch(/"bytes" is not a valid bytes/);
  });

  it("takes the search instrumentation added later, and an older run's reports without it", () => {
    const base = { clientId: 'a', seq: 0, user: 'u', country: 'SE', t: 0, dc: 'stockholm' };
    const search = { ...base, type: 'search', track: 1, quality: 'q5', tracker: null, neighbours: 2 };
    expect(reportProblem({ ...search, overlay: [{ distance: 1 }] })).toBeNull();
    expect(reportProblem({ ...search, overlay: [{ distance: 2, ms: 40 }], waitedMs: 310 })).toBeNull();
    expect(reportProblem({ ...search, overlay: [{ distance: 2, ms: -1 }] })).toMatch(/"overlay" is not a valid array/);
    expect(reportProblem({ ...search, overlay: [], waitedMs: 'soon' })).toMatch(/"waitedMs" is not real ms from 0 to/);
    const logout = { ...base, type: 'logout', generated: 3 };
    expect(reportProblem(logout)).toBeNull();
    expect(reportProblem({ ...logout, lostHits: { late: 2, forgotten: 0 } })).toBeNull();
    expect(reportProblem({ ...logout, lostHits: { late: 2 } })).toMatch(/"lostHits" is not a valid lostHits/);
    expect(reportProblem({ ...logout, notPlayed: { noUser: 4, offline: 0 } })).toBeNull();
    for (const bad of [{ noUser: 4 }, { noUser: -1, offline: 0 }, { noUser: 1.5, offline: 0 }, { noUser: 0, offline: 0, lost: 3 }, [0, 0], null])
      expect(reportProblem({ ...logout, notPlayed: bad }), JSON.stringify(bad)).toMatch(/"notPlayed" is not a valid notPlayed/);
    expect(reportProblem({ ...base, type: 'neighbours', sinceLogin: 0, count: 1, notPlayed: { noUser: 0, offline: 0 } })).toMatch(/unknown field "notPlayed"/);
    // a field of one type is not taken on another
    expect(reportProblem({ ...logout, waitedMs: 3 })).toMatch(/unknown field "waitedMs"/);
  });
});

describe('data centre against misbehaving clients', () => {
  it('refuses a malformed report before it is stored or acknowledged', async () => {
    const t = setup();
    const c = t.connect('198.18.0.9');
    c.ch.send('login', login('a'));
    c.ch.send('report', { seq: 0, report: { clientId: 'a', seq: 0, type: 'play' } as never });
    await t.settle();
    expect(t.stored).toEqual([]);
    expect(c.got.some((m) => m.type === 'reportAck')).toBe(false);
    expect(c.closed()).not.toBe('');
    expect(t.refused()).toEqual(['play report without "user"']);
    expect(t.dc.stats.badReports).toBe(1);
  });

  it('takes reports only for the client the connection logged in as', async () => {
    const t = setup();
    const c = t.connect('198.18.0.9');
    c.ch.send('login', login('mallory'));
    c.ch.send('report', { seq: 0, report: good('alice', 0) });
    await t.settle();
    expect(t.stored).toEqual([]);
    expect(c.closed()).not.toBe('');
    expect(t.refused()).toEqual(['a report of "alice" on the connection of mallory']);
    // alice's own report is then stored, not dropped as a duplicate
    const a = t.connect('198.18.0.10');
    a.ch.send('login', login('alice'));
    a.ch.send('report', { seq: 0, report: good('alice', 0) });
    await t.settle();
    expect(t.stored.map((r) => r.clientId)).toEqual(['alice']);
    expect(a.got.map((m) => m.type)).toEqual(['loginOk', 'reportAck']);
  });

  it('ends a session when its connection logs in as another client or closes', async () => {
    const t = setup();
    const c = t.connect('198.18.0.9');
    c.ch.send('login', login('a'));
    c.ch.send('trackerAnnounce', { track: 1, quality: 'q5' });
    c.ch.send('login', login('b'));
    await t.settle();
    expect(t.dc.online).toBe(1);
    const q = t.connect('198.18.0.11');
    q.ch.send('login', login('q'));
    q.ch.send('trackerQuery', { qid: 1, track: 1, quality: 'q5' });
    await t.settle();
    // a is gone: the tracker does not hand it out
    expect(q.got.find((m) => m.type === 'trackerAnswer')?.body).toEqual({ qid: 1, peers: [] });
    c.ch.close('bye');
    await t.settle();
    expect(t.dc.online).toBe(1);
  });
});

describe('data centre whose sink fails', () => {
  it('does not acknowledge what it could not store, and says why (no unhandled rejection)', async () => {
    const t = setup(true);
    const c = t.connect('198.18.0.9');
    c.ch.send('login', login('a'));
    c.ch.send('report', { seq: 0, report: good('a', 0) });
    await t.settle();
    expect(c.got.some((m) => m.type === 'reportAck')).toBe(false);
    expect(t.logs.find((l) => l.event === 'sink-failed')?.fields).toMatchObject({ reports: 1, error: expect.stringMatching(/EBADF/) });
  });
});
