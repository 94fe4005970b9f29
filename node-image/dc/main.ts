// The data-centre stack as one process: core/dc.ts on TCP, with the sink in a JSON Lines file.
import fs from 'node:fs';
import { logger } from '../adapters/args.ts';
import { FileSink } from '../adapters/file-sink.ts';
import { DC_LOOP_SAMPLE_MS, HostLoadMonitor } from '../adapters/host-load.ts';
import { listen } from '../adapters/tcp.ts';
import { DC_DEFAULTS, dcUsage, parseDcArgs, wantsHelp } from '../contract.ts';
import { Channel, channelOptions } from '../core/channel.ts';
import { realClock } from '../core/clock.ts';
import { SECRET_ENV } from '../core/credential.ts';
import { DataCentre } from '../core/dc.ts';
import { armDcFaults } from '../core/faults.ts';
import { seededRandom } from '../core/random.ts';

const P = 'dc';
// the options and their defaults: node-image/contract.ts; the protocol comes resolved
const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(dcUsage());
  process.exit(0);
}
const opts = { ...DC_DEFAULTS, ...parseDcArgs(argv, process.env) };
const { name, protocol } = opts;
const { params } = protocol;
const scale = opts.timeScale;
const log = logger(P, name);
// the host's load from the workload's start (below): the data centre serves every client, so its slip counts too
const load = new HostLoadMonitor(log, { loopSampleMs: DC_LOOP_SAMPLE_MS });
const clock = realClock({ scale, onLate: load.late });
const sink = new FileSink(opts.sink);
const random = opts.seed === undefined ? Math.random : seededRandom(opts.seed);
const dc = new DataCentre(name, params, clock, sink, log, random, protocol.tracker);
// the run's secret: every login must then carry its machine's credential (core/credential.ts)
const secret = process.env[SECRET_ENV];
if (secret) dc.requireCredentials(secret);

const server = await listen(opts.listen.host, opts.listen.port, (pipe) => {
  dc.accept(new Channel(pipe, clock, channelOptions(params, 'client')));
});
const stats = setInterval(() => log('stats', { online: dc.online, heldBytes: dc.heldBytes, ...dc.stats }), 5000);
stats.unref();

// faults and the host-load measurement run on the clients' workload clock: its epoch is given, or
// appears in the start file that the orchestrator writes when it starts every peer together
const { faults } = opts;
const atEpoch = (epochReal: number) => {
  load.startAt(epochReal);
  if (!faults.length) return;
  armDcFaults(dc, faults, realClock({ scale, epochReal }));
  log('faults-armed', { faults: faults.length, epochReal });
};
if (opts.epochReal !== undefined) atEpoch(opts.epochReal);
else if (opts.startFile) {
  const f = opts.startFile;
  const poll = setInterval(() => {
    const text = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : '';
    if (!text) return;
    clearInterval(poll);
    atEpoch(Number(text));
  }, 200);
} else load.startAt(Date.now());
process.stdout.write(`READY dc ${name}\n`);

process.on('SIGTERM', () => {
  server.close();
  load.stop();
  log('exit', { online: dc.online, heldBytes: dc.heldBytes, ...dc.stats });
  sink.close();
  process.exit(0);
});
