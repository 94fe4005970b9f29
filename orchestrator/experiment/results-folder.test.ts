import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResultsFolder } from './run.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-folder-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('a results folder that already holds a run', () => {
  it('is refused, naming the run in it and the way out, unless it is to be replaced', () => {
    const dir = path.join(root, 'abcd');
    fs.mkdirSync(dir);
    // a folder that does not exist yet, or is empty, is free
    expect(() => checkResultsFolder(path.join(root, 'none'))).not.toThrow();
    expect(() => checkResultsFolder(dir)).not.toThrow();
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ runId: 'abcd', experiment: 'paper-week', startedAt: '2026-12-01T10:00:00.000Z' }));
    expect(() => checkResultsFolder(dir)).toThrow(
      `${dir} already holds run abcd of experiment paper-week, started 2026-12-01T10:00:00.000Z: give another --run-id (or none, for a fresh one), or --replace to overwrite it`,
    );
    // replaced whole, so that nothing of the earlier run is read as the new one's
    fs.mkdirSync(path.join(dir, 'raw'));
    fs.writeFileSync(path.join(dir, 'raw', 'reports.jsonl'), '{}\n');
    checkResultsFolder(dir, true);
    expect(fs.existsSync(dir)).toBe(false);
    fs.mkdirSync(dir);
    // whatever is in it, even without a run.json, is not overwritten without a word
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(() => checkResultsFolder(dir)).toThrow(/already holds files: give another --run-id/);
  });
});
