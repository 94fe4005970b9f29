// Where each simulated peer sits: its own address, the address the world sees it from, what it
// advertises to other peers and the UPnP answer its client gets. The Docker runtime makes these
// with real routers (iptables NAT, miniupnpd); here each home's router is a public address on the
// simulated network that forwards what UPnP mapped and, where the category says so, hands out a
// wrong external address (mismatch) or sits behind another NAT (private).
import type { UpnpOutcome } from '../../../node-image/core/reports.ts';
import { fakeExternal, homeSubnet, intToIp, ipToInt, outerSubnet } from '../../plan/addresses.ts';
import type { PeerPlacement } from '../../plan/plan.ts';
import { PEER_PORT } from '../../plan/plan.ts';
import type { SimNetwork } from './network.ts';

const publicAddress = (i: number) => intToIp(ipToInt('198.18.0.0') + 2 + i);

export interface PeerAddressing {
  /** the peer's own address (a home subnet's behind a router; public without one) */
  local: string;
  /** the address others see its connections come from */
  seen: string;
  /** what its hellos and tracker announcements give as its address */
  advertise: { host: string; port: number };
  upnp: UpnpOutcome;
  /** the router's port that UPnP mapped to it, if any: the network forwards it to the peer */
  mapping: { address: string; port: number } | null;
}

/** The homes of one run: public addresses handed out in placement order, one router per home. */
export class Homes {
  private nextPublic = 0;
  private mismatch = 0;
  private outer = 0;
  private readonly routers = new Map<number, { public: string; wan: string; mapped: number }>();

  constructor(
    private readonly net: SimNetwork,
    /** the protocol variant lets clients use UPnP */
    private readonly upnpOn: boolean,
  ) {}

  /** the peer's addressing; a home's first peer brings its router onto the network */
  place(p: PeerPlacement): PeerAddressing {
    const noGateway: UpnpOutcome = { ok: false, error: 'no UPnP gateway answered' };
    if (p.category === 'noNat') {
      const local = publicAddress(this.nextPublic++);
      return { local, seen: local, advertise: { host: local, port: PEER_PORT }, upnp: noGateway, mapping: null };
    }
    let r = this.routers.get(p.home);
    if (!r) {
      const pub = publicAddress(this.nextPublic++);
      // the address a UPnP answer gives: right, another public one, or a private one (double NAT)
      const wan = p.category === 'mismatch' ? fakeExternal(this.mismatch++) : p.category === 'private' ? outerSubnet(this.outer++).host(1) : pub;
      r = { public: pub, wan, mapped: 0 };
      this.routers.set(p.home, r);
      this.net.router(pub);
    }
    const local = homeSubnet(p.home).host(1 + r.mapped);
    let out: PeerAddressing;
    if (p.category === 'noUpnp' || !this.upnpOn) {
      const upnp: UpnpOutcome = this.upnpOn ? noGateway : { ok: false, error: 'upnp off in this protocol variant' };
      out = { local, seen: r.public, advertise: { host: local, port: PEER_PORT }, upnp, mapping: null };
    } else {
      const port = 4000 + r.mapped;
      out = {
        local,
        seen: r.public,
        advertise: { host: r.wan, port },
        upnp: { ok: true, protocol: 'upnp', externalAddress: r.wan, externalPort: port, internalPort: PEER_PORT },
        mapping: { address: r.public, port },
      };
    }
    r.mapped++;
    return out;
  }
}
