// Each policy on its own, on known inputs; the registry's names and errors.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { newStats } from './neighbours.ts';
import { describeProtocol, ProtocolSpecError, REGISTRY, resolveProtocol } from './policies.ts';

const require = createRequire(import.meta.url);
const { peerChoice, pruning, tracker, discovery } = REGISTRY;
const seq = (...xs: number[]) => {
  let i = 0;
  return () => xs[i++ % xs.length];
};

describe('peer choice', () => {
  const options = [
    { id: 'fast-busy', inFlight: 3, bytesPerMs: 100, rttMs: 80 },
    { id: 'slow-idle', inFlight: 0, bytesPerMs: 10, rttMs: 5 },
    { id: 'mid', inFlight: 1, bytesPerMs: 60, rttMs: null },
  ];
  it('edt: the lowest expected download time, counting queued requests', () => {
    // (3+1)*16k/100 = 655, (0+1)*16k/10 = 1638, (1+1)*16k/60 = 546
    expect(peerChoice.edt.pick(options, 16_384, Math.random)).toBe('mid');
    expect(peerChoice.edt.pick([], 16_384, Math.random)).toBeNull();
  });
  it('random: uniform over the options by the given generator', () => {
    expect(peerChoice.random.pick(options, 16_384, () => 0)).toBe('fast-busy');
    expect(peerChoice.random.pick(options, 16_384, () => 0.99)).toBe('mid');
  });
  it('lowest-rtt: the nearest peer, unmeasured ones last', () => {
    expect(peerChoice['lowest-rtt'].pick(options, 16_384, Math.random)).toBe('slow-idle');
    expect(peerChoice['lowest-rtt'].pick([options[2]], 16_384, Math.random)).toBe('mid');
  });
});

describe('pruning', () => {
  const now = 60 * 60_000;
  const ns = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, stats: newStats(), since: i * 1000 }));
  ns[0].stats.sent.add(now - 1000, 5000); // a uploads: useful to the overlay
  ns[2].stats.received.add(now - 1000, 9000); // c served us
  it('paper: the neighbours with no points in any criterion go first', () => {
    expect(pruning.paper.victims(ns, now, 2, Math.random).sort()).toEqual(['b', 'd']);
  });
  it('oldest: the earliest connections go first', () => {
    expect(pruning.oldest.victims(ns, now, 1, Math.random)).toEqual(['a', 'b', 'c']);
  });
  it('random: as many as needed, by the generator, never the same twice', () => {
    const v = pruning.random.victims(ns, now, 2, seq(0.1, 0.7, 0.3));
    expect(v).toHaveLength(2);
    expect(new Set(v).size).toBe(2);
    expect(pruning.random.victims(ns, now, 4, Math.random)).toEqual([]);
  });
});

describe('tracker', () => {
  it('recent: keeps the 20 most recent announcers, answers a random 10 of those online', () => {
    let list: string[] = [];
    for (let i = 0; i < 25; i++) list = tracker.recent.keep(list, `p${i}`, 20);
    expect(list).toHaveLength(20);
    expect(list[0]).toBe('p24');
    expect(list).not.toContain('p4');
    list = tracker.recent.keep(list, 'p10', 20);
    expect(list[0]).toBe('p10');
    expect(list.filter((p) => p === 'p10')).toHaveLength(1);
    expect(tracker.recent.answer([...list], 10, Math.random)).toHaveLength(10);
  });
  it('random-online: keeps every announcer', () => {
    let list: string[] = [];
    for (let i = 0; i < 25; i++) list = tracker['random-online'].keep(list, `p${i}`, 20);
    expect(list).toHaveLength(25);
  });
});

describe('a protocol variant', () => {
  it('defaults to the paper: EDT, six criteria, 20/10 tracker, tracker and overlay, everything on', () => {
    const p = describeProtocol(resolveProtocol());
    expect(p.policies).toEqual({ peerChoice: 'edt', pruning: 'paper', tracker: 'recent', discovery: 'tracker+overlay' });
    expect(Object.values(p.features).every(Boolean)).toBe(true);
    expect(p.params.searchDepth).toBe(2);
    expect(discovery['tracker+overlay']).toMatchObject({ tracker: true, overlay: true });
  });
  it('refuses unknown names and lists the valid ones', () => {
    expect(() => resolveProtocol({ policies: { peerChoice: 'fastest' } })).toThrow(/unknown peerChoice policy "fastest"; valid: edt, random, lowest-rtt/);
    expect(() => resolveProtocol({ features: { nat: false } as never })).toThrow(/unknown feature "nat"; valid: upnp, reversal/);
    expect(() => resolveProtocol({ features: { upnp: 'no' as never } })).toThrow(/must be true or false/);
    expect(() => resolveProtocol({ params: { softLimt: 3 } })).toThrow(ProtocolSpecError);
    // names inherited from Object.prototype are not policies
    expect(() => resolveProtocol({ policies: { pruning: 'constructor' } })).toThrow(/valid: paper, random, oldest/);
  });
  it('the experiment schema offers exactly the registered names', () => {
    const schema = require('../../experiments/experiment.schema.json') as {
      definitions: { protocol: { properties: { policies: { properties: Record<string, { enum: string[] }> }; features: { properties: Record<string, unknown> } } } };
    };
    const pol = schema.definitions.protocol.properties.policies.properties;
    for (const [kind, reg] of Object.entries(REGISTRY)) expect(pol[kind].enum).toEqual(Object.keys(reg));
    expect(Object.keys(schema.definitions.protocol.properties.features.properties)).toEqual(Object.keys(resolveProtocol().features));
  });
});
