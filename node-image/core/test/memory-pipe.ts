// An in-memory pipe pair for unit tests: what one side writes the other receives on the next
// microtask; `capacity` bytes may be buffered before write() reports the pipe full.
import type { Pipe } from '../channel.ts';

class MemoryPipe implements Pipe {
  written: Buffer[] = [];
  other!: MemoryPipe;
  private buffered = 0;
  private closed = false;
  private readonly data: ((b: Buffer) => void)[] = [];
  private readonly drain: (() => void)[] = [];
  private readonly closers: ((r: string) => void)[] = [];
  constructor(
    readonly remoteAddress: string,
    private readonly capacity: number,
  ) {}
  write(bytes: Buffer): boolean {
    if (this.closed) return false;
    this.written.push(bytes);
    this.buffered += bytes.length;
    queueMicrotask(() => {
      this.buffered -= bytes.length;
      for (const cb of this.other.data) cb(bytes);
      if (this.buffered === 0) for (const cb of this.drain) cb();
    });
    return this.buffered < this.capacity;
  }
  onData(cb: (b: Buffer) => void) {
    this.data.push(cb);
  }
  onDrain(cb: () => void) {
    this.drain.push(cb);
  }
  onClose(cb: (r: string) => void) {
    this.closers.push(cb);
  }
  close() {
    for (const x of [this as MemoryPipe, this.other]) {
      if (x.closed) continue;
      x.closed = true;
      for (const cb of x.closers) cb('closed');
    }
  }
}

export function pipePair(capacity = 64 * 1024, addrA = '10.0.0.1', addrB = '10.0.0.2'): [MemoryPipe, MemoryPipe] {
  const a = new MemoryPipe(addrB, capacity);
  const b = new MemoryPipe(addrA, capacity);
  a.other = b;
  b.other = a;
  return [a, b];
}
