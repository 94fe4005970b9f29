// A run spread over hosts, one of which does not answer: `down` and `status` name that host and
// what is left there, instead of skipping it. The address is a closed port on loopback, so no
// engine is needed.
import { describe, expect, it } from 'vitest';
import { requireSwarm } from '../docker/swarm.ts';
import { DockerRuntime } from './docker/index.ts';
import { DownIncompleteError } from './types.ts';

const gone = [{ name: 'b', docker: 'tcp://127.0.0.1:1', peers: 10 }];

describe('a host that cannot be reached', () => {
  it('is named by down, with how to finish the job, and nothing is counted as removed there', async () => {
    const err = await new DockerRuntime(gone).down('abcd').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownIncompleteError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/host b \(tcp:\/\/127\.0\.0\.1:1\): the engine did not answer \(.*ECONNREFUSED.*\); .*what the run has there is left/);
    // the hosts file to give again, since this machine may no longer hold the labels that name them
    expect(msg).toMatch(/run `npx testbed down abcd --hosts FILE` again, FILE holding its hosts/);
    expect(msg).toContain('hosts:\n  - { name: b, docker: "tcp://127.0.0.1:1", peers: 10 }');
  });

  it('is named by status rather than counted as empty', async () => {
    const runs = await new DockerRuntime(gone).status('abcd');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: 'abcd', networks: 0, roles: {} });
    expect(runs[0].unreachable).toEqual([expect.stringMatching(/^host b \(tcp:\/\/127\.0\.0\.1:1\): the engine did not answer/)]);
  });

  it('stops up and run before anything is made, naming each host and the services host that is not this machine', async () => {
    const err = await requireSwarm([
      { name: 'a', docker: 'tcp://127.0.0.1:1', peers: 10, services: true },
      { name: 'b', docker: 'tcp://127.0.0.1:2', peers: 10 },
    ]).catch((e: unknown) => e as Error);
    expect(err?.message).toMatch(/^the hosts are not ready for a testbed that spans them:/);
    expect(err?.message).toMatch(/host a \(tcp:\/\/127\.0\.0\.1:1\): the engine did not answer/);
    expect(err?.message).toMatch(/host b \(tcp:\/\/127\.0\.0\.1:2\): the engine did not answer/);
    expect(err?.message).toMatch(/the services host a \(tcp:\/\/127\.0\.0\.1:1\) is not this machine's engine .*services: true/);
    await expect(requireSwarm([{ name: 'a', docker: 'tcp://127.0.0.1:1', peers: 10 }])).resolves.toBeUndefined();
  });
});
