// The corpus of broken configuration files in test/bad-config/: each names, in its first line,
// what its error must say. Every one must be refused with a ConfigError that names the file and
// a line, and never with a stack trace.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../errors.ts';
import { loadExperiment } from './experiment.ts';
import { loadTopology } from './topology.ts';

const dir = path.resolve(import.meta.dirname, '../../test/bad-config');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('the corpus of bad configuration files', () => {
  it('has one file per class of mistake', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s is refused with file, line and what would be valid', (f) => {
    const file = path.join(dir, f);
    const expect1 = /^# expect: (.*)$/m.exec(fs.readFileSync(file, 'utf8'));
    expect(expect1, `${f} needs a first line "# expect: <regex>"`).not.toBeNull();
    let err: unknown = null;
    try {
      if (f.startsWith('topology-')) loadTopology(file);
      else loadExperiment(file);
    } catch (e) {
      err = e;
    }
    expect(err, `${f} was accepted`).toBeInstanceOf(Error);
    const e = err as Error;
    expect(e, `${f}: ${e.message}`).toBeInstanceOf(UserFacingError);
    expect(e.message).toContain(f);
    expect(e.message).toMatch(new RegExp(expect1![1]));
    expect(e.message).not.toMatch(/\n\s+at /);
  });
});
