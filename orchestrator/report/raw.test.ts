import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../node-image/core/reports.ts';
import { parseReportLines, ReportTail } from './raw.ts';

const r = (seq: number, user = 'u'): Report => ({ type: 'neighbours', clientId: 'c', seq, user, country: 'SE', t: 0, dc: 'stockholm', sinceLogin: 0, count: 0 });
const line = (x: unknown) => JSON.stringify(x) + '\n';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-raw-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('raw report files', () => {
  it('skips and counts torn and malformed lines, keeps the rest', () => {
    const p = parseReportLines(line(r(0)) + '{"clientId":"x","seq":0,"type":"play"}\n' + line(r(1)) + '{"type":"neigh');
    expect(p.reports.map((x) => x.seq)).toEqual([0, 1]);
    expect(p.badLines).toBe(2);
  });

  it('follows a growing file, reading only what was appended, a line split mid-character included', () => {
    const f = path.join(fs.mkdtempSync(path.join(root, 'f-')), 'reports.jsonl');
    const tail = new ReportTail(f);
    expect(tail.read()).toEqual([]);
    fs.writeFileSync(f, line(r(0)));
    expect(tail.read().map((x) => x.seq)).toEqual([0]);
    expect(tail.read()).toEqual([]);
    // a report whose user name has a two-byte character, written in two parts split inside it
    const bytes = Buffer.from(line(r(1, 'användare')));
    const cut = bytes.indexOf(Buffer.from('ä')) + 1;
    fs.appendFileSync(f, bytes.subarray(0, cut));
    expect(tail.read()).toEqual([]);
    fs.appendFileSync(f, bytes.subarray(cut));
    expect(tail.read()).toEqual([r(1, 'användare')]);
  });
});
