import { Resolver } from 'node:dns/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { pickSrv } from '../adapters/locate.ts';
import { type DnsConfig, dcsFor, PAPER_RULES } from './rules.ts';
import { startDns } from './server.ts';

const cfg = (loopbackCountry: string): DnsConfig => ({
  domain: 'spotify.test',
  dcs: { stockholm: { address: '198.18.200.2', port: 4070 }, london: { address: '198.18.201.2', port: 4070 } },
  countries: [
    { cidr: '198.18.0.0/20', country: 'SE' },
    { cidr: '127.0.0.0/8', country: loopbackCountry },
  ],
  rules: PAPER_RULES,
});

let close: (() => void) | null = null;
afterEach(() => {
  close?.();
  close = null;
});

async function ask(country: string) {
  const srv = await startDns(cfg(country), '127.0.0.1', 0, () => {});
  close = srv.close;
  const r = new Resolver();
  r.setServers([`127.0.0.1:${srv.port}`]);
  return r;
}

describe('dns resolver', () => {
  it('sends Swedes to Stockholm, the British to London and Norwegians to either, with A records', async () => {
    let r = await ask('SE');
    expect((await r.resolveSrv('_spotify-client._tcp.spotify.test')).map((x) => x.name)).toEqual(['stockholm.dc.spotify.test']);
    expect(await r.resolve4('stockholm.dc.spotify.test')).toEqual(['198.18.200.2']);
    close!();
    close = null;
    r = await ask('GB');
    expect((await r.resolveSrv('_spotify-client._tcp.spotify.test')).map((x) => x.name)).toEqual(['london.dc.spotify.test']);
    close!();
    close = null;
    r = await ask('NO');
    const recs = await r.resolveSrv('_spotify-client._tcp.spotify.test');
    expect(recs.map((x) => x.name).sort()).toEqual(['london.dc.spotify.test', 'stockholm.dc.spotify.test']);
    expect(recs[0].weight).toBe(recs[1].weight);
    // RFC 2782 choice by weight: over many picks both sites come up about equally
    let i = 0;
    const seq = () => ((i = (i * 7919 + 13) % 1000), i / 1000);
    const picks = Array.from({ length: 1000 }, () => pickSrv(recs, seq).name);
    const sto = picks.filter((n) => n.startsWith('stockholm')).length;
    expect(sto).toBeGreaterThan(400);
    expect(sto).toBeLessThan(600);
    await expect(r.resolve4('www.example.test')).rejects.toThrow(/ENOTFOUND/);
  });

  it('maps addresses to countries by range', () => {
    const c = cfg('FR');
    expect(dcsFor(c, '198.18.3.4')).toEqual(['stockholm']);
    expect(dcsFor(c, '198.19.0.1')).toEqual(['london']);
  });
});
