// `testbed local` end to end: separate processes on loopback, a data-centre kill and restart
// mid-run, and the summary computed from the sink's reports.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

describe('testbed local', () => {
  it('offloads to peers, loses no report and corrupts no byte across a data-centre restart', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', '6', '--plays', '30', '--tracks', '8', '--time-scale', '40', '--restart-dc', '--json'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.plays).toBe(30);
    expect(s.shares.server + s.shares.p2p + s.shares.cache).toBeCloseTo(1, 6);
    expect(s.shares.p2p).toBeGreaterThan(0.05);
    expect(s.integrityFailures).toBe(0);
    expect(s.reportsLost).toBe(0);
    expect(s.reportsGenerated).toBeGreaterThan(30);
    expect(s.dcRestarts).toBe(1);
    expect(s.latencyMs.p50).not.toBeNull();
    expect(r.stderr).toMatch(/killing the data centre/);
  }, 240_000);

  it('rejects bad flags with a message naming the flag', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', 'many'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/--clients must be a whole number/);
  });
});
