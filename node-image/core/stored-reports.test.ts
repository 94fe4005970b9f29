import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.ts';
import { StoredReports } from './stored-reports.ts';

describe('the reports a data centre has stored', () => {
  it('answers as a set of every (client, seq) would, whatever the order they arrive in', () => {
    const random = seededRandom(7);
    const s = new StoredReports();
    const truth = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      // mostly in order per client, with jumps (the other site had some) and re-sends
      const c = `c${Math.floor(random() * 5)}`;
      const seq = Math.floor(random() * 400);
      s.add(c, seq);
      truth.add(`${c}/${seq}`);
    }
    for (let c = 0; c < 6; c++) for (let seq = 0; seq < 410; seq++) expect(s.has(`c${c}`, seq), `c${c}/${seq}`).toBe(truth.has(`c${c}/${seq}`));
  });

  it('holds one run per client for reports in order, however many: memory grows with clients, not reports', () => {
    const s = new StoredReports();
    for (let seq = 0; seq < 100_000; seq++) for (const c of ['a', 'b', 'c']) s.add(c, seq);
    expect(s.clients).toBe(3);
    expect(s.size).toBe(3);
    expect(s.has('a', 99_999)).toBe(true);
    expect(s.has('a', 100_000)).toBe(false);
  });

  it('a client that went to the other site and back leaves two runs, merged when the gap is filled', () => {
    const s = new StoredReports();
    for (const seq of [0, 1, 2, 6, 7]) s.add('x', seq);
    expect(s.size).toBe(2);
    expect(s.has('x', 4)).toBe(false);
    for (const seq of [5, 3, 4]) s.add('x', seq);
    expect(s.size).toBe(1);
    expect([0, 7, 8].map((q) => s.has('x', q))).toEqual([true, true, false]);
  });

  it("is rebuilt from the sink's keys after a restart; client ids may hold a slash, bad keys are passed over", () => {
    const s = new StoredReports(['a/b-1/0', 'a/b-1/1', 'c/3', 'torn', 'd/x']);
    expect(s.has('a/b-1', 1)).toBe(true);
    expect(s.has('c', 3)).toBe(true);
    expect(s.has('c', 2)).toBe(false);
    expect(s.clients).toBe(2);
  });
});
