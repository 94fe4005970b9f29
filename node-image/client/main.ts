// The peer client program: core/client.ts on TCP, a file cache, DNS SRV or a fixed server,
// UPnP/NAT-PMP at start-up, and a workload script to play.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { logger, numberOption, parseOptions, requireOption } from '../adapters/args.ts';
import { maybeDelayed, withReceiveDelay } from '../adapters/delay.ts';
import { FileStore } from '../adapters/fs-store.ts';
import { localAddressTowards, srvLocator } from '../adapters/locate.ts';
import { mapPort, type PortMapper } from '../adapters/portmap.ts';
import { listen, tcpDialer } from '../adapters/tcp.ts';
import { Client } from '../core/client.ts';
import { realClock } from '../core/clock.ts';
import { CREDENTIAL_ENV } from '../core/credential.ts';
import { type ProtocolSpec, resolveProtocol } from '../core/policies.ts';
import { dnsRandom, seededRandom } from '../core/random.ts';
import type { UpnpOutcome } from '../core/reports.ts';
import { parseScript, runScript } from '../core/script-runner.ts';

const P = 'client';
const opts = parseOptions(P, {
  name: { help: 'client name (logs, client id prefix)' },
  server: { help: 'HOST:PORT of the data centre (instead of --dns)' },
  dns: { help: 'HOST:PORT of the resolver answering _spotify-client._tcp SRV' },
  domain: { default: 'spotify.test', help: 'domain of the SRV query' },
  script: { help: 'workload script (JSON Lines, node-image/core/script.ts)' },
  'epoch-real': { help: 'real Date.now() at which workload time equals --epoch-workload (default: now)' },
  'epoch-workload': { default: '0', help: 'workload ms at --epoch-real' },
  'time-scale': { default: '1', help: 'workload time runs this many times faster than real time' },
  'cache-dir': { help: 'directory of the track cache (kept across restarts)' },
  'cache-bytes': { help: 'cache size limit in bytes (default: the protocol parameter)' },
  'listen-port': { default: '4100', help: 'TCP port for incoming peer connections' },
  'advertise-host': { help: 'address peers should dial when no port mapping is made (default: local address)' },
  upnp: { boolean: true, help: 'ask the home router for a port mapping (UPnP IGD, then NAT-PMP)' },
  params: { default: '{}', help: "protocol parameter overrides as JSON (merged into --protocol's params)" },
  protocol: { default: '{}', help: 'the protocol variant as JSON: {policies, features, params} (core/policies.ts)' },
  'rx-delay-ms': { default: '0', help: 'hold received protocol data this long: the access link delay where the kernel has no netem (set by netsetup)' },
  'rx-jitter-ms': { default: '0', help: 'uniform jitter around --rx-delay-ms' },
  'start-file': { help: 'wait for this file, holding the real epoch (ms), before starting the clock (experiments start all peers together)' },
  seed: { help: "this peer's seed (core/random.ts peerSeed): its draws, and its choice among the data centres a DNS answer names, as every runtime makes them (default: unseeded)" },
});
const name = requireOption(P, opts, 'name');
const log = logger(P, name);
const spec = JSON.parse(opts.protocol!) as ProtocolSpec;
const overrides = { ...spec.params, ...(JSON.parse(opts.params!) as Record<string, unknown>) };
if (opts['cache-bytes']) overrides.cacheBytes = Number(opts['cache-bytes']);
const protocol = resolveProtocol({ ...spec, params: overrides });
const { params } = protocol;
const scale = numberOption(P, opts, 'time-scale');
const scriptFile = requireOption(P, opts, 'script');
const events = parseScript(fs.readFileSync(scriptFile, 'utf8'), scriptFile);
const listenPort = numberOption(P, opts, 'listen-port');
const rxDelay = { ms: numberOption(P, opts, 'rx-delay-ms'), jitterMs: numberOption(P, opts, 'rx-jitter-ms') };

const seed = opts.seed === undefined ? null : numberOption(P, opts, 'seed');
const random = seed === null ? Math.random : seededRandom(seed);

