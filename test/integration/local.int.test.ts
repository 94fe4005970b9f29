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

  it('names clients that die mid-run, counts what they generated, keeps what was collected, and fails', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', '5', '--plays', '25', '--tracks', '8', '--time-scale', '40', '--kill-clients', '2', '--json'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.valid).toBe(false);
    expect(s.clientsDied).toEqual(['c0 (signal SIGKILL)', 'c1 (signal SIGKILL)']);
    expect(s.problems[0]).toMatch(/2 clients died before their exit record: c0/);
    expect(s.playsScheduled).toBe(25);
    expect(s.plays).toBeGreaterThan(0);
    expect(s.plays).toBeLessThan(25);
    // what the dead clients generated is counted from the sink, so the figures agree with it
    expect(s.reportsGenerated).toBeGreaterThan(s.plays);
  }, 240_000);

  it('refuses parameters that cannot work before anything starts', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--params', '{"chunkBytes":0}'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/--params: protocol parameter "chunkBytes" must be a whole number > 0, got 0/);
  });

  it('rejects bad flags with a message naming the flag', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', 'many'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/--clients must be a whole number/);
  });
});
