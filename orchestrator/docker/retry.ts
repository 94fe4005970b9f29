// The Docker engine's own transient failures, retried with backoff and a bound. On a loaded
// machine, attaching a container to a Swarm overlay failed with HTTP 500 "attaching to network
// failed ... context deadline exceeded", and the CLI printed "unexpected error" with a stack: the
// engine timed out on itself, and the same call a moment later succeeds. Anything else the engine
// answers (a conflict, a missing image, a bad request) is not retried: it would fail the same way.
import { UserFacingError } from '../errors.ts';

/** the engine timed out or dropped the connection, every retry did too, and what to do about it */
export class EngineBusyError extends UserFacingError {}

/** an engine answer that a repeat of the same call may not get: its own time-outs and dropped connections */
export function isTransient(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; message?: string; json?: { message?: string } };
  if (e?.code && ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT'].includes(e.code)) return true;
  const text = `${e?.json?.message ?? ''} ${e?.message ?? ''}`;
  // a Swarm overlay that a nested engine has not learnt of yet: it is named by its id, and the
  // same call goes through once the swarm's state has reached that engine (a multihost run failed
  // on "network h68k53je8oz4b8qvu6xdyms10 not found" with every network created)
  if (e?.statusCode === 404 && /network [0-9a-z]{25} not found/i.test(text)) return true;
  return (e?.statusCode === 500 || e?.statusCode === 503) && /context deadline exceeded|i\/o timeout|timed out|timeout exceeded|connection reset/i.test(text);
}

export interface RetryOptions {
  /** tries in all (default 5: waits of 0.5, 1, 2 and 4 s between them, 7.5 s at most) */
  attempts?: number;
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** before a repeat: whether the failed try took effect after all (then it is not repeated) */
  done?: () => Promise<boolean>;
  /** networks the run has just made: "network NAME not found" for one of them is the swarm's state not there yet */
  madeNetworks?: readonly string[];
}

/** a 404 for a network of `made` by its name: a worker that has not learnt of the overlay yet */
export function isNotYetKnown(err: unknown, made: readonly string[]): boolean {
  const e = err as { statusCode?: number; message?: string; json?: { message?: string } };
  if (e?.statusCode !== 404) return false;
  const text = `${e?.json?.message ?? ''} ${e?.message ?? ''}`;
  return made.some((n) => text.includes(`network ${n} not found`));
}

/**
 * `fn`, repeated while the engine fails transiently, `attempts` times at most with doubling waits;
 * then an EngineBusyError that names `what`, how often it failed and what to do. A failure that is
 * not transient is thrown as it is, at once.
 */
export async function retryEngine<T>(what: string, fn: () => Promise<T>, o: RetryOptions = {}): Promise<T | undefined> {
  const attempts = o.attempts ?? 5;
  const base = o.baseMs ?? 500;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) && !isNotYetKnown(err, o.madeNetworks ?? [])) throw err;
      const message = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
      if (i >= attempts)
        throw new EngineBusyError(
          `${what}: the Docker engine failed ${attempts} times in a row (${message.trim()}): it is overloaded or stuck. Let the machine settle (or restart dockerd), remove what was made with \`testbed down RUN_ID\`, and run again.`,
        );
      await sleep(base * 2 ** (i - 1));
      if (o.done && (await o.done())) return undefined;
    }
  }
}
