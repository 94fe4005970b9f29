// The instrumentation sink's file: JSON Lines, appended and fsynced before the data centre
// acknowledges, so an acknowledged report survives a crash of the data-centre process.
import fs from 'node:fs';
import path from 'node:path';
import type { ReportSink } from '../core/dc.ts';
import type { Report } from '../core/reports.ts';

export class FileSink implements ReportSink {
  private readonly fd: number;
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }
  storedKeys(): string[] {
    const keys: string[] = [];
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as Report;
        keys.push(`${r.clientId}/${r.seq}`);
      } catch {
        // a torn last line from a crash: the client re-sends that report, since it was never acked
      }
    }
    return keys;
  }
  async append(records: Report[]): Promise<void> {
    const text = records.map((r) => JSON.stringify(r) + '\n').join('');
    await new Promise<void>((resolve, reject) => fs.write(this.fd, text, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
  }
  private closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
