import { describe, expect, it } from 'vitest';
import { EngineBusyError, isNotYetKnown, isTransient, retryEngine } from './retry.ts';

/** an error as dockerode makes it from an engine answer */
const engineError = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${message}`), { statusCode, json: { message } });
const deadline = engineError(500, 'attaching to network failed for container 0123: context deadline exceeded');

describe("the engine's transient failures", () => {
  it('are told from answers that a repeat would get again', () => {
    expect(isTransient(deadline)).toBe(true);
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(engineError(409, 'Conflict. The container name "/x" is already in use'))).toBe(false);
    expect(isTransient(engineError(500, 'Address already in use'))).toBe(false);
    expect(isTransient(engineError(404, 'no such image'))).toBe(false);
    // an overlay a nested engine has not heard of yet (named by its swarm id), not a network the run never made
    expect(isTransient(engineError(404, 'network h68k53je8oz4b8qvu6xdyms10 not found'))).toBe(true);
    expect(isTransient(engineError(404, 'network tb-x-h1 not found'))).toBe(false);
    // by its name, only a network the run has just made (the container's own attachments)
    expect(isNotYetKnown(engineError(404, 'no such container - network tb-o272xg-wan-se0 not found'), ['tb-o272xg-wan-se0', 'tb-o272xg-lan-se-001'])).toBe(true);
    expect(isNotYetKnown(engineError(404, 'no such container - network tb-o272xg-wan-se0 not found'), ['tb-o272xg-lan-se-001'])).toBe(false);
    expect(isNotYetKnown(engineError(500, 'network tb-o272xg-wan-se0 not found'), ['tb-o272xg-wan-se0'])).toBe(false);
  });

  it('are retried with doubling waits until the call goes through', async () => {
    const waits: number[] = [];
    let calls = 0;
    const r = await retryEngine(
      'attach',
      async () => {
        if (++calls < 3) throw deadline;
        return 'ok';
      },
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(r).toBe('ok');
    expect(waits).toEqual([500, 1000]);
  });

  it('stop when the failed try took effect after all', async () => {
    let calls = 0;
    const r = await retryEngine(
      'attach',
      async () => {
        calls++;
        throw deadline;
      },
      { sleep: async () => {}, done: async () => true },
    );
    expect(r).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('end in an error that says what timed out and what to do, never in a stack', async () => {
    const run = retryEngine(
      'attaching tb-x-p-se-001 to tb-x-wan-se',
      async () => {
        throw deadline;
      },
      { attempts: 3, sleep: async () => {} },
    );
    await expect(run).rejects.toThrow(EngineBusyError);
    await expect(run).rejects.toThrow(
      /^attaching tb-x-p-se-001 to tb-x-wan-se: the Docker engine failed 3 times in a row \(attaching to network failed .* context deadline exceeded\): it is overloaded or stuck\. .*testbed down RUN_ID/,
    );
  });

  it('let any other failure through at once', async () => {
    let calls = 0;
    const conflict = engineError(409, 'Conflict');
    await expect(
      retryEngine('create', async () => {
        calls++;
        throw conflict;
      }),
    ).rejects.toBe(conflict);
    expect(calls).toBe(1);
  });
});
