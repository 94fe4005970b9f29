// The data-centre stack as one process: core/dc.ts on TCP, with the sink in a JSON Lines file.
import fs from 'node:fs';
import { logger, numberOption, parseOptions, requireOption } from '../adapters/args.ts';
import { FileSink } from '../adapters/file-sink.ts';
import { listen } from '../adapters/tcp.ts';
import { Channel, channelOptions } from '../core/channel.ts';
import { realClock } from '../core/clock.ts';
import { SECRET_ENV } from '../core/credential.ts';
import { DataCentre } from '../core/dc.ts';
import { armDcFaults, type Fault } from '../core/faults.ts';
import { type ProtocolSpec, resolveProtocol } from '../core/policies.ts';
import { seededRandom } from '../core/random.ts';

const P = 'dc';
const opts = parseOptions(P, {
  name: { help: 'data centre name (stockholm, london)' },
  listen: { default: '0.0.0.0:4070', help: 'address:port the access point listens on' },
  sink: { help: 'JSON Lines file the instrumentation sink appends to' },
  'time-scale': { default: '1', help: 'workload time runs this many times faster than real time' },
  params: { default: '{}', help: "protocol parameter overrides as JSON (merged into --protocol's params)" },
  protocol: { default: '{}', help: 'the protocol variant as JSON: {policies, features, params} (core/policies.ts)' },
  faults: { default: '[]', help: "faults on the workload timeline as JSON (core/faults.ts); they need the clients' epoch" },
  'epoch-real': { help: 'real Date.now() at workload time 0, for --faults' },
  'start-file': { help: 'a file that will hold the real epoch (ms) of workload time 0, for --faults (experiments)' },
  seed: { help: "the tracker's seed (core/random.ts dcSeed), as every runtime derives it (default: unseeded)" },
});
const name = requireOption(P, opts, 'name');
const [host, portText] = requireOption(P, opts, 'listen').split(/:(?=\d+$)/);
const spec = JSON.parse(opts.protocol!) as ProtocolSpec;
const protocol = resolveProtocol({ ...spec, params: { ...spec.params, ...(JSON.parse(opts.params!) as Record<string, unknown>) } });
const { params } = protocol;
const scale = numberOption(P, opts, 'time-scale');
const clock = realClock({ scale });
const log = logger(P, name);
const sink = new FileSink(requireOption(P, opts, 'sink'));
const random = opts.seed === undefined ? Math.random : seededRandom(numberOption(P, opts, 'seed'));
const dc = new DataCentre(name, params, clock, sink, log, random, protocol.tracker);
// the run's secret: every login must then carry its machine's credential (core/credential.ts)
const secret = process.env[SECRET_ENV];
if (secret) dc.requireCredentials(secret);

const server = await listen(host, Number(portText), (pipe) => {
  dc.accept(new Channel(pipe, clock, channelOptions(params, 'client')));
});
const stats = setInterval(() => log('stats', { online: dc.online, heldBytes: dc.heldBytes, ...dc.stats }), 5000);
stats.unref();

// faults run on the clients' workload clock: its epoch is given, or appears in the start file
// that the orchestrator writes when it starts every peer together
const faults = JSON.parse(opts.faults!) as Fault[];
if (faults.length) {
  const arm = (epochReal: number) => {
    armDcFaults(dc, faults, realClock({ scale, epochReal }));
    log('faults-armed', { faults: faults.length, epochReal });
  };
  if (opts['epoch-real']) arm(Number(opts['epoch-real']));
  else if (opts['start-file']) {
    const f = opts['start-file'];
    const poll = setInterval(() => {
      const text = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : '';
      if (!text) return;
      clearInterval(poll);
      arm(Number(text));
    }, 200);
  } else throw new Error(`${P}: --faults needs --epoch-real or --start-file`);
}
process.stdout.write(`READY dc ${name}\n`);

process.on('SIGTERM', () => {
  server.close();
  log('exit', { online: dc.online, heldBytes: dc.heldBytes, ...dc.stats });
  sink.close();
  process.exit(0);
});
