import { describe, expect, it } from 'vitest';
import { CLOSED, QueryMemory } from './search.ts';

describe('QueryMemory', () => {
  it('drops a query id it has seen and forgets the oldest past its size', () => {
    const m = new QueryMemory<string>(2);
    expect(m.remember('a', 'n1')).toBe(true);
    expect(m.remember('a', 'n2')).toBe(false);
    expect(m.cameFrom('a')).toBe('n1');
    m.remember('b', null);
    m.remember('c', 'n1');
    expect(m.cameFrom('a')).toBeUndefined();
    expect(m.cameFrom('b')).toBeNull();
  });

  it('lets go of a closed link but still knows its queries as seen, in the same order', () => {
    const link = { id: 'n1' };
    const other = { id: 'n2' };
    const m = new QueryMemory<{ id: string }>(3);
    m.remember('q1', link);
    m.remember('q2', other);
    m.remember('q3', link);
    m.release(link);
    expect(m.cameFrom('q1')).toBe(CLOSED);
    expect(m.cameFrom('q3')).toBe(CLOSED);
    expect(m.cameFrom('q2')).toBe(other);
    // still duplicates
    expect(m.remember('q1', other)).toBe(false);
    // releasing did not move q1 to the back: it is still the first forgotten
    m.remember('q4', other);
    expect(m.cameFrom('q1')).toBeUndefined();
    expect(m.cameFrom('q3')).toBe(CLOSED);
  });
});
