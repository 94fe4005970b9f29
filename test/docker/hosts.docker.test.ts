// A testbed placed on several Docker hosts: before anything is made, `up` asks every engine
// whether they form one swarm, and names what is missing (docs/multi-host.md). Against this
// machine's real engine and an address nothing answers at.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { engine, socketPath } from '../../orchestrator/docker/engine.ts';
import { engineFacts } from '../../orchestrator/docker/swarm.ts';
import { LABEL_RUN } from '../../orchestrator/plan/types.ts';

describe('up over several hosts', () => {
  it('checks every engine first, names what is missing and creates nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-hosts-'));
    const file = path.join(dir, 'hosts.yaml');
    fs.writeFileSync(file, `hosts:\n  - { name: a, docker: "unix://${socketPath()}", peers: 8 }\n  - { name: b, docker: "tcp://127.0.0.1:1", peers: 8 }\n`);
    const [here] = await engineFacts([{ name: 'a', docker: `unix://${socketPath()}`, peers: 8 }]);
    expect(here.error).toBeUndefined();
    expect(here.engineId).toBeTruthy();
    const run = `h${Date.now().toString(36).slice(-5)}`;
    const r = await execa(process.execPath, ['bin/testbed.js', 'up', 'small', '--hosts', file, '--run-id', run, '--results', dir], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('the hosts are not ready for a testbed that spans them');
    expect(r.stderr).toMatch(/host b \(tcp:\/\/127\.0\.0\.1:1\): the engine did not answer \(connect ECONNREFUSED/);
    // this machine's engine is in no swarm unless someone made one
    if (here.swarm !== 'active') expect(r.stderr).toMatch(/host a: its engine is not in a swarm \(state inactive\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const d = engine();
    expect(await d.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } })).toHaveLength(0);
    expect(await d.listNetworks({ filters: { label: [`${LABEL_RUN}=${run}`] } })).toHaveLength(0);
    expect(fs.existsSync(path.join(dir, run))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
