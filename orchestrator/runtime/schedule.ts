// Bounded concurrency for Docker calls: the machine has two cores and dockerd serialises much of
// its work anyway, so a handful at once is as fast as it gets.

/** containers created and started at once: the machine has two cores */
export const PARALLEL = 6;

/**
 * Runs fn over items, n at a time; stops taking new items after the first failure or an abort,
 * waits for the calls in flight, and then rethrows. Waiting matters: a clean-up that starts while
 * a container is still being created would not see it and leave it behind.
 */
export async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < items.length && !failure) {
      if (signal?.aborted) {
        failure = signal.reason ?? new Error('aborted');
        break;
      }
      const x = items[next++];
      try {
        await fn(x);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failure) throw failure;
}

/**
 * Runs fn over items, up to n at a time, but never two items that share a key at once.
 * Why: dockerd 20.10 keeps a per-network endpoint count, and concurrent endpoint removals on one
 * network can lose a decrement; the network then reports "active endpoints" with none left and
 * cannot be removed until dockerd restarts and recounts. Removing containers so that no two in
 * flight share a network keeps peers (alone on their home network with their router) parallel
 * while routers on a shared WAN go one at a time. Every item runs; the first failure is rethrown at the end.
 */
export async function poolDisjoint<T>(items: T[], n: number, keysOf: (x: T) => string[], fn: (x: T) => Promise<void>): Promise<void> {
  const waiting = [...items];
  const busy = new Set<string>();
  let running = 0;
  let failure: unknown = null;
  await new Promise<void>((resolve) => {
    const launch = () => {
      if (!waiting.length && !running) return resolve();
      for (let i = 0; i < waiting.length && running < n; ) {
        const keys = keysOf(waiting[i]);
        if (keys.some((k) => busy.has(k))) {
          i++;
          continue;
        }
        const [x] = waiting.splice(i, 1);
        for (const k of keys) busy.add(k);
        running++;
        void fn(x)
          .catch((err: unknown) => void (failure ??= err))
          .finally(() => {
            for (const k of keys) busy.delete(k);
            running--;
            launch();
          });
      }
    };
    launch();
  });
  if (failure) throw failure;
}
