// Asking the home router for a port mapping at start-up, as the paper's clients do: UPnP IGD
// first (SSDP discovery, then SOAP), NAT-PMP towards the default gateway second, both through a
// maintained client library and both bounded in time. The outcome is reported as it is, including
// a wrong or private external address: classifying it is the analysis' job, not the client's.
import fs from 'node:fs';
import { type Gateway, pmpNat, upnpNat } from '@achingbrain/nat-port-mapper';
import type { UpnpOutcome } from '../core/reports.ts';

/** The IPv4 default gateway from /proc/net/route, or null. */
function defaultGateway(): string | null {
  try {
    for (const line of fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1] === '00000000' && f[2]) {
        const n = parseInt(f[2], 16);
        return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join('.');
      }
    }
  } catch {
    /* not Linux */
  }
  return null;
}

async function tryGateway(gw: Gateway, protocol: 'upnp' | 'natpmp', port: number, localAddress: string, signal: AbortSignal): Promise<UpnpOutcome> {
  const m = await gw.map(port, localAddress, { protocol: 'tcp', externalPort: port, signal, autoRefresh: true, description: 'p2p-music-testbed' });
  return { ok: true, protocol, externalAddress: m.externalHost, externalPort: m.externalPort, internalPort: port };
}

export interface PortMapper {
  outcome: UpnpOutcome;
  stop(): Promise<void>;
}

export async function mapPort(port: number, localAddress: string, timeoutMs: number, log: (e: string, f?: Record<string, unknown>) => void): Promise<PortMapper> {
  const errors: string[] = [];
  const gateways: Gateway[] = [];
  const stop = async () => {
    await Promise.allSettled(gateways.map((g) => g.stop({ signal: AbortSignal.timeout(2000) })));
  };
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    for await (const gw of upnpNat({ autoRefresh: true }).findGateways({ signal })) {
      gateways.push(gw);
      try {
        const outcome = await tryGateway(gw, 'upnp', port, localAddress, AbortSignal.timeout(timeoutMs));
        log('portmap', { ...outcome, gateway: gw.host });
        return { outcome, stop };
      } catch (err) {
        errors.push(`upnp ${gw.host}: ${(err as Error).message}`);
      }
      break;
    }
    if (gateways.length === 0) errors.push('upnp: no gateway answered SSDP');
  } catch (err) {
    errors.push(`upnp: ${(err as Error).message}`);
  }
  const gwAddr = defaultGateway();
  if (gwAddr) {
    try {
      const gw = pmpNat(gwAddr, { autoRefresh: true });
      gateways.push(gw);
      const outcome = await tryGateway(gw, 'natpmp', port, localAddress, AbortSignal.timeout(timeoutMs));
      log('portmap', { ...outcome, gateway: gwAddr });
      return { outcome, stop };
    } catch (err) {
      errors.push(`natpmp ${gwAddr}: ${(err as Error).message}`);
    }
  } else errors.push('natpmp: no default gateway');
  const outcome: UpnpOutcome = { ok: false, error: errors.join('; ') };
  log('portmap', outcome);
  return { outcome, stop };
}
