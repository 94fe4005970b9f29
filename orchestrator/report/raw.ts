// The one reader of the data centres' sink files (raw/<dc>/reports.jsonl, JSON Lines): the live
// progress of a run, the analysis and `testbed compare` all read through it.
// A line that is not JSON (the torn last line of a killed sink) or not a well-formed report is
// skipped and counted, never fatal: what was collected is always analysed.
import fs from 'node:fs';
import { reportProblem } from '../../node-image/core/report-check.ts';
import type { Report } from '../../node-image/core/reports.ts';

export interface Parsed {
  reports: Report[];
  /** lines skipped: not JSON, or not a report of the right shape */
  badLines: number;
}

export function parseReportLines(text: string, into: Parsed = { reports: [], badLines: 0 }): Parsed {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      into.badLines++;
      continue;
    }
    if (reportProblem(r) === null) into.reports.push(r as Report);
    else into.badLines++;
  }
  return into;
}

export function readReportFile(file: string, into?: Parsed): Parsed {
  return parseReportLines(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', into);
}

/**
 * A sink file read incrementally: each `read()` parses only the lines appended since the last
 * one, so following a long run costs what it appends, not the square of its length.
 */
export class ReportTail {
  private offset = 0;
  /** bytes after the last newline: kept as bytes, so a character split between reads stays whole */
  private rest = Buffer.alloc(0);

  constructor(readonly file: string) {}

  read(): Report[] {
    if (!fs.existsSync(this.file)) return [];
    const size = fs.statSync(this.file).size;
    if (size <= this.offset) return [];
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const all = Buffer.concat([this.rest, buf]);
      // the last line may still be on its way: keep it for the next read
      const cut = all.lastIndexOf(0x0a) + 1;
      this.rest = all.subarray(cut);
      return parseReportLines(all.subarray(0, cut).toString('utf8')).reports;
    } finally {
      fs.closeSync(fd);
    }
  }
}
