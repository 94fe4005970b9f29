// The router's UPnP IGD and NAT-PMP service on loopback, driven by two clients the project did
// not write: Debian's `upnpc` (miniupnpc) and the npm library the peers use.
import { pmpNat, upnpNat } from '@achingbrain/nat-port-mapper';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingFirewall } from './firewall.ts';
import { type RunningRouter, startRouterService } from './service.ts';

let svc: RunningRouter | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

async function start(externalAddress: string, natpmpPort = 0) {
  const fw = new RecordingFirewall();
  svc = await startRouterService({
    name: 'test-router',
    lanAddress: '127.0.0.1',
    externalAddress,
    httpPort: 0,
    ssdpPort: 0,
    natpmpPort,
    leaseMaxSec: 3600,
    firewall: fw,
    log: () => {},
    multicast: false,
  });
  return { fw, url: `http://127.0.0.1:${svc.httpPort}/rootDesc.xml` };
}

describe('router UPnP IGD', () => {
  it('answers upnpc: status, external address, add, list, delete', async () => {
    const { fw, url } = await start('198.18.0.7');
    const s = await execa('upnpc', ['-u', url, '-s']);
    expect(s.stdout).toMatch(/ExternalIPAddress = 198\.18\.0\.7/);
    const add = await execa('upnpc', ['-u', url, '-a', '127.0.0.1', '4100', '4100', 'TCP']);
    expect(add.stdout).toMatch(/external 198\.18\.0\.7:4100 TCP is redirected to internal 127\.0\.0\.1:4100/);
    expect(fw.calls).toMatchObject([{ op: 'add', m: { externalPort: 4100, proto: 'TCP', internalClient: '127.0.0.1', internalPort: 4100 } }]);
    const list = await execa('upnpc', ['-u', url, '-l']);
    expect(list.stdout).toMatch(/TCP\s+4100->127\.0\.0\.1:4100/);
    // another client's port: a conflict is refused (as a real IGD would)
    svc!.table.add({ externalPort: 4200, proto: 'TCP', internalClient: '10.9.9.9', internalPort: 4200, description: '', via: 'upnp', leaseSec: 60 }, Date.now(), false);
    const clash = await execa('upnpc', ['-u', url, '-a', '127.0.0.1', '4200', '4200', 'TCP'], { reject: false });
    expect(clash.stdout + clash.stderr).toMatch(/718|Conflict/);
    await execa('upnpc', ['-u', url, '-d', '4100', 'TCP']);
    expect(fw.calls.at(-1)).toMatchObject({ op: 'remove', m: { externalPort: 4100 } });
    expect(svc!.table.get(4100, 'TCP', Date.now())).toBeUndefined();
  });

  it('maps for @achingbrain/nat-port-mapper and answers the configured (mismatching) external address', async () => {
    const { fw, url } = await start('198.18.99.99');
    const gw = await upnpNat({ autoRefresh: false }).getGateway(new URL(url));
    const m = await gw.map(4300, '127.0.0.1', { protocol: 'tcp', externalPort: 4300 });
    expect(m).toMatchObject({ externalHost: '198.18.99.99', externalPort: 4300, internalPort: 4300 });
    expect(fw.calls[0]).toMatchObject({ op: 'add', m: { externalPort: 4300, internalClient: '127.0.0.1' } });
    await gw.stop();
  });

  it('refuses to map to another host than the requester', async () => {
    const { url } = await start('198.18.0.7');
    const r = await execa('upnpc', ['-u', url, '-a', '10.1.2.3', '4100', '4100', 'TCP'], { reject: false });
    expect(r.stdout + r.stderr).toMatch(/606|not authorized/i);
    expect(svc!.table.list(Date.now())).toHaveLength(0);
  });
});

describe('router NAT-PMP', () => {
  it('gives the external address and a TCP mapping to the npm client', async () => {
    const { fw } = await start('198.18.0.8', 5351);
    const gw = pmpNat('127.0.0.1', { autoRefresh: false });
    expect(await gw.externalIp()).toBe('198.18.0.8');
    const m = await gw.map(4400, '127.0.0.1', { protocol: 'tcp', externalPort: 4400 });
    expect(m.externalPort).toBe(4400);
    expect(fw.calls[0]).toMatchObject({ op: 'add', m: { externalPort: 4400, via: 'natpmp' } });
    await gw.stop();
  });
});