let locate: () => Promise<{ host: string; port: number }>;
if (opts.server) {
  const [h, p] = opts.server.split(/:(?=\d+$)/);
  locate = async () => ({ host: h, port: Number(p) });
} else if (opts.dns) {
  locate = srvLocator(opts.dns, opts.domain!, seed === null ? Math.random : dnsRandom(seed));
} else throw new Error(`${P}: give --server HOST:PORT or --dns HOST:PORT`);

const first = await locate().catch((err: Error) => {
  log('locate-failed', { error: err.message });
  return null;
});
// the first connect uses the answer already in hand (it found the local address): one DNS pick per
// (re)connect, as the simulation makes them, so a seeded peer lands where it lands there
let unused = first;
const locateServer = async () => {
  const answer = unused;
  unused = null;
  return answer ?? locate();
};
const localAddress = first ? await localAddressTowards(first.host) : '0.0.0.0';
let mapper: PortMapper | null = null;
let upnp: UpnpOutcome = { ok: false, error: protocol.features.upnp ? 'upnp disabled' : 'upnp off in this protocol variant' };
if (opts.upnp === 'true' && protocol.features.upnp) {
  mapper = await mapPort(listenPort, localAddress, 4000, log);
  upnp = mapper.outcome;
}
const advertiseHost = upnp.ok ? upnp.externalAddress : (opts['advertise-host'] ?? localAddress);
const advertisePort = upnp.ok ? upnp.externalPort : listenPort;

// experiments start every peer's clock together: READY first, then wait for the start file
let epochReal = opts['epoch-real'] ? Number(opts['epoch-real']) : Date.now();
if (opts['start-file']) {
  const f = opts['start-file'];
  process.stdout.write(`READY client ${name}\n`);
  while (!fs.existsSync(f) || !fs.readFileSync(f, 'utf8').trim()) await new Promise((r) => setTimeout(r, 200));
  epochReal = Number(fs.readFileSync(f, 'utf8').trim());
}
const clock = realClock({ scale, epochReal, epochWorkload: numberOption(P, opts, 'epoch-workload') });
const client = new Client({
  clock,
  params,
  dialer: withReceiveDelay(tcpDialer, rxDelay),
  store: new FileStore(opts['cache-dir'] ?? `/tmp/tb-cache-${name}`),
  locateServer,
  random,
  log,
  policies: protocol,
  // the id names this machine (the data centre checks the credential against that name: core/credential.ts)
  identity: { clientId: `${name}-${randomBytes(4).toString('hex')}`, advertiseHost, advertisePort, localAddress, upnp, credential: process.env[CREDENTIAL_ENV] || undefined },
});
const server = await listen('0.0.0.0', listenPort, (pipe) => client.acceptPeer(maybeDelayed(pipe, rxDelay)));
if (!opts['start-file']) process.stdout.write(`READY client ${name}\n`);

let exiting = false;
async function exit(reason: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  // an exiting program plays nothing more: what its script still held is told in the exit record
  script.cancel();
  if (client.loggedIn) client.logout();
  const drained = await client.drain(reason === 'script done' ? 30_000 : 3_000);
  client.stop();
  server.close();
  // the exit record first: removing the port mapping talks to the router and may not answer
  process.stdout.write(
    JSON.stringify({
      event: 'exit',
      reason,
      clientId: client.id,
      generated: client.generated,
      unacked: client.unackedReports,
      drained,
      notPlayed: { ...client.notPlayed, notReached: script.playsLeft() },
    }) + '\n',
  );
  await Promise.race([mapper?.stop(), new Promise((r) => setTimeout(r, 3000))]);
  process.exit(0);
}
// a script that ends logged in (a bare `testbed up`) keeps the client online until SIGTERM
const script = runScript(client, events, () => {
  if (!client.loggedIn) void exit('script done');
});
process.on('SIGTERM', () => void exit('SIGTERM'));
process.on('SIGINT', () => void exit('SIGINT'));
