// An in-memory pipe pair for unit tests: what one side writes the other receives on the next
// microtask; `capacity` bytes may be buffered before write() reports the pipe full.
import type { Pipe } from '../channel.ts';

export function pipePair(capacity = 64 * 1024, addrA = '10.0.0.1', addrB = '10.0.0.2'): [Pipe & { written: Buffer[] }, Pipe & { written: Buffer[] }] {
  const make = (remote: string) => {
    const p = {
      remoteAddress: remote,
      written: [] as Buffer[],
      buffered: 0,
      closed: false,
      data: [] as ((b: Buffer) => void)[],
      drain: [] as (() => void)[],
      close_: [] as ((r: string) => void)[],
      other: null as unknown as ReturnType<typeof make>,
      write(bytes: Buffer) {
        if (p.closed) return false;
        p.written.push(bytes);
        p.buffered += bytes.length;
        queueMicrotask(() => {
          p.buffered -= bytes.length;
          for (const cb of p.other.data) cb(bytes);
          if (p.buffered === 0) for (const cb of p.drain) cb();
        });
        return p.buffered < capacity;
      },
      onData: (cb: (b: Buffer) => void) => void p.data.push(cb),
      onDrain: (cb: () => void) => void p.drain.push(cb),
      onClose: (cb: (r: string) => void) => void p.close_.push(cb),
      close() {
        for (const x of [p, p.other]) {
          if (x.closed) continue;
          x.closed = true;
          for (const cb of x.close_) cb('closed');
        }
      },
    };
    return p;
  };
  const a = make(addrB);
  const b = make(addrA);
  a.other = b;
  b.other = a;
  return [a, b];
}
