// Where the simulated data centres' reports go: raw/<dc>/reports.jsonl, as the Docker runtime's
// collector writes them, so that the analysis reads a simulated run as it reads an emulated one.
import fs from 'node:fs';
import path from 'node:path';
import type { ReportSink } from '../../../node-image/core/dc.ts';
import type { Report } from '../../../node-image/core/reports.ts';

/** A sink that appends to a JSON Lines file in batches; durable as far as the run is concerned. */
export class FileLinesSink implements ReportSink {
  private lines: string[] = [];
  count = 0;
  constructor(
    private readonly file: string,
    private readonly onReport: (r: Report) => void,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  }
  append(records: Report[]): Promise<void> {
    for (const r of records) {
      this.lines.push(JSON.stringify(r));
      this.onReport(r);
    }
    this.count += records.length;
    if (this.lines.length >= 5000) this.flush();
    return Promise.resolve();
  }
  storedKeys(): Iterable<string> {
    return [];
  }
  flush(): void {
    if (!this.lines.length) return;
    fs.appendFileSync(this.file, this.lines.join('\n') + '\n');
    this.lines = [];
  }
}
