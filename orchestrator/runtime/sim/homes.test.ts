import { describe, expect, it } from 'vitest';
import { PEER_PORT, type PeerPlacement } from '../../plan/plan.ts';
import { Homes } from './homes.ts';
import type { SimNetwork } from './network.ts';

const peer = (name: string, home: number, category: PeerPlacement['category']): PeerPlacement => ({
  name,
  country: 'SE',
  access: 'fibre' as PeerPlacement['access'],
  category,
  expectedDc: 'stockholm',
  home,
});

describe('Homes', () => {
  it('puts a home behind one router: one public address seen, a UPnP port per peer, the router on the network once', () => {
    const routers: string[] = [];
    const homes = new Homes({ router: (a: string) => routers.push(a) } as unknown as SimNetwork, true);
    const open = homes.place(peer('a', -1, 'noNat'));
    const x = homes.place(peer('x', 7, 'upnp'));
    const y = homes.place(peer('y', 7, 'upnp'));
    expect(open).toMatchObject({ local: open.seen, advertise: { host: open.local, port: PEER_PORT }, mapping: null, upnp: { ok: false } });
    expect(routers).toEqual([x.seen]);
    expect(y.seen).toBe(x.seen);
    expect(x.local).not.toBe(y.local);
    expect([x.advertise, y.advertise]).toEqual([
      { host: x.seen, port: 4000 },
      { host: x.seen, port: 4001 },
    ]);
    expect(y.mapping).toEqual({ address: x.seen, port: 4001 });
    expect(x.upnp).toMatchObject({ ok: true, externalAddress: x.seen, externalPort: 4000, internalPort: PEER_PORT });
  });

  it('gives the wrong external address where the category says so, and none without UPnP', () => {
    const homes = new Homes({ router: () => {} } as unknown as SimNetwork, true);
    const m = homes.place(peer('m', 1, 'mismatch'));
    const p = homes.place(peer('p', 2, 'private'));
    const n = homes.place(peer('n', 3, 'noUpnp'));
    // the answer names an address that is not the router's: what the peer advertises does not reach it
    expect(m.advertise.host).not.toBe(m.seen);
    expect(m.mapping?.address).toBe(m.seen);
    expect(p.advertise.host).not.toBe(p.seen);
    expect(n).toMatchObject({ advertise: { host: n.local, port: PEER_PORT }, mapping: null, upnp: { ok: false, error: 'no UPnP gateway answered' } });
    const off = new Homes({ router: () => {} } as unknown as SimNetwork, false).place(peer('u', 1, 'upnp'));
    expect(off).toMatchObject({ mapping: null, upnp: { ok: false, error: 'upnp off in this protocol variant' } });
  });
});
