import { describe, expect, it } from 'vitest';
import { rulesOfRun } from '../docker/firewall.ts';
import { checkRunId, newRunId } from './run-id.ts';

describe('run ids', () => {
  it('are checked by one rule before anything happens', () => {
    expect(checkRunId('ab12')).toBe('ab12');
    expect(checkRunId(newRunId())).toMatch(/^[a-z0-9]{6}$/);
    for (const bad of ['.*', '../x', 'abc', 'ABCD', 'abcdefghi', 'ab 12', 'ab12\n']) expect(() => checkRunId(bad), bad).toThrow(/is not valid: a run id is 4 to 8 lower-case letters or digits/);
  });

  it("match firewall rules literally: another run's rules are never taken", () => {
    const lines = [
      '-N DOCKER-USER',
      '-A DOCKER-USER -i tbabcd0 -o tbabcd0 -m comment --comment "tb:abcd" -j ACCEPT',
      '-A DOCKER-USER -i tbabcdef0 -o tbabcdef0 -m comment --comment tb:abcdef -j ACCEPT',
      '-A DOCKER-USER -j RETURN',
    ];
    expect(rulesOfRun(lines, 'abcd')).toEqual([['-D', 'DOCKER-USER', '-i', 'tbabcd0', '-o', 'tbabcd0', '-m', 'comment', '--comment', 'tb:abcd', '-j', 'ACCEPT']]);
    expect(rulesOfRun(lines, '.*')).toEqual([]);
    expect(rulesOfRun(lines, 'abc.')).toEqual([]);
    expect(rulesOfRun(lines, 'all')).toHaveLength(2);
  });
});
