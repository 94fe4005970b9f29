// The data-centre program as the Docker and local runtimes start it, with the run's secret in its
// environment: over real TCP, a client with its machine's credential logs in, one with another
// machine's credential or none is refused, and the first client's session and reports stand.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tcpDialer } from '../../node-image/adapters/tcp.ts';
import { dcArgv } from '../../node-image/contract.ts';
import { Channel, channelOptions } from '../../node-image/core/channel.ts';
import { realClock } from '../../node-image/core/clock.ts';
import { credentialEnv, credentialFor, newRunSecret } from '../../node-image/core/credential.ts';
import type { Message } from '../../node-image/core/messages.ts';
import { resolveParams } from '../../node-image/core/params.ts';
import { freePort, type Proc, startProgram } from '../../orchestrator/experiment/processes.ts';

const params = resolveParams();
const clock = realClock({ scale: 1 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-credential-test-'));
const secret = newRunSecret();
let dc: Proc | undefined;
afterAll(async () => {
  dc?.kill('SIGTERM');
  await dc;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** a client connection that logs in as `clientId` with `credential`; resolves with what it got before its answer or its close */
async function loginAs(port: number, clientId: string, credential: string | undefined) {
  const ch = new Channel(await tcpDialer.dial('127.0.0.1', port, 5000), clock, channelOptions(params, clientId));
  const got: Message[] = [];
  const outcome = new Promise<'loginOk' | 'closed'>((resolve) => {
    ch.onMessage = (m) => {
      got.push(m);
      if (m.type === 'loginOk') resolve('loginOk');
    };
    ch.onClosed = () => resolve('closed');
  });
  ch.send('login', { clientId, user: 'u', country: 'SE', listenHost: '127.0.0.1', listenPort: 1, ...(credential === undefined ? {} : { credential }) });
  return { ch, got, outcome: await outcome };
}

describe('the data-centre program with a run secret', () => {
  it("logs in a client with its machine's credential and refuses one with another's or none", async () => {
    const port = await freePort();
    const sink = path.join(dir, 'reports.jsonl');
    const lines: string[] = [];
    dc = (
      await startProgram(['node-image/dc/main.ts', ...dcArgv({ name: 'stockholm', listen: { host: '127.0.0.1', port }, sink })], (l) => lines.push(l), 60_000, {
        env: credentialEnv('dc', 'stockholm', secret),
      })
    ).p;
    const victim = await loginAs(port, 'tb-x-p-se-001-0a0b0c0d', credentialFor(secret, 'tb-x-p-se-001'));
    expect(victim.outcome).toBe('loginOk');
    const thief = await loginAs(port, 'tb-x-p-se-001-0a0b0c0d', credentialFor(secret, 'tb-x-p-se-002'));
    expect(thief.outcome).toBe('closed');
    const bare = await loginAs(port, 'tb-x-p-se-002-0a0b0c0d', undefined);
    expect(bare.outcome).toBe('closed');
    const stranger = await loginAs(port, 'tb-x-p-se-002-0a0b0c0d', credentialFor('another run', 'tb-x-p-se-002'));
    expect(stranger.outcome).toBe('closed');
    // the victim's session is intact: its report is acknowledged and stored under its id
    const acked = new Promise<void>((resolve) => {
      victim.ch.onMessage = (m) => {
        if (m.type === 'reportAck') resolve();
      };
    });
    victim.ch.send('report', {
      seq: 0,
      report: { type: 'neighbours', clientId: 'tb-x-p-se-001-0a0b0c0d', seq: 0, user: 'u', country: 'SE', t: 1, dc: 'stockholm', sinceLogin: 0, count: 0 },
    });
    await acked;
    expect(victim.ch.isOpen).toBe(true);
    victim.ch.close('done');
    expect(
      fs
        .readFileSync(sink, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).clientId),
    ).toEqual(['tb-x-p-se-001-0a0b0c0d']);
  });
});
