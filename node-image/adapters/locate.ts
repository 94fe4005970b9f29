// Finding the data centre as the paper's clients do: a DNS SRV query for _spotify-client._tcp,
// whose answer depends on the country of the asking address, then a choice by RFC 2782 weight
// (so a 50/50 answer picks either site at random). With --server the address is fixed instead.
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { pickWeighted } from '../core/random.ts';

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** RFC 2782 selection: lowest priority, then a weighted random pick among those (in name order: core/random.ts). */
export function pickSrv(records: SrvRecord[], random: () => number): SrvRecord {
  if (records.length === 0) throw new Error('empty SRV answer');
  const best = Math.min(...records.map((r) => r.priority));
  return pickWeighted(
    records.filter((r) => r.priority === best),
    random(),
  );
}

export function srvLocator(dnsServer: string, domain: string, random: () => number) {
  const resolver = new Resolver({ timeout: 2000, tries: 3 });
  resolver.setServers([dnsServer]);
  return async (): Promise<{ host: string; port: number }> => {
    const recs = await resolver.resolveSrv(`_spotify-client._tcp.${domain}`);
    const pick = pickSrv(recs, random);
    const [addr] = await resolver.resolve4(pick.name);
    return { host: addr, port: pick.port };
  };
}

/** The local interface address used to reach `host` (a connected UDP socket sends nothing). */
export function localAddressTowards(host: string): Promise<string> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('error', () => {
      s.close();
      resolve('0.0.0.0');
    });
    s.connect(9, host, () => {
      const a = s.address().address;
      s.close();
      resolve(a);
    });
  });
}
