// run.json's schema: published as the type comes from it, its enums the configuration's, and the
// report's test run.json within it (sim.int.test.ts checks the run.json a simulated run writes).
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { RUNTIMES } from '../config/experiment.ts';
import { SIM_MODELS } from '../config/sim-model.ts';
import { runInfoSchema } from './run-info.ts';
import { testRunInfo } from './test/run-info.ts';

const validate = new Ajv({ allErrors: true, strict: false }).compile(runInfoSchema);

describe('run.json', () => {
  it('publishes the schema its type comes from', () => {
    const published = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, 'run.schema.json'), 'utf8'));
    expect(published, 'run npm run schemas').toEqual(JSON.parse(JSON.stringify(runInfoSchema)));
  });

  it('names the runtimes and simulation models the configuration knows', () => {
    expect(runInfoSchema.properties.runtime.enum).toEqual(RUNTIMES);
    const model = runInfoSchema.properties.sim.properties.model.properties;
    expect(Object.fromEntries(Object.entries(model).map(([k, v]) => [k, v.enum]))).toEqual(SIM_MODELS);
  });

  it("holds the report tests' run.json, bare and with every optional part", () => {
    expect(validate(testRunInfo()), JSON.stringify(validate.errors)).toBe(true);
    const full = testRunInfo({
      runtime: 'sim',
      workload: { kind: 'synthetic', users: 2, tracks: 10, sessions: 3, plays: 9, playsScheduled: 9, startMs: 3_600_000, preRollMs: 0, zipfExponent: 1.01 },
      interrupted: false,
      clientsWithoutExit: [],
      variant: { name: 'base', text: 'the paper', protocol: { policies: {}, features: {}, params: {} }, faults: [] },
      warmup: { days: 7, rule: 'given', plays: 40, wallSeconds: 1, dailyCacheShare: [0, 12.5, 40] },
      sim: { model: { keepalives: 'lazy', search: 'flood' }, events: 10, wallSeconds: 0, eventsPerSecond: 100, heapUsedMB: 50, messages: { data: 4 } },
      finishedAt: '2026-11-25T01:00:00Z',
    });
    expect(validate(full), JSON.stringify(validate.errors)).toBe(true);
  });

  it('refuses a field it does not know, a missing one and a runtime that does not exist', () => {
    expect(validate({ ...testRunInfo(), extra: 1 })).toBe(false);
    const { runId: _, ...noId } = testRunInfo();
    expect(validate(noId)).toBe(false);
    expect(validate({ ...testRunInfo(), runtime: 'vm' })).toBe(false);
  });
});
