// Link delay without netem (docs/network.md, "Delay without netem"). Where the kernel has no
// sch_netem, netsetup hands the access link's delay to the program (TB_RX_DELAY_MS, TB_RX_JITTER_MS)
// and every protocol connection holds what it receives for that long before the program sees it.
//
// Holding at the receiver only is enough for round trips: a request and its answer cross the
// asker's access link both ways and the answerer's both ways, and each side adds its own link's
// whole delay to what it receives, so every round trip grows by the sum of both links' delays, as
// netem on both links would make it. What it does not model: TCP itself never sees the delay (no
// bandwidth-delay effects on its window), and traffic outside the protocol (DNS, UPnP) is not held.
import type { Dialer, Pipe } from '../core/channel.ts';

export interface ReceiveDelay {
  /** added to every received chunk, real ms */
  ms: number;
  /** uniform spread of ±jitterMs around ms; never reorders (a stream keeps its order, as TCP does) */
  jitterMs: number;
}

export function delayedPipe(pipe: Pipe, d: ReceiveDelay, random: () => number = Math.random): Pipe {
  const dataCbs: ((b: Buffer) => void)[] = [];
  const closeCbs: ((reason: string) => void)[] = [];
  const queue: { at: number; bytes: Buffer }[] = [];
  let lastAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let closedWith: string | null = null;
  let closedLocally = false;

  const pump = () => {
    timer = null;
    const now = Date.now();
    while (queue.length && queue[0].at <= now && !closedLocally) {
      const { bytes } = queue.shift()!;
      for (const cb of dataCbs) cb(bytes);
    }
    if (closedLocally) queue.length = 0;
    if (queue.length) timer = setTimeout(pump, queue[0].at - now);
    // the far end's close arrives after the data it sent before closing, as on a real link
    else if (closedWith !== null) for (const cb of closeCbs.splice(0)) cb(closedWith);
  };

  pipe.onData((bytes) => {
    const jitter = d.jitterMs > 0 ? (random() * 2 - 1) * d.jitterMs : 0;
    lastAt = Math.max(lastAt, Date.now() + Math.max(0, d.ms + jitter));
    queue.push({ at: lastAt, bytes });
    timer ??= setTimeout(pump, lastAt - Date.now());
  });
  pipe.onClose((reason) => {
    closedWith = reason;
    if (closedLocally || (!queue.length && !timer)) {
      if (timer) clearTimeout(timer);
      timer = null;
      queue.length = 0;
      for (const cb of closeCbs.splice(0)) cb(reason);
    }
  });

  return {
    remoteAddress: pipe.remoteAddress,
    write: (bytes) => pipe.write(bytes),
    onData: (cb) => void dataCbs.push(cb),
    onDrain: (cb) => pipe.onDrain(cb),
    onClose: (cb) => void closeCbs.push(cb),
    close: () => {
      closedLocally = true;
      pipe.close();
    },
  };
}

/** No delay configured: the pipes as they are. */
export function withReceiveDelay(dialer: Dialer, d: ReceiveDelay | null): Dialer {
  if (!d || (d.ms <= 0 && d.jitterMs <= 0)) return dialer;
  return { dial: async (host, port, timeoutMs) => delayedPipe(await dialer.dial(host, port, timeoutMs), d) };
}

export function maybeDelayed(pipe: Pipe, d: ReceiveDelay | null): Pipe {
  return !d || (d.ms <= 0 && d.jitterMs <= 0) ? pipe : delayedPipe(pipe, d);
}
