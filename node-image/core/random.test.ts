import { describe, expect, it } from 'vitest';
import { pickSrv } from '../adapters/locate.ts';
import { dcSeed, dnsRandom, hashName, peerSeed, pickWeighted, seededRandom } from './random.ts';

describe('seeded randomness shared by the runtimes', () => {
  it('gives a peer the same streams wherever it runs, and different peers different ones', () => {
    const a = seededRandom(peerSeed(7, 'no-001'));
    const b = seededRandom(peerSeed(7, 'no-001'));
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    expect(seededRandom(peerSeed(7, 'no-002'))()).not.toBe(seededRandom(peerSeed(7, 'no-001'))());
    // the DNS stream is not the peer's own: draws made for other reasons do not shift its picks
    expect(dnsRandom(peerSeed(7, 'no-001'))()).not.toBe(seededRandom(peerSeed(7, 'no-001'))());
    expect(peerSeed(7, 'x')).toBe((7 ^ hashName('x')) >>> 0);
    expect(dcSeed(7, 0)).not.toBe(dcSeed(7, 1));
  });

  it('picks among equally weighted targets by name, whatever order the answer lists them in', () => {
    const t = (name: string, weight = 50) => ({ name, weight });
    for (const r of [0, 0.2, 0.49, 0.5, 0.8, 0.999]) {
      const want = r < 0.5 ? 'london' : 'stockholm';
      expect(pickWeighted([t('stockholm'), t('london')], r).name).toBe(want);
      expect(pickWeighted([t('london'), t('stockholm')], r).name).toBe(want);
      // weights of 1 (the simulation) pick as weights of 50 (the containers' DNS answer)
      expect(pickWeighted([t('stockholm', 1), t('london', 1)], r).name).toBe(want);
    }
    expect(pickWeighted([t('a', 1), t('b', 3)], 0.3).name).toBe('b');
    expect(pickWeighted([t('a', 0), t('b', 0)], 0.7).name).toBe('b');
  });

  it("a container's SRV pick is the simulation's pick for the same draw", () => {
    const srv = (name: string) => ({ name, port: 4070, priority: 10, weight: 50 });
    const sim = [
      { name: 'stockholm', weight: 1 },
      { name: 'london', weight: 1 },
    ];
    const d1 = dnsRandom(peerSeed(2011, 'no-003'));
    const d2 = dnsRandom(peerSeed(2011, 'no-003'));
    for (let i = 0; i < 20; i++) expect(pickSrv([srv('stockholm'), srv('london')], d1).name).toBe(pickWeighted(sim, d2()).name);
  });
});
