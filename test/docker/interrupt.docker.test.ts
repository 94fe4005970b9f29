// Ctrl-C during `testbed up` removes everything the run had created, and a bad `down` call says
// what is valid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { engine } from '../../orchestrator/docker/engine.ts';
import { LABEL_RUN } from '../../orchestrator/plan/types.ts';

describe('testbed up interrupted', () => {
  it('leaves no container, network or host rule behind', async () => {
    const run = `i${Date.now().toString(36).slice(-5)}`;
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-interrupt-'));
    onTestFinished(() => fs.rmSync(results, { recursive: true, force: true }));
    const up = execa(process.execPath, ['bin/testbed.js', 'up', 'topologies/small.yaml', '--run-id', run, '--results', results], { reject: false });
    let err = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`up never started containers:\n${err}`)), 300_000);
      up.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        if (/ready: .*router [1-9]/.test(err)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    up.kill('SIGINT');
    const r = await up;
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/interrupted/);
    const d = engine();
    expect(await d.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } })).toHaveLength(0);
    expect(await d.listNetworks({ filters: { label: [`${LABEL_RUN}=${run}`] } })).toHaveLength(0);
    expect((await execa('iptables', ['-S', 'DOCKER-USER'])).stdout).not.toContain(`tb:${run}`);
  }, 600_000);

  it('down without a run id names what is valid', async () => {
    const r = await execa(process.execPath, ['bin/testbed.js', 'down'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/name a run id .* or give --all/);
  });
});
