// The data-centre stack as one process: core/dc.ts on TCP, with the sink in a JSON Lines file.
import { Channel } from '../core/channel.ts';
import { realClock } from '../core/clock.ts';
import { DataCentre } from '../core/dc.ts';
import { resolveParams } from '../core/params.ts';
import { logger, numberOption, parseOptions, requireOption } from '../adapters/args.ts';
import { FileSink } from '../adapters/file-sink.ts';
import { listen } from '../adapters/tcp.ts';

const P = 'dc';
const opts = parseOptions(P, {
  name: { help: 'data centre name (stockholm, london)' },
  listen: { default: '0.0.0.0:4070', help: 'address:port the access point listens on' },
  sink: { help: 'JSON Lines file the instrumentation sink appends to' },
  'time-scale': { default: '1', help: 'workload time runs this many times faster than real time' },
  params: { default: '{}', help: 'protocol parameter overrides as JSON' },
});
const name = requireOption(P, opts, 'name');
const [host, portText] = requireOption(P, opts, 'listen').split(/:(?=\d+$)/);
const params = resolveParams(JSON.parse(opts.params!));
const clock = realClock({ scale: numberOption(P, opts, 'time-scale') });
const log = logger(P, name);
const sink = new FileSink(requireOption(P, opts, 'sink'));
const dc = new DataCentre(name, params, clock, sink, log);

const server = await listen(host, Number(portText), (pipe) => {
  dc.accept(new Channel(pipe, clock, { maxFrameBytes: params.maxFrameBytes, keepaliveMs: params.keepaliveMs, deadAfterMs: params.deadAfterMs, name: 'client' }));
});
const stats = setInterval(() => log('stats', { online: dc.online, ...dc.stats }), 5000);
stats.unref();
process.stdout.write(`READY dc ${name}\n`);

process.on('SIGTERM', () => {
  server.close();
  log('exit', { online: dc.online, ...dc.stats });
  sink.close();
  process.exit(0);
});
