// The home router's UPnP/NAT-PMP program. The container entrypoint (netsetup) has already set up
// masquerading and the forwarding firewall; this program only grants port forwards.
//   --mode upnp      answers its true WAN address (a double-NAT inner router does so too, and its
//                    WAN address is private: that is the paper's "UPnP returned a private IP")
//   --mode mismatch  answers --fake-external instead, while forwards still apply on the real WAN
//   --mode no-upnp   serves nothing
import os from 'node:os';
import { logger, numberOption, parseOptions, requireOption } from '../adapters/args.ts';
import { iptablesFirewall } from './firewall.ts';
import { startRouterService } from './service.ts';

const P = 'router';
const opts = parseOptions(P, {
  name: { help: 'router name (logs, UPnP friendly name)' },
  mode: { default: 'upnp', help: 'upnp | mismatch | no-upnp' },
  'lan-address': { help: 'the router address on the home network (where UPnP and NAT-PMP listen)' },
  'wan-if': { help: 'WAN interface (port forwards apply on it); default: the one holding --wan-address' },
  'wan-address': { help: 'the router address on its WAN side' },
  'fake-external': { help: 'mismatch mode: the wrong external address to answer' },
  'http-port': { default: '5000', help: 'UPnP description and control port' },
  'ssdp-port': { default: '1900', help: 'SSDP port' },
  'natpmp-port': { default: '5351', help: 'NAT-PMP port' },
  'lease-max': { default: '86400', help: 'longest lease granted, seconds' },
});
const name = requireOption(P, opts, 'name');
const log = logger(P, name);
const mode = opts.mode!;
if (!['upnp', 'mismatch', 'no-upnp'].includes(mode)) throw new Error(`${P}: --mode must be upnp, mismatch or no-upnp, got "${mode}"`);
if (mode === 'no-upnp') {
  process.stdout.write(`READY router ${name}\n`);
  log('upnp-disabled');
  // stay up (the container's main process) and leave on SIGTERM
  setInterval(() => {}, 1 << 30);
  process.on('SIGTERM', () => process.exit(0));
} else {
  const wanAddress = requireOption(P, opts, 'wan-address');
  // Docker names interfaces in its own order: find the WAN one by its address
  const wanIf = opts['wan-if'] ?? Object.entries(os.networkInterfaces()).find(([, as]) => as?.some((a) => a.address === wanAddress))?.[0];
  if (!wanIf) throw new Error(`${P}: no interface holds --wan-address ${wanAddress}`);
  const externalAddress = mode === 'mismatch' ? requireOption(P, opts, 'fake-external') : wanAddress;
  const svc = await startRouterService({
    name,
    lanAddress: requireOption(P, opts, 'lan-address'),
    externalAddress,
    httpPort: numberOption(P, opts, 'http-port'),
    ssdpPort: numberOption(P, opts, 'ssdp-port'),
    natpmpPort: numberOption(P, opts, 'natpmp-port'),
    leaseMaxSec: numberOption(P, opts, 'lease-max'),
    firewall: iptablesFirewall(wanIf),
    log,
    multicast: true,
  });
  log('serving', { mode, externalAddress, http: svc.httpPort });
  process.stdout.write(`READY router ${name}\n`);
  process.on('SIGTERM', () => void svc.close().finally(() => process.exit(0)));
}
