// The peer client program: core/client.ts on TCP, a file cache, DNS SRV or a fixed server,
// UPnP/NAT-PMP at start-up, and a workload script to play.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { logger } from '../adapters/args.ts';
import { maybeDelayed, withReceiveDelay } from '../adapters/delay.ts';
import { FileStore } from '../adapters/fs-store.ts';
import { HostLoadMonitor } from '../adapters/host-load.ts';
import { localAddressTowards, srvLocator } from '../adapters/locate.ts';
import { mapPort, type PortMapper } from '../adapters/portmap.ts';
import { listen, tcpDialer } from '../adapters/tcp.ts';
import { CLIENT_DEFAULTS, clientUsage, parseClientArgs, wantsHelp } from '../contract.ts';
import { Client } from '../core/client.ts';
import { realClock } from '../core/clock.ts';
import { CREDENTIAL_ENV } from '../core/credential.ts';
import { dnsRandom, seededRandom } from '../core/random.ts';
import type { UpnpOutcome } from '../core/reports.ts';
import { parseScript, runScript } from '../core/script-runner.ts';

const P = 'client';
// the options and their defaults: node-image/contract.ts; the protocol comes resolved
const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(clientUsage());
  process.exit(0);
}
const opts = { ...CLIENT_DEFAULTS, ...parseClientArgs(argv, process.env) };
const { name, protocol } = opts;
const log = logger(P, name);
const { params } = protocol;
const events = parseScript(fs.readFileSync(opts.script, 'utf8'), opts.script);
const listenPort = opts.listenPort;
const rxDelay = { ms: opts.rxDelayMs, jitterMs: opts.rxJitterMs };

const seed = opts.seed ?? null;
const random = seed === null ? Math.random : seededRandom(seed);

let locate: () => Promise<{ host: string; port: number }>;
if (opts.server) {
  const { host, port } = opts.server;
  locate = async () => ({ host, port });
} else locate = srvLocator(`${opts.dns.host}:${opts.dns.port}`, opts.domain, seed === null ? Math.random : dnsRandom(seed));

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
if (opts.upnp && protocol.features.upnp) {
  mapper = await mapPort(listenPort, localAddress, 4000, log);
  upnp = mapper.outcome;
}
const advertiseHost = upnp.ok ? upnp.externalAddress : (opts.advertiseHost ?? localAddress);
const advertisePort = upnp.ok ? upnp.externalPort : listenPort;

// experiments start every peer's clock together: READY first, then wait for the start file
let epochReal = opts.epochReal ?? Date.now();
if (opts.startFile) {
  const f = opts.startFile;
  process.stdout.write(`READY client ${name}\n`);
  while (!fs.existsSync(f) || !fs.readFileSync(f, 'utf8').trim()) await new Promise((r) => setTimeout(r, 200));
  epochReal = Number(fs.readFileSync(f, 'utf8').trim());
}
// the host's load from the workload's start: how late this program's timers fire, how long its loop is held
const load = new HostLoadMonitor(log);
load.startAt(epochReal);
const clock = realClock({ scale: opts.timeScale, epochReal, epochWorkload: opts.epochWorkload, onLate: load.late });
const client = new Client({
  clock,
  params,
  dialer: withReceiveDelay(tcpDialer, rxDelay),
  store: new FileStore(opts.cacheDir ?? `/tmp/tb-cache-${name}`),
  locateServer,
  random,
  log,
  policies: protocol,
  // the id names this machine (the data centre checks the credential against that name: core/credential.ts)
  identity: { clientId: `${name}-${randomBytes(4).toString('hex')}`, advertiseHost, advertisePort, localAddress, upnp, credential: process.env[CREDENTIAL_ENV] || undefined },
});
const server = await listen('0.0.0.0', listenPort, (pipe) => client.acceptPeer(maybeDelayed(pipe, rxDelay)));
if (!opts.startFile) process.stdout.write(`READY client ${name}\n`);

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
  load.stop();
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
