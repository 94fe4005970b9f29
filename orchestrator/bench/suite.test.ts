import { describe, expect, it } from 'vitest';
import { defaultSuite, isCI } from './suite.ts';

const benchmarks = {
  protocol: { docker: false },
  docker: { docker: true },
  'docker-scale': { docker: true, heavy: true },
  sim: { docker: false },
  'sim-scale': { docker: false, heavy: true },
};

describe('the default benchmark suite', () => {
  it('runs every benchmark that is not heavy, the Docker one included, when the engine answers', () => {
    for (const ci of [false, true]) expect(defaultSuite(benchmarks, null, ci)).toEqual({ names: ['protocol', 'docker', 'sim'], skipped: null });
  });

  it('on a machine without an engine skips the Docker benchmark and says so', () => {
    const s = defaultSuite(benchmarks, 'connect ENOENT /var/run/docker.sock', false);
    expect(s.names).toEqual(['protocol', 'sim']);
    expect(s.skipped).toMatch(/^SKIPPING docker: no Docker engine.*ENOENT/);
  });

  it('in CI fails rather than skip when the engine is missing', () => {
    expect(() => defaultSuite(benchmarks, 'connect ENOENT /var/run/docker.sock', true)).toThrow(/CI.*docker.*ENOENT/);
  });

  it('needs no engine when no default benchmark uses Docker', () => {
    expect(defaultSuite({ protocol: { docker: false }, big: { docker: true, heavy: true } }, 'no engine', true)).toEqual({ names: ['protocol'], skipped: null });
  });

  it('reads CI as GitHub Actions and .ci/run set it', () => {
    expect(isCI({ CI: 'true' })).toBe(true);
    expect(isCI({ CI: '1' })).toBe(true);
    expect(isCI({ CI: 'false' })).toBe(false);
    expect(isCI({ CI: '0' })).toBe(false);
    expect(isCI({})).toBe(false);
  });
});
