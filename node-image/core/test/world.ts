// A data centre and clients over in-memory pipes on a manual clock: the world the core's unit
// tests (client, policies, faults) run in. No sockets, no timers of the process.

import { MemoryStore } from '../cache.ts';
import { Channel, type Dialer, type Pipe } from '../channel.ts';
import { Client } from '../client.ts';
import { ManualClock } from '../clock.ts';
import { DataCentre, type ReportSink } from '../dc.ts';
import { type ProtocolSpec, resolveProtocol } from '../policies.ts';
import type { Report } from '../reports.ts';
import { pipePair } from './memory-pipe.ts';

const TEST_PARAMS = { searchWaitMs: 50, connectTimeoutMs: 200, reversalWaitMs: 400 };

/** `spec` is the variant every client and the data centre run (default: the paper's protocol) */
export function world(spec: ProtocolSpec = {}) {
  const protocol = resolveProtocol({ ...spec, params: { ...TEST_PARAMS, ...spec.params } });
  const { params } = protocol;
  const clock = new ManualClock(0, 10);
  const stored: Report[] = [];
  /** while set, storage is slow: appends (and so acks) wait until it resolves */
  let slow: Promise<void> | null = null;
  const sink: ReportSink = {
    append: async (r) => {
      await slow;
      stored.push(...r);
    },
    storedKeys: () => [],
  };
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const dc = new DataCentre('stockholm', params, clock, sink, () => {}, random, protocol.tracker);
  const listeners = new Map<string, (p: Pipe) => void>();
  listeners.set('dc:1', (p) => dc.accept(new Channel(p, clock, { ...params, name: 'c' })));
  let n = 0;
  const dialer = (self: string): Dialer => ({
    dial: async (host, port) => {
      const accept = listeners.get(`${host}:${port}`);
      if (!accept) throw new Error(`connect ${host}:${port} refused`);
      const [mine, theirs] = pipePair(64 * 1024, self, host);
      accept(theirs);
      return mine;
    },
  });
  const client = (name: string, reachable = true) => {
    const host = `10.0.0.${++n}`;
    const c = new Client({
      clock,
      params,
      dialer: dialer(host),
      store: new MemoryStore(),
      random: () => 0.5,
      log: () => {},
      policies: protocol,
      locateServer: async () => ({ host: 'dc', port: 1 }),
      identity: { clientId: name, advertiseHost: host, advertisePort: 4000, localAddress: host, upnp: { ok: false, error: 'off' } },
    });
    if (reachable) listeners.set(`${host}:4000`, (p) => c.acceptPeer(p));
    return c;
  };
  /** move time in small steps, letting promises and microtasks run between them */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await new Promise((r) => setImmediate(r));
    }
  };
  const slowStorage = () => {
    let release!: () => void;
    slow = new Promise((r) => (release = r));
    return () => {
      slow = null;
      release();
    };
  };
  return { clock, dc, stored, client, run, slowStorage, params };
}
