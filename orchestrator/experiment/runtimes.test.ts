import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../config/experiment.ts';
import { UserFacingError } from '../errors.ts';
import { sessionRuntime } from './runtimes.ts';

const quick = loadExperiment(path.resolve(import.meta.dirname, '../../experiments/quick.yaml'));

describe('the runtimes by name', () => {
  it('gives each runtime its session', async () => {
    for (const name of ['docker', 'local', 'sim']) expect((await sessionRuntime(name, quick)).name).toBe(name);
  });

  it('answers an unknown name with the valid ones', async () => {
    const err = await sessionRuntime('kubernetes', quick).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as Error).message).toBe('runtime "kubernetes" is not a runtime; valid: docker, sim, local');
  });

  it('refuses, before anything is made, a warm start where caches start empty', async () => {
    const warm = { ...quick, warmup: { days: 7 } };
    await expect(sessionRuntime('local', warm)).rejects.toThrow(/warmup: the local runtime starts every cache empty/);
    expect((await sessionRuntime('sim', warm)).name).toBe('sim');
  });

  it('refuses a drill anywhere but the local runtime', async () => {
    await expect(sessionRuntime('docker', quick, { restartDcs: true })).rejects.toThrow(/the docker runtime has no drill/);
    expect((await sessionRuntime('local', quick, { killPeers: 1 })).name).toBe('local');
  });
});
