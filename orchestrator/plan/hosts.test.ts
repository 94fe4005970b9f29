import { describe, expect, it } from 'vitest';
import type { DockerHost } from '../config/hosts.ts';
import { checkHosts } from '../config/hosts.ts';
import { loadTopology } from '../config/topology.ts';
import { inSubnet } from './addresses.ts';
import { isLocalEngine, PlacementError, placeOnHosts } from './hosts.ts';
import { checkPlan, planTopology, withPeers } from './plan.ts';
import type { Plan } from './types.ts';

const opts = { runId: 'abc123', resultsDir: '/tmp/r', image: 'img' };
const small = () => planTopology(loadTopology('topologies/small.yaml'), opts);
const local = 'unix:///var/run/docker.sock';
const host = (name: string, peers: number, o: Partial<DockerHost> = {}): DockerHost => ({ name, docker: name === 'a' ? local : `tcp://10.1.0.${name.charCodeAt(0)}:2376`, peers, ...o });

/** container name -> the host it is placed on */
const where = (p: Plan) => new Map(p.containers.map((c) => [c.name, c.host]));

describe('placement over several Docker hosts', () => {
  it('on one host: every container and network there, every network a bridge, the plan otherwise unchanged', () => {
    const plan = small();
    const placed = placeOnHosts(plan, [host('a', 100)]);
    expect(new Set(placed.containers.map((c) => c.host))).toEqual(new Set(['a']));
    expect(placed.networks.every((n) => n.scope === 'local' && n.hosts?.[0] === 'a')).toBe(true);
    expect(placed.hostRules).toHaveLength(plan.hostRules.length);
    expect(placed.containers.map(({ host: _, ...c }) => c)).toEqual(plan.containers);
    expect(checkPlan(placed)).toEqual([]);
  });

  it('keeps each home whole: a router, its outer router and its peers share a host with their LANs', () => {
    const placed = placeOnHosts(small(), [host('a', 6), host('b', 6)]);
    const on = where(placed);
    for (const n of placed.networks.filter((x) => x.kind === 'home')) {
      const attached = placed.containers.filter((c) => c.attachments.some((a) => a.network === n.name));
      expect(attached.length, n.name).toBeGreaterThanOrEqual(2);
      expect(new Set(attached.map((c) => on.get(c.name))).size, n.name).toBe(1);
      expect(n.scope, n.name).toBe('local');
      expect(n.hosts, n.name).toEqual([on.get(attached[0].name)]);
    }
    // 12 peers on two hosts of 6: full on both
    const peers = placed.containers.filter((c) => c.role === 'peer');
    expect(peers.filter((c) => c.host === 'a')).toHaveLength(6);
    expect(peers.filter((c) => c.host === 'b')).toHaveLength(6);
  });

  it('makes the WANs that homes on both hosts join Swarm overlays; the services stay bridges on the services host', () => {
    const placed = placeOnHosts(small(), [host('a', 6), host('b', 6, { services: true })]);
    for (const role of ['core', 'dc', 'dns']) for (const c of placed.containers.filter((x) => x.role === role)) expect(c.host, c.name).toBe('b');
    // SE's five peers fill most of a's quota of 6, GB straddles a and b, NO is on b. The core
    // (on b) joins every WAN, so SE's and GB's WANs are overlays and NO's a bridge on b
    const scope = Object.fromEntries(placed.networks.filter((n) => n.kind === 'wan').map((n) => [n.name.replace('tb-abc123-', ''), `${n.scope} ${n.hosts!.join(',')}`]));
    expect(scope).toEqual({ 'wan-se0': 'swarm a,b', 'wan-gb0': 'swarm a,b', 'wan-no0': 'local b' });
    for (const n of placed.networks.filter((x) => x.kind === 'dc' || x.kind === 'core')) expect([n.scope, n.hosts]).toEqual(['local', ['b']]);
    // an overlay is no bridge: no DOCKER-USER rule for it, and each bridge's rule goes to its host
    const overlays = new Set(placed.networks.filter((n) => n.scope === 'swarm').map((n) => n.bridge));
    expect(placed.hostRules.some((r) => overlays.has(r.args[1]))).toBe(false);
    for (const r of placed.hostRules) {
      const n = placed.networks.find((x) => x.bridge === r.args[1])!;
      expect(r.host, n.name).toBe(n.hosts![0]);
    }
    // each overlay leaves its last /27 to Swarm's own endpoints, and no planned address is there
    for (const n of placed.networks.filter((x) => x.scope === 'swarm')) {
      expect(n.swarmRange, n.name).toBe(n.subnet.replace(/\.0\/22$/, '').replace(/\.(\d+)$/, (_, o) => `.${Number(o) + 3}`) + '.224/27');
      for (const c of placed.containers) for (const a of c.attachments.filter((x) => x.network === n.name)) expect(inSubnet(a.ip, n.swarmRange!), c.name).toBe(false);
    }
    expect(placed.networks.filter((x) => x.scope === 'local').every((n) => n.swarmRange === undefined)).toBe(true);
  });

  it("spreads homes by capacity and keeps each country's homes on as few hosts as that allows", () => {
    const t = withPeers(loadTopology('topologies/paper-7.yaml'), 300);
    const placed = placeOnHosts(planTopology(t, opts), [host('a', 100), host('b', 200), host('c', 100)]);
    const peers = placed.containers.filter((c) => c.role === 'peer');
    const count = (h: string) => peers.filter((c) => c.host === h).length;
    // quotas 75 / 150 / 75 (capacity shares of 300); a home never splits, so a host is off by less than one home
    expect(Math.abs(count('a') - 75)).toBeLessThanOrEqual(t.peersPerHome);
    expect(Math.abs(count('b') - 150)).toBeLessThanOrEqual(t.peersPerHome);
    expect(Math.abs(count('c') - 75)).toBeLessThanOrEqual(t.peersPerHome);
    // no country has more peers than the smallest quota, so each sits on one host or straddles two
    for (const country of Object.keys(t.countries)) {
      const on = new Set(peers.filter((c) => c.meta.country === country).map((c) => c.host));
      expect(on.size, country).toBeLessThanOrEqual(2);
    }
    // so a WAN spans exactly its country's hosts and the services host (the core joins every WAN)
    const wanCountry = (name: string) =>
      name
        .replace(/^tb-abc123-wan-/, '')
        .slice(0, 2)
        .toUpperCase();
    for (const n of placed.networks.filter((x) => x.kind === 'wan')) {
      const expected = new Set([...peers.filter((c) => c.meta.country === wanCountry(n.name)).map((c) => c.host!), 'a']);
      expect(new Set(n.hosts), n.name).toEqual(expected);
      expect(n.scope, n.name).toBe(expected.size > 1 ? 'swarm' : 'local');
    }
    expect(checkPlan(placed)).toEqual([]);
  });

  it('refuses what the hosts cannot take, with the count and what each may take', () => {
    expect(() => placeOnHosts(small(), [host('a', 5), host('b', 5)])).toThrow(PlacementError);
    expect(() => placeOnHosts(small(), [host('a', 5), host('b', 5)])).toThrow(/12 peers; the hosts may take 10 \(a 5, b 5\)/);
    expect(() => placeOnHosts(small(), [])).toThrow(/no hosts/);
  });

  it('checks names, engine addresses and the one services host', () => {
    expect(checkHosts([host('a', 1), host('b', 1)])).toEqual([]);
    const bad = checkHosts([host('a', 1, { services: true }), { name: 'a', docker: 'http://x:1', peers: 1, services: true }]).map((p) => p.message);
    expect(bad).toEqual([
      'hosts[1]: the name "a" is used twice; each host needs its own',
      'hosts[1] (a): docker: "http://x:1" is not an engine address; valid: unix:///var/run/docker.sock, tcp://HOST:PORT, ssh://USER@HOST',
      'hosts: a and a both say services: true; the data centres, DNS and core run on one host',
    ]);
    for (const ok of ['unix:///run/docker.sock', 'tcp://node2:2376', 'ssh://root@node3']) expect(checkHosts([{ name: 'x', docker: ok, peers: 1 }]), ok).toEqual([]);
  });

  it('knows this engine by its socket', () => {
    expect(isLocalEngine({ docker: 'unix:///var/run/docker.sock' }, '/var/run/docker.sock')).toBe(true);
    expect(isLocalEngine({ docker: 'unix:///tmp/other.sock' }, '/var/run/docker.sock')).toBe(false);
    expect(isLocalEngine({ docker: 'tcp://127.0.0.1:2375' }, '/var/run/docker.sock')).toBe(false);
  });
});
