import { describe, expect, it } from 'vitest';
import { LABEL_RUN } from '../plan/types.ts';
import { explainOverlap, type NetworkHandle, removeNetwork, untilGone } from './networks.ts';

const dockerError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

/** a network that dockerd refuses to remove while it still holds the given endpoints */
function network(endpoints: Record<string, { Name?: string }>, o: { releasesBy?: 'disconnect' | 'never' } = {}) {
  const calls = { remove: 0, disconnected: [] as string[] };
  const handle: NetworkHandle = {
    async remove() {
      calls.remove++;
      if (Object.keys(endpoints).length) throw dockerError(403, `error while removing network: network tb-x-wan-se0 id 1f7e has active endpoints`);
    },
    async inspect() {
      return { Containers: { ...endpoints } };
    },
    async disconnect({ Container, Force }) {
      if (!Force) throw new Error('only a forced disconnect removes a stale endpoint');
      calls.disconnected.push(Container);
      if (o.releasesBy === 'never') return;
      // dockerd finds the endpoint of a removed container only by its name
      for (const [k, ep] of Object.entries(endpoints)) if (ep.Name === Container) delete endpoints[k];
    },
  };
  return { handle, calls };
}

describe('removeNetwork', () => {
  it('disconnects endpoints that dockerd kept for removed containers, by name, then removes the network', async () => {
    const seen: string[][] = [];
    const { handle, calls } = network({ 'ep-5ab1': { Name: 'tb-x-router-se-003' } });
    await removeNetwork(handle, { waitMs: 1, onStale: (eps) => seen.push(eps) });
    expect(calls.disconnected).toEqual(['tb-x-router-se-003']);
    expect(calls.remove).toBe(2);
    expect(seen).toEqual([['tb-x-router-se-003']]);
  });

  it("gives up after its attempts with dockerd's own error", async () => {
    const { handle, calls } = network({ 'ep-5ab1': { Name: 'tb-x-peer-1' } }, { releasesBy: 'never' });
    await expect(removeNetwork(handle, { attempts: 3, waitMs: 1 })).rejects.toThrow(/active endpoints/);
    expect(calls.remove).toBe(3);
  });

  it('says the endpoint count is off when dockerd refuses but lists no endpoint', async () => {
    const { handle } = network({});
    handle.remove = async () => {
      throw dockerError(403, 'error while removing network: network tb-x-wan-se0 id 1f7e has active endpoints');
    };
    await expect(removeNetwork(handle, { attempts: 2, waitMs: 1 })).rejects.toThrow(/lists none: dockerd's endpoint count .* restarting dockerd/);
  });

  it('waits for an overlay that the swarm still holds by an attachment task, without disconnecting anything', async () => {
    let removes = 0;
    const overlay: NetworkHandle = {
      remove: async () => {
        if (++removes < 3) throw dockerError(400, 'rpc error: code = FailedPrecondition desc = network p896 is in use by task nq5b');
      },
      inspect: async () => ({}),
      disconnect: async () => {
        throw new Error('nothing to disconnect on an overlay');
      },
    };
    await removeNetwork(overlay, { waitMs: 1 });
    expect(removes).toBe(3);
    removes = -10;
    await expect(removeNetwork(overlay, { attempts: 2, waitMs: 1 })).rejects.toThrow(/in use by task/);
  });

  it('treats a network already gone as removed and passes other errors through at once', async () => {
    let removes = 0;
    const gone: NetworkHandle = {
      remove: async () => {
        removes++;
        throw dockerError(404, 'no such network');
      },
      inspect: async () => ({}),
      disconnect: async () => ({}),
    };
    await removeNetwork(gone, { waitMs: 1 });
    const broken: NetworkHandle = {
      ...gone,
      remove: async () => {
        removes++;
        throw dockerError(500, 'daemon is shutting down');
      },
    };
    await expect(removeNetwork(broken, { waitMs: 1 })).rejects.toThrow(/shutting down/);
    expect(removes).toBe(2);
  });
});

describe('explainOverlap', () => {
  const want = { name: 'tb-new-wan-se0', subnet: '198.18.0.0/22' };
  it('names a network left by an earlier run and the command that removes it', () => {
    const err = explainOverlap(want, [
      { Name: 'bridge', IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] } },
      { Name: 'tb-old-wan-se0', Labels: { [LABEL_RUN]: 'old' }, IPAM: { Config: [{ Subnet: '198.18.0.0/22' }] } },
    ]);
    expect(err?.message).toMatch(/tb-new-wan-se0 \(198\.18\.0\.0\/22\): network tb-old-wan-se0 already uses 198\.18\.0\.0\/22/);
    expect(err?.message).toContain('npx testbed down old');
  });

  it('says when the address space is held by a network the testbed did not make, and finds nothing when nothing overlaps', () => {
    expect(explainOverlap(want, [{ Name: 'lab', IPAM: { Config: [{ Subnet: '198.18.2.0/24' }] } }])?.message).toMatch(/lab already uses 198\.18\.2\.0\/24; it is not the testbed's/);
    expect(explainOverlap(want, [{ Name: 'lab', IPAM: { Config: [{ Subnet: '198.18.4.0/24' }, { Subnet: 'fd00::/64' }] } }])).toBeNull();
  });
});

describe('untilGone', () => {
  it('asks again until the list is empty (a worker dropping its copy of an overlay)', async () => {
    let asked = 0;
    const left = await untilGone(async () => (++asked < 3 ? ['tb-x-backbone'] : []), 10_000, { stepMs: 1 });
    expect(left).toEqual([]);
    expect(asked).toBe(3);
  });

  it('returns what is still listed once the time is up', async () => {
    let t = 0;
    let asked = 0;
    const left = await untilGone(
      async () => {
        asked++;
        t += 400;
        return ['tb-x-backbone'];
      },
      1000,
      { stepMs: 1, now: () => t },
    );
    expect(left).toEqual(['tb-x-backbone']);
    expect(asked).toBe(3);
  });
});
