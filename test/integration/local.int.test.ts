// `testbed local` end to end: experiments/local.yaml on the local runtime, separate processes on
// loopback, the drill's data-centre kill and restart and client kills mid-run, the run's summary
// on stdout, and nothing left behind.
import fs from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

/** the temporary folders of `testbed local` there now */
const folders = () => new Set(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('tb-local-') && !d.startsWith('tb-local-run-') && !d.startsWith('tb-local-test-')));

describe('testbed local', () => {
  it('offloads to peers, loses no report and corrupts no byte across a data-centre restart', async () => {
    const before = folders();
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', '6', '--duration', '30min', '--tracks', '8', '--time-scale', '40', '--restart-dc', '--json'], {
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.valid).toBe(true);
    expect(s.peers).toBe(6);
    expect(s.plays).toBeGreaterThan(5);
    // every scheduled play was played and reported, across the restart
    expect(s.plays).toBe(s.playAccounting.scheduled);
    expect(s.shares.server + s.shares.p2p + s.shares.cache).toBeCloseTo(1, 6);
    expect(s.shares.p2p + s.shares.cache).toBeGreaterThan(0.05);
    expect(s.integrityFailures).toBe(0);
    expect(s.reportsLost).toBe(0);
    expect(s.latencyMs.p50).not.toBeNull();
    expect(s.notes.join('\n')).toMatch(/drill: the data centres stockholm, london were killed \(SIGKILL\) .* and restarted/);
    expect(r.stderr).toMatch(/drill: killing the data centres/);
    // the temporary folder goes with the run
    expect([...folders()].filter((d) => !before.has(d))).toEqual([]);
  }, 240_000);

  it('names clients that die mid-run, keeps what was collected, and fails', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', '5', '--duration', '30min', '--tracks', '8', '--time-scale', '40', '--kill-clients', '2', '--json'], {
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.valid).toBe(false);
    const killed = /drill: killing peers (se-\d+), (se-\d+) \(SIGKILL\)/.exec(r.stderr);
    expect(killed, r.stderr).not.toBeNull();
    expect(s.problems[0]).toBe(`2 peers ended without their exit record (died or stopped): ${killed![1]}, ${killed![2]}`);
    expect(s.plays).toBeGreaterThan(0);
    expect(s.plays).toBeLessThan(s.playAccounting.scheduled);
  }, 240_000);

  it('refuses parameters that cannot work before anything starts', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--params', '{"chunkBytes":0}'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/--params: protocol parameter "chunkBytes" must be a whole number > 0, got 0/);
  });

  it('rejects bad flags with a message naming the flag, and says what replaced --plays', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', 'many'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/--clients must be a whole number/);
    const plays = await execa(process.execPath, ['bin/testbed.js', 'local', '--plays', '300'], { reject: false });
    expect(plays.exitCode).not.toBe(0);
    expect(plays.stderr).toMatch(/--plays is gone: .* give --duration/);
    const kill = await execa(process.execPath, ['bin/testbed.js', 'local', '--clients', '3', '--kill-clients', '3'], { reject: false });
    expect(kill.exitCode).not.toBe(0);
    expect(kill.stderr).toMatch(/--kill-clients must be below --clients \(3\)/);
  });
});
