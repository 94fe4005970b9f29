// Property-based fuzzing of the data centre over a real TCP socket (fast-check): well-formed
// frames with hostile contents, random bytes and mutated frames. Whatever arrives, the data centre
// keeps running, stores only well-formed reports of the connection's own client, and still
// answers a well-behaved client.
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, tcpDialer } from '../../node-image/adapters/tcp.ts';
import { Channel, channelOptions } from '../../node-image/core/channel.ts';
import { realClock } from '../../node-image/core/clock.ts';
import { encode } from '../../node-image/core/codec.ts';
import { DataCentre, type ReportSink } from '../../node-image/core/dc.ts';
import type { Message } from '../../node-image/core/messages.ts';
import { resolveParams } from '../../node-image/core/params.ts';
import { reportProblem } from '../../node-image/core/report-check.ts';
import type { Report } from '../../node-image/core/reports.ts';

const params = resolveParams({ keepaliveMs: 500, deadAfterMs: 3000, partialFrameMs: 1000 });
const clock = realClock({ scale: 1 });
const stored: Report[] = [];
let server: net.Server;
let port = 0;

beforeAll(async () => {
  const sink: ReportSink = { append: async (r) => void stored.push(...r), storedKeys: () => [] };
  const dc = new DataCentre('london', params, clock, sink);
  server = await listen('127.0.0.1', 0, (p) => dc.accept(new Channel(p, clock, channelOptions(params, 'client'))));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => server.close());

/** send bytes on a fresh connection, give the data centre a moment, close */
async function blast(bytes: Buffer[]): Promise<void> {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  for (const b of bytes) sock.write(b);
  await new Promise((r) => setTimeout(r, 15));
  sock.destroy();
}

async function stillAnswers(): Promise<boolean> {
  const ch = new Channel(await tcpDialer.dial('127.0.0.1', port, 2000), clock, channelOptions(params, 'probe'));
  const ok = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 2000);
    ch.onMessage = (m) => {
      if (m.type === 'loginOk') {
        clearTimeout(t);
        resolve(true);
      }
    };
    ch.send('login', { clientId: 'probe', user: 'p', country: 'GB', listenHost: '127.0.0.1', listenPort: 1 });
  });
  ch.close('done');
  return ok;
}

const json = fc.jsonValue({ maxDepth: 3 });
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'clientId', 'seq', 'type', 'bytes');
const report = fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 12 })), json, { maxKeys: 14 });
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('report' as const), body: fc.record({ seq: fc.nat(), report }) }) as unknown as fc.Arbitrary<Message>,
  fc.record({
    type: fc.constant('dataRequest' as const),
    body: fc.record({ rid: fc.nat(), track: fc.nat(), quality: fc.constantFrom('q5', 'q9'), offset: fc.nat(), length: fc.nat() }),
  }) as fc.Arbitrary<Message>,
  fc.record({ type: fc.constant('trackerQuery' as const), body: fc.record({ qid: fc.nat(), track: fc.nat(), quality: fc.constantFrom('q5', 'q9') }) }) as fc.Arbitrary<Message>,
  fc.record({ type: fc.constant('reverse' as const), body: fc.record({ target: fc.string() }) }) as fc.Arbitrary<Message>,
);
/** a well-formed report, for the login id, or for a foreign id (F-...) that never logs in */
const wellFormed = (clientId: string, seq: number): Message => ({
  type: 'report',
  body: { seq, report: { type: 'neighbours', clientId, seq, user: 'u', country: 'GB', t: 1, dc: 'london', sinceLogin: 0, count: 1 } },
});
const login = (id: string) => encode({ type: 'login', body: { clientId: id, user: 'u', country: 'GB', listenHost: '127.0.0.1', listenPort: 9 } });

describe('data centre under fuzzing over TCP', () => {
  it("stores only well-formed reports of the connection's own client, whatever frames arrive", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.array(
          fc.oneof(
            message,
            fc.nat(50).map((seq) => ({ own: true, seq })),
            fc.nat(50).map((seq) => ({ own: false, seq })),
          ),
          { maxLength: 6 },
        ),
        async (name, items) => {
          const id = `L-${name}`;
          const frames = items.map((m) => encode('own' in m ? wellFormed(m.own ? id : `F-${name}`, m.seq) : m));
          await blast([login(id), ...frames]);
        },
      ),
      { numRuns: 150 },
    );
    // the well-formed reports of the connection's own client were stored: the property was exercised
    expect(stored.length).toBeGreaterThan(0);
    for (const r of stored) {
      expect(reportProblem(r)).toBeNull();
      expect(r.clientId.startsWith('L-'), r.clientId).toBe(true);
    }
    expect(await stillAnswers()).toBe(true);
  }, 120_000);

  it('survives random bytes and frames with bytes flipped', async () => {
    const good = encode({ type: 'trackerQuery', body: { qid: 1, track: 2, quality: 'q5' } });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), async (noise, flips) => {
        const mutated = Buffer.from(good);
        for (const [i, v] of flips) mutated[i] = v;
        await blast([login('m'), mutated, Buffer.from(noise)]);
      }),
      { numRuns: 150 },
    );
    expect(await stillAnswers()).toBe(true);
  }, 120_000);
});
