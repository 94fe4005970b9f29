// The router's UPnP IGD and NAT-PMP service on the wire: SSDP on UDP 1900 (multicast
// 239.255.255.250 joined on the LAN address), HTTP for the descriptions and SOAP control, and
// NAT-PMP on UDP 5351. Mappings it grants become real forwards through the Firewall adapter.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Firewall } from './firewall.ts';
import { handleSoap, parseSoap, rootDescription, SEARCH_TARGETS, serviceDescription } from './igd.ts';
import { type Mapping, MappingError, MappingTable } from './mappings.ts';
import { errorResponse, externalAddressResponse, mappingResponse, parseNatPmp, RESULT } from './natpmp.ts';

export interface RouterOptions {
  name: string;
  lanAddress: string;
  /** the address answered as external (the WAN address, or a wrong one in mismatch mode) */
  externalAddress: string;
  httpPort: number;
  ssdpPort: number;
  natpmpPort: number;
  leaseMaxSec: number;
  firewall: Firewall;
  log: (event: string, fields?: Record<string, unknown>) => void;
  /** join the SSDP multicast group (off for tests on loopback) */
  multicast: boolean;
}

export interface RunningRouter {
  httpPort: number;
  ssdpPort: number;
  natpmpPort: number;
  table: MappingTable;
  close(): Promise<void>;
}

export async function startRouterService(o: RouterOptions): Promise<RunningRouter> {
  const uuid = randomUUID();
  const table = new MappingTable(o.leaseMaxSec);
  const startedAt = Date.now();
  // forwards are applied in order, one at a time, so add/remove of the same port never race
  let chain: Promise<void> = Promise.resolve();
  const apply = (added?: Mapping, removed: Mapping[] = []) => {
    chain = chain
      .then(async () => {
        for (const m of removed) await o.firewall.remove(m);
        if (added) await o.firewall.add(added);
      })
      .catch((err: Error) => o.log('firewall-error', { error: err.message }));
    return chain;
  };
  const expiry = setInterval(() => void apply(undefined, table.expire(Date.now())), 1000);
  expiry.unref();

  const server = http.createServer((req, res) => {
    const requester = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'text/xml; charset="utf-8"', 'Content-Length': Buffer.byteLength(body), Server: 'Linux UPnP/1.1 tb-igd/1.0' });
      res.end(body);
    };
    if (req.method === 'GET') {
      const docs: Record<string, () => string> = {
        '/rootDesc.xml': () => rootDescription(uuid, o.name),
        '/IPConn.xml': () => serviceDescription('IPConn'),
        '/CmnIfCfg.xml': () => serviceDescription('CmnIfCfg'),
        '/L3F.xml': () => serviceDescription('L3F'),
      };
      const doc = docs[(req.url ?? '').split('?')[0]];
      return doc ? send(200, doc()) : send(404, '<error>not found</error>');
    }
    if (req.method !== 'POST') return send(405, '<error>method not allowed</error>');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 64 * 1024) req.destroy();
    });
    req.on('end', async () => {
      const call = parseSoap(body, req.headers.soapaction as string | undefined);
      if (!call) return send(500, '<error>not a SOAP request</error>');
      const r = handleSoap(call, { table, externalAddress: o.externalAddress, now: Date.now(), requester, startedAt });
      o.log('soap', {
        action: call.action,
        from: requester,
        status: r.status,
        ...(r.added ? { mapped: `${r.added.proto} ${r.added.externalPort} -> ${r.added.internalClient}:${r.added.internalPort}` } : {}),
      });
      if (r.added || r.removed?.length) await apply(r.added, r.removed);
      send(r.status, r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(o.httpPort, o.lanAddress, resolve));
  const httpPort = (server.address() as AddressInfo).port;
  const location = `http://${o.lanAddress}:${httpPort}/rootDesc.xml`;

  const ssdp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  ssdp.on('message', (msg, rinfo) => {
    const text = msg.toString();
    if (!text.startsWith('M-SEARCH')) return;
    const st = /^ST:\s*(.+?)\s*$/im.exec(text)?.[1] ?? '';
    if (!SEARCH_TARGETS.includes(st)) return;
    const answers = st === 'ssdp:all' ? SEARCH_TARGETS.filter((t) => t !== 'ssdp:all') : [st];
    for (const target of answers) {
      const reply = [
        'HTTP/1.1 200 OK',
        'CACHE-CONTROL: max-age=120',
        `ST: ${target}`,
        `USN: uuid:${uuid}::${target}`,
        'EXT:',
        'SERVER: Linux UPnP/1.1 tb-igd/1.0',
        `LOCATION: ${location}`,
        '',
        '',
      ].join('\r\n');
      ssdp.send(reply, rinfo.port, rinfo.address);
    }
  });
  await new Promise<void>((resolve) => ssdp.bind(o.ssdpPort, o.multicast ? undefined : o.lanAddress, resolve));
  if (o.multicast) ssdp.addMembership('239.255.255.250', o.lanAddress);

  const pmp = dgram.createSocket('udp4');
  pmp.on('message', async (msg, rinfo) => {
    const epoch = Math.floor((Date.now() - startedAt) / 1000);
    const req = parseNatPmp(msg);
    const reply = (b: Buffer) => pmp.send(b, rinfo.port, rinfo.address);
    if ('error' in req) return reply(errorResponse(req.op, req.error, epoch));
    if (req.op === 0) return reply(externalAddressResponse(RESULT.success, epoch, o.externalAddress));
    const proto = req.op === 1 ? 'UDP' : 'TCP';
    try {
      if (req.lifetime === 0) {
        const gone = table.list(Date.now()).filter((m) => m.internalClient === rinfo.address && m.internalPort === req.internalPort && m.proto === proto);
        for (const m of gone) table.remove(m.externalPort, m.proto, Date.now());
        await apply(undefined, gone);
        return reply(mappingResponse(req.op, RESULT.success, epoch, req.internalPort, 0, 0));
      }
      const { mapping, replaced } = table.add(
        { externalPort: req.externalPort, proto, internalClient: rinfo.address, internalPort: req.internalPort, description: 'NAT-PMP', via: 'natpmp', leaseSec: req.lifetime },
        Date.now(),
        true,
      );
      await apply(mapping, replaced ? [replaced] : []);
      o.log('natpmp', { from: rinfo.address, mapped: `${proto} ${mapping.externalPort} -> ${rinfo.address}:${req.internalPort}` });
      reply(mappingResponse(req.op, RESULT.success, epoch, req.internalPort, mapping.externalPort, Math.round((mapping.expires - Date.now()) / 1000)));
    } catch (err) {
      reply(mappingResponse(req.op, err instanceof MappingError ? RESULT.outOfResources : RESULT.networkFailure, epoch, req.internalPort, 0, 0));
    }
  });
  await new Promise<void>((resolve) => pmp.bind(o.natpmpPort, o.lanAddress, resolve));

  return {
    httpPort,
    ssdpPort: (ssdp.address() as AddressInfo).port,
    natpmpPort: (pmp.address() as AddressInfo).port,
    table,
    async close() {
      clearInterval(expiry);
      await apply(undefined, table.list(Date.now()));
      await new Promise((r) => server.close(r));
      server.closeAllConnections();
      ssdp.close();
      pmp.close();
    },
  };
}
