// The testbed's resolver: SRV _spotify-client._tcp.<domain> answered by the asker's country,
// A records for the data-centre targets, NXDOMAIN for everything else. UDP only: answers are small.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { type DnsConfig, dcsFor } from './rules.ts';

function answer(cfg: DnsConfig, query: dnsPacket.Packet, from: string): dnsPacket.Packet {
  const q = query.questions?.[0];
  const base = { id: query.id, type: 'response' as const, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: query.questions ?? [] };
  if (!q) return { ...base, flags: base.flags | 1 /* FORMERR */, answers: [] };
  const name = q.name.toLowerCase().replace(/\.$/, '');
  if (q.type === 'SRV' && name === `_spotify-client._tcp.${cfg.domain}`) {
    const answers = dcsFor(cfg, from).map((dc) => ({
      type: 'SRV' as const,
      name: q.name,
      ttl: 60,
      class: 'IN' as const,
      data: { priority: 10, weight: 50, port: cfg.dcs[dc].port, target: `${dc}.dc.${cfg.domain}` },
    }));
    return { ...base, answers };
  }
  const dc = Object.keys(cfg.dcs).find((d) => name === `${d}.dc.${cfg.domain}`);
  if (dc && q.type === 'A') {
    return { ...base, answers: [{ type: 'A', name: q.name, ttl: 60, class: 'IN', data: cfg.dcs[dc].address }] };
  }
  if (dc) return { ...base, answers: [] };
  return { ...base, flags: base.flags | 3 /* NXDOMAIN */, answers: [] };
}

export async function startDns(cfg: DnsConfig, host: string, port: number, log: (e: string, f?: Record<string, unknown>) => void) {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      log('malformed-query', { from: rinfo.address, bytes: msg.length });
      return;
    }
    const reply = answer(cfg, query, rinfo.address);
    log('query', { from: rinfo.address, name: query.questions?.[0]?.name, type: query.questions?.[0]?.type, answers: reply.answers?.length ?? 0 });
    sock.send(dnsPacket.encode(reply), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(port, host, resolve));
  return { port: (sock.address() as AddressInfo).port, close: () => sock.close() };
}
