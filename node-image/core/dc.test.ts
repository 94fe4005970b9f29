// The data centre against clients that misbehave: malformed reports, reports for another client,
// one connection logging in as two clients.
import { describe, expect, it } from 'vitest';
import { Channel, type Pipe } from './channel.ts';
import { machineOfClientId } from './client-id.ts';
import { ManualClock } from './clock.ts';
import { encode } from './codec.ts';
import { credentialFor, credentialProblem } from './credential.ts';
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

describe("data centre that checks each login's credential (core/credential.ts)", () => {
  const secret = 'a run secret';
  const withCredential = (clientId: string, machine = machineOfClientId(clientId)) => ({ ...login(clientId), credential: credentialFor(secret, machine) });

  it('names the machine a client id belongs to, and gives each machine its own credential', () => {
    expect(machineOfClientId('tb-ab12-p-se-003-0f3c9a1b')).toBe('tb-ab12-p-se-003');
    expect(machineOfClientId('c7')).toBe('c7');
    expect(credentialFor(secret, 'tb-ab12-p-se-003')).toMatch(/^[0-9a-f]{32}$/);
    expect(credentialFor(secret, 'tb-ab12-p-se-003')).not.toBe(credentialFor(secret, 'tb-ab12-p-se-004'));
    expect(credentialFor(secret, 'tb-ab12-p-se-003')).not.toBe(credentialFor('another run', 'tb-ab12-p-se-003'));
    expect(credentialProblem(secret, 'tb-ab12-p-se-003-0f3c9a1b', credentialFor(secret, 'tb-ab12-p-se-003'))).toBeNull();
    expect(credentialProblem(secret, 'tb-ab12-p-se-003-0f3c9a1b', undefined)).toBe('no credential');
    expect(credentialProblem(secret, 'tb-ab12-p-se-003-0f3c9a1b', 'short')).toMatch(/not the credential of machine "tb-ab12-p-se-003"/);
  });

  it("refuses a login under another machine's id, and the victim keeps its session and its reports", async () => {
    const t = setup();
    t.dc.requireCredentials(secret);
    const victim = t.connect('198.18.0.9');
    victim.ch.send('login', withCredential('m1-0a0b0c0d'));
    await t.settle();
    expect(victim.got.map((m) => m.type)).toEqual(['loginOk']);
    // another machine's program, with its own (valid) credential, under the victim's id
    const thief = t.connect('198.18.0.66');
    thief.ch.send('login', withCredential('m1-0a0b0c0d', 'm2'));
    thief.ch.send('report', { seq: 0, report: good('m1-0a0b0c0d', 0) });
    await t.settle();
    expect(thief.closed()).not.toBe('');
    expect(thief.got.map((m) => m.type)).toEqual([]);
    expect(t.dc.stats.refusedLogins).toBe(1);
    expect(t.logs.find((l) => l.event === 'login-refused')?.fields).toMatchObject({
      remote: expect.stringContaining('198.18.0.66'),
      clientId: 'm1-0a0b0c0d',
      reason: 'not the credential of machine "m1"',
    });
    // and without one, even its own machine's id
    const bare = t.connect('198.18.0.67');
    bare.ch.send('login', login('m2-0a0b0c0d'));
    await t.settle();
    expect(bare.closed()).not.toBe('');
    expect(t.logs.filter((l) => l.event === 'login-refused').map((l) => l.fields?.reason)).toEqual(['not the credential of machine "m1"', 'no credential']);
    expect(t.dc.online).toBe(1);
    victim.ch.send('report', { seq: 0, report: good('m1-0a0b0c0d', 0) });
    await t.settle();
    expect(victim.closed()).toBe('');
    expect(t.stored.map((r) => r.clientId)).toEqual(['m1-0a0b0c0d']);
  });

  it('refuses a second login without the credential on a connection that logged in with one', async () => {
    const t = setup();
    t.dc.requireCredentials(secret);
    const c = t.connect('198.18.0.9');
    c.ch.send('login', withCredential('m1-0a0b0c0d'));
    c.ch.send('login', login('m3-0a0b0c0d'));
    await t.settle();
    expect(c.closed()).not.toBe('');
    expect(t.dc.stats.refusedLogins).toBe(1);
    expect(t.dc.online).toBe(0);
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

describe("data centre's memory budget (dcBufferBytes)", () => {
  // small limits so that a few connections reach the budget: 64 KiB frames, 128 KiB queues
  const small = resolveParams({ maxFrameBytes: 64 << 10, maxQueuedBytes: 128 << 10, dcBufferBytes: 256 << 10 });

  it('is refused below one connection at both of its own limits, naming them', () => {
    expect(() => resolveParams({ dcBufferBytes: 4 << 20 })).toThrow(/dcBufferBytes \(4194304\) must hold one connection at both of its own limits \(maxQueuedBytes \+ maxFrameBytes = 9437184\)/);
    expect(() => resolveParams({ dcBufferBytes: 0 })).toThrow(/"dcBufferBytes" must be a whole number > 0/);
    expect(resolveParams({ maxQueuedBytes: 2 << 20, dcBufferBytes: 3 << 20 }).dcBufferBytes).toBe(3 << 20);
  });

  it('counts frames partly received, sheds the largest holders once over budget, and keeps serving the rest', async () => {
    const clock = new ManualClock(0);
    const logs: { event: string; fields?: Record<string, unknown> }[] = [];
    const dc = new DataCentre('london', small, clock, { append: async () => {}, storedKeys: () => [] }, (event, fields) => logs.push({ event, fields }));
    const settle = () => new Promise((r) => setTimeout(r, 0));
    /** a raw connection that announces a frame of 60 KiB and sends `bytes` of it */
    const partial = (bytes: number) => {
      const [mine, theirs] = pipePair(1 << 20, '198.18.0.9', 'dc');
      dc.accept(new Channel(theirs, clock, { ...small, name: 'c' }));
      let closed = false;
      mine.onClose(() => (closed = true));
      const head = Buffer.alloc(4);
      head.writeUInt32BE(60 << 10);
      mine.write(Buffer.concat([head, Buffer.alloc(bytes - 4)]));
      return { closed: () => closed };
    };
    const held = [50, 40, 60, 30, 55].map((k) => partial(k << 10));
    await settle();
    // 235 KiB: under the budget, all open
    expect(dc.heldBytes).toBe(235 << 10);
    expect(held.map((h) => h.closed())).toEqual([false, false, false, false, false]);
    // 45 KiB more puts it at 280 KiB: the 60 KiB holder goes, and 220 KiB remain
    const late = partial(45 << 10);
    await settle();
    expect(held.map((h) => h.closed())).toEqual([false, false, true, false, false]);
    expect(late.closed()).toBe(false);
    expect(dc.heldBytes).toBe(220 << 10);
    expect(dc.stats).toMatchObject({ shedConnections: 1, shedBytes: 60 << 10 });
    expect(dc.stats.peakHeldBytes).toBeLessThanOrEqual(small.dcBufferBytes);
    expect(logs.find((l) => l.event === 'connection-shed')?.fields).toMatchObject({ holds: 60 << 10, held: 280 << 10, budget: 256 << 10 });
    // a client that sends whole frames holds nothing and is answered
    const [mine, theirs] = pipePair(1 << 20, '198.18.0.10', 'dc');
    dc.accept(new Channel(theirs, clock, { ...small, name: 'c' }));
    const good = new Channel(mine, clock, { ...small, name: 's' });
    const got: Message[] = [];
    good.onMessage = (m) => got.push(m);
    good.send('login', login('g'));
    good.send('trackerQuery', { qid: 1, track: 1, quality: 'q5' });
    await settle();
    expect(got.map((m) => m.type)).toEqual(['loginOk', 'trackerAnswer']);
    // what a closed connection held is released
    dc.setDown(true);
    expect(dc.heldBytes).toBe(0);
  });

  it("counts a client's unread queue, and sheds it rather than a client that reads", async () => {
    const clock = new ManualClock(0);
    const dc = new DataCentre('london', small, clock, { append: async () => {}, storedKeys: () => [] });
    const settle = () => new Promise((r) => setTimeout(r, 0));
    /** the data centre's end of a client that never reads: the pipe takes one frame, never drains */
    const stalled = (addr: string) => {
      let feed: (b: Buffer) => void = () => {};
      let closed = '';
      const pipe: Pipe = {
        remoteAddress: addr,
        write: () => false,
        onData: (cb) => void (feed = cb),
        onDrain: () => {},
        onClose: (cb) => void (closeCbs = cb),
        close: () => closeCbs('closed'),
      };
      let closeCbs: (r: string) => void = () => {};
      const ch = new Channel(pipe, clock, { ...small, name: 'c' });
      dc.accept(ch);
      const onClosed = ch.onClosed;
      ch.onClosed = (r, c) => {
        closed = r;
        onClosed(r, c);
      };
      return { send: (m: Message) => feed(encode(m)), ch, closed: () => closed };
    };
    const slow = [stalled('198.18.0.1'), stalled('198.18.0.2')];
    for (const [i, s] of slow.entries()) {
      s.send({ type: 'login', body: login(`slow${i}`) });
      s.send({ type: 'dataRequest', body: { rid: 1, track: 5, quality: 'q9', offset: 0, length: (120 - 10 * i) << 10 } });
    }
    // all but the first frame of each answer waits in the queue
    expect(dc.heldBytes).toBe(slow[0]!.ch.queuedBytes + slow[1]!.ch.queuedBytes);
    expect(dc.heldBytes).toBeGreaterThan(190 << 10);
    expect(slow.map((s) => s.closed())).toEqual(['', '']);
    // a client that reads asks for less than they hold: its answer passes through its queue (its
    // pipe reports itself full after every frame) and puts the total over, so the slow reader
    // that holds the most is shed
    const [mine, theirs] = pipePair(1, '198.18.0.3', 'dc');
    dc.accept(new Channel(theirs, clock, { ...small, name: 'c' }));
    const reader = new Channel(mine, clock, { ...small, name: 's' });
    let bytes = 0;
    reader.onMessage = (m) => void (m.type === 'data' && (bytes += m.payload?.length ?? 0));
    reader.send('login', login('reader'));
    reader.send('dataRequest', { rid: 1, track: 5, quality: 'q9', offset: 0, length: 80 << 10 });
    await settle();
    expect(slow[0]!.closed()).toMatch(/^shed: held \d+ bytes, the most of any connection, while the data centre held \d+, over its budget of 262144/);
    expect(slow[1]!.closed()).toBe('');
    expect(bytes).toBe(80 << 10);
    expect(dc.stats.peakHeldBytes).toBeLessThanOrEqual(small.dcBufferBytes);
    expect(dc.heldBytes).toBe(slow[1]!.ch.queuedBytes);
  });
});
