// Progress on stderr: one line redrawn in place on a terminal, a line every few seconds otherwise
// (CI logs, pipes), and always a final line.
export class Progress {
  private last = 0;
  private lastText = '';
  private readonly tty = process.stderr.isTTY === true;
  constructor(
    private readonly quiet = false,
    /** put before every line: `testbed compare` says which run of its matrix is speaking */
    private readonly prefix = '',
    /** told every line, shown or not (quiet): `testbed run` puts the warnings on its live page */
    private readonly onLine?: (raw: string) => void,
  ) {}

  /** the same display with `prefix` before every line */
  prefixed(prefix: string): Progress {
    return new Progress(this.quiet, prefix, this.onLine);
  }

  /** the same display, telling `onLine` every line as well (after whoever was told before) */
  observed(onLine: (raw: string) => void): Progress {
    const before = this.onLine;
    return new Progress(this.quiet, this.prefix, (raw) => {
      before?.(raw);
      onLine(raw);
    });
  }

  update(raw: string, force = false): void {
    const text = this.prefix + raw;
    if (this.quiet || text === this.lastText) return;
    this.lastText = text;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text}`);
      return;
    }
    const now = Date.now();
    if (force || now - this.last > 3000) {
      this.last = now;
      process.stderr.write(text + '\n');
    }
  }

  line(raw: string): void {
    this.onLine?.(raw);
    const text = this.prefix + raw;
    if (this.quiet) return;
    if (this.tty) process.stderr.write(`\r\x1b[K${text}\n`);
    else process.stderr.write(text + '\n');
    this.lastText = '';
  }
}

/** "router 12/40  peer 0/120" */
export function countsLine(verb: string, done: Map<string, number>, total: Map<string, number>): string {
  return `${verb}: ` + [...total].map(([role, n]) => `${role} ${done.get(role) ?? 0}/${n}`).join('  ');
}
