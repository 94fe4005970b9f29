import { describe, expect, it } from 'vitest';
import { type EngineFacts, engineFor, swarmProblems } from './swarm.ts';

const f = (host: string, o: Partial<EngineFacts> = {}): EngineFacts => ({ host, docker: `tcp://${host}:2376`, engineId: `E-${host}`, swarm: 'active', nodeId: `N-${host}`, manager: false, ...o });

describe('the swarm check before a testbed spans hosts', () => {
  it('passes one swarm with a manager among the hosts, and a single engine in no swarm at all', () => {
    expect(swarmProblems([f('a', { manager: true, swarmNodes: ['N-a', 'N-b', 'N-x'] }), f('b')])).toEqual([]);
    expect(swarmProblems([f('a', { swarm: 'inactive', nodeId: undefined })])).toEqual([]);
  });

  it('names each host that is unreachable, outside the swarm, or in another one, with what to do', () => {
    const p = swarmProblems([
      f('a', { manager: true, swarmNodes: ['N-a', 'N-b'] }),
      f('b'),
      f('c', { swarm: 'inactive', nodeId: undefined }),
      f('d', { nodeId: 'N-elsewhere' }),
      { host: 'e', docker: 'tcp://e:2376', error: 'connect ECONNREFUSED' },
    ]);
    expect(p).toHaveLength(3);
    expect(p[0]).toMatch(/^host e \(tcp:\/\/e:2376\): the engine did not answer \(connect ECONNREFUSED\)/);
    expect(p[1]).toMatch(/^host c: its engine is not in a swarm \(state inactive\); .*docker swarm init.*docker swarm join-token worker.*2377/);
    expect(p[2]).toMatch(/^host d is in another swarm than a/);
  });

  it('asks for a manager among the hosts, and refuses one engine named twice', () => {
    expect(swarmProblems([f('a'), f('b')])).toEqual([expect.stringMatching(/^no host is a swarm manager/)]);
    expect(swarmProblems([f('a', { manager: true, swarmNodes: ['N-a'] }), f('b', { engineId: 'E-a', nodeId: 'N-a' })])).toEqual([expect.stringMatching(/^hosts a and b are the same engine/)]);
  });

  it("refuses a swarm whose own networks lie in the testbed's address plan (Swarm's default pool is 10/8)", () => {
    const ingress = (subnet: string) => swarmProblems([f('a', { manager: true, swarmNodes: ['N-a', 'N-b'], swarmNetworks: [{ name: 'ingress', subnet }] }), f('b')]);
    expect(ingress('10.0.0.0/24')).toEqual([expect.stringMatching(/^the swarm's network ingress \(10\.0\.0\.0\/24\) lies in the testbed's 10\.0\.0\.0\/8: .*--default-addr-pool/)]);
    expect(ingress('172.24.0.0/24')).toEqual([]);
  });

  it('reaches an engine by a unix socket, TCP or SSH address', () => {
    const opts = (d: string) => (engineFor({ docker: d }, {}) as unknown as { modem: Record<string, unknown> }).modem;
    expect(opts('unix:///run/docker.sock').socketPath).toBe('/run/docker.sock');
    expect(opts('tcp://10.1.0.2:2376')).toMatchObject({ host: '10.1.0.2', port: 2376, protocol: 'http' });
    expect(opts('ssh://root@node3')).toMatchObject({ host: 'node3', protocol: 'ssh', username: 'root' });
  });
});
