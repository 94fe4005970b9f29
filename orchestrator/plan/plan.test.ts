import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseClientArgs, parseDcArgs } from '../../node-image/contract.ts';
import { resolveProtocol } from '../../node-image/core/policies.ts';
import { dcSeed, peerSeed } from '../../node-image/core/random.ts';
import { formatScript } from '../../node-image/core/script-runner.ts';
import { loadTopology, parseTopology } from '../config/topology.ts';
import { apportion, checkPlan, placePeers, plannedPeers, planTopology } from './plan.ts';

const opts = { runId: 'abc123', resultsDir: '/tmp/r', image: 'img' };

describe('planner', () => {
  it('every shipped topology plans without a problem, or is refused by name as past one engine (for the simulation only)', () => {
    const tooLarge: string[] = [];
    for (const f of fs.readdirSync('topologies').filter((x) => x.endsWith('.yaml'))) {
      const t = loadTopology(`topologies/${f}`);
      let plan: ReturnType<typeof planTopology>;
      try {
        plan = planTopology(t, opts);
      } catch (err) {
        expect((err as Error).message, f).toMatch(new RegExp(`^topology ${t.name} needs about \\d+ home networks; one Docker engine here takes at most`));
        // the simulated runtime places its peers all the same
        expect(placePeers(t)).toHaveLength(Object.values(t.countries).reduce((n, c) => n + c.peers, 0));
        tooLarge.push(f);
        continue;
      }
      expect(checkPlan(plan), f).toEqual([]);
    }
    expect(tooLarge).toEqual(['paper-7-10k.yaml']);
  });

  it('follows Table II on a large population and makes mobile peers public', () => {
    const t = parseTopology('name: t\nseed: 3\ncountries:\n  GB: { peers: 1000 }\n');
    const ps = placePeers(t);
    const share = (c: string) => ps.filter((p) => p.category === c).length / ps.length;
    expect(share('upnp')).toBeCloseTo(0.3887, 2);
    expect(share('mismatch')).toBeCloseTo(0.1159, 2);
    expect(share('noNat')).toBeCloseTo(0.1168, 2);
    expect(ps.filter((p) => p.access === 'mobile').every((p) => p.category === 'noNat')).toBe(true);
  });

  it('is deterministic for a seed and differs for another', () => {
    const t = parseTopology('name: t\nseed: 3\ncountries:\n  SE: { peers: 40 }\n');
    const a = JSON.stringify(planTopology(t, opts));
    expect(JSON.stringify(planTopology(t, opts))).toBe(a);
    expect(JSON.stringify(planTopology({ ...t, seed: 4 }, opts))).not.toBe(a);
  });

  it('splits a large country over several WAN networks to stay under Docker endpoint limits', () => {
    const t = parseTopology('name: t\ncountries:\n  SE: { peers: 2000 }\n');
    const plan = planTopology(t, opts);
    expect(plan.networks.filter((n) => n.kind === 'wan').length).toBeGreaterThanOrEqual(3);
    expect(checkPlan(plan)).toEqual([]);
  });

  it('wires a double NAT as two routers and never routes via a Docker bridge address', () => {
    const t = parseTopology('name: t\ncountries:\n  NL:\n    peers: 1\n    routers: { private: 1 }\n');
    const plan = planTopology(t, opts);
    const routers = plan.containers.filter((c) => c.role === 'router');
    expect(routers).toHaveLength(2);
    const inner = routers.find((r) => !r.meta.outer)!;
    expect(inner.attachments[0].ip).toMatch(/^100\.64\./);
    expect(inner.cmd).toContain('upnp');
    expect(plan.hostRules).toHaveLength(plan.networks.length);
    expect(plan.hostRules.every((r) => r.args.join(' ').includes('--comment tb:abc123'))).toBe(true);
  });

  it("labels every container with the plan's count per role, so status can tell an unfinished up", () => {
    const plan = planTopology(loadTopology('topologies/small.yaml'), opts);
    const counts: Record<string, number> = {};
    for (const c of plan.containers) counts[c.role] = (counts[c.role] ?? 0) + 1;
    expect(counts.peer).toBe(12);
    for (const c of plan.containers) expect(JSON.parse(c.labels['testbed.planned'])).toEqual(counts);
  });

  it('refuses a topology that needs more networks than one engine holds, with what would fit', () => {
    const countries = Object.fromEntries(['SE', 'FI', 'NO', 'GB', 'FR'].map((c) => [c, `{ peers: 1000, routers: { noNat: 0, upnp: 1, mismatch: 0, private: 0 } }`]));
    const text = `name: huge\ncountries:\n${Object.entries(countries)
      .map(([c, v]) => `  ${c}: ${v}`)
      .join('\n')}\n`;
    expect(() => planTopology(parseTopology(text, 'huge.yaml'), opts)).toThrow(/topology huge needs about 5000 home networks; one Docker engine here takes at most 4000 .*\(peersPerHome\)/);
  });

  it("holds a repetition's workload scripts, made for the peers it names before planning", () => {
    const t = loadTopology('topologies/small.yaml');
    const peers = plannedPeers(t, opts.runId);
    const scripts = new Map(
      peers.map((p, i) => [
        p.name,
        [
          { t: i, action: 'login' as const, user: `u${i}`, country: p.country, quality: 'q5' as const },
          { t: i + 1, action: 'logout' as const },
        ],
      ]),
    );
    // one peer without a script gets an empty one
    scripts.delete(peers[0].name);
    const plan = planTopology(t, { ...opts, repetition: { seed: 7, control: '/tmp/r/control', scripts } });
    const planned = plan.containers.filter((c) => c.role === 'peer');
    expect(peers).toEqual(planned.map((c) => ({ name: c.name, country: String(c.meta.country) })));
    for (const c of planned) {
      const f = plan.files.find((x) => x.host === `/tmp/r/scripts/${c.name}.jsonl`)!;
      expect(f.content).toBe(formatScript(scripts.get(c.name) ?? []));
    }
    // without a repetition's scripts (testbed up), each peer logs in and stays
    expect(planTopology(t, opts).files.find((x) => x.host.endsWith(`/${peers[0].name}.jsonl`))!.content).toMatch(/"action":"login"/);
  });

  it("gives the programs command lines they read back, with a repetition's seeds, start file and data-centre faults", () => {
    const t = loadTopology('topologies/small.yaml');
    const protocol = resolveProtocol({ params: { chunkBytes: 4096 } });
    const faults = [{ kind: 'dc-outage' as const, atMs: 1000, forMs: 2000 }];
    const plan = planTopology(t, { ...opts, timeScale: 60, protocol, repetition: { seed: 7, control: '/tmp/r/control', dcFaults: faults } });
    const control = { host: '/tmp/r/control', container: '/run/control', readOnly: true };
    const argsOf = (cmd: string[]) => cmd.slice(2);
    for (const c of plan.containers.filter((x) => x.role === 'peer')) {
      expect(c.cmd.slice(0, 2)).toEqual(['node', '/app/node-image/client/main.js']);
      const a = parseClientArgs(argsOf(c.cmd));
      expect(a).toMatchObject({ name: c.name, script: '/run/script.jsonl', timeScale: 60, upnp: true, startFile: '/run/control/start', seed: peerSeed(7, String(c.meta.peer)) });
      expect(a.protocol).toEqual(protocol);
      expect(c.mounts).toContainEqual(control);
    }
    const dcs = plan.containers.filter((x) => x.role === 'dc');
    expect(dcs.map((c) => parseDcArgs(argsOf(c.cmd)))).toEqual(
      ['stockholm', 'london'].map((name, i) => ({
        name,
        listen: { host: '0.0.0.0', port: 4070 },
        sink: '/data/reports.jsonl',
        timeScale: 60,
        protocol,
        seed: dcSeed(7, i),
        faults,
        startFile: '/run/control/start',
      })),
    );
    for (const c of dcs) expect(c.mounts).toContainEqual(control);
    // without faults the data centres still read the start file: their host-load measurement starts at the workload's start
    const plain = planTopology(t, { ...opts, timeScale: 60, protocol, repetition: { seed: 7, control: '/tmp/r/control' } });
    for (const c of plain.containers.filter((x) => x.role === 'dc')) {
      const a = parseDcArgs(argsOf(c.cmd));
      expect(a.startFile).toBe('/run/control/start');
      expect(a.faults).toBeUndefined();
      expect(c.mounts).toContainEqual(control);
    }
    // `testbed up`: no repetition, so no seeds, start file or control folder
    const up = planTopology(t, opts);
    for (const c of up.containers.filter((x) => x.role === 'peer' || x.role === 'dc')) {
      const a = c.role === 'dc' ? parseDcArgs(argsOf(c.cmd)) : parseClientArgs(argsOf(c.cmd));
      expect(a.seed).toBeUndefined();
      expect(a.startFile).toBeUndefined();
      expect(c.mounts.some((m) => m.container === '/run/control')).toBe(false);
    }
  });

  it('apportions counts that add up', () => {
    expect(apportion(5, { a: 0.2, b: 0.2, c: 0.6 })).toEqual({ a: 1, b: 1, c: 3 });
    expect(Object.values(apportion(7, { a: 1 / 3, b: 1 / 3, c: 1 / 3 })).reduce((x, y) => x + y)).toBe(7);
  });

  it('finds overlapping networks, also one that holds others far apart in the address order', () => {
    const plan = planTopology(loadTopology('topologies/small.yaml'), opts);
    const home = plan.networks.filter((n) => n.kind === 'home' && n.subnet.startsWith('10.'));
    const wide = { ...home[0], name: 'wide', bridge: 'wide', subnet: `${home[0].subnet.split('/')[0]}/16` };
    const problems = checkPlan({ ...plan, networks: [...plan.networks, wide] });
    // the /16 holds every home LAN of the plan, and nothing else overlaps
    expect(home.length).toBeGreaterThan(5);
    expect(problems).toHaveLength(home.length);
    for (const n of home)
      expect(
        problems.some((p) => p.includes(n.name) && p.includes('wide') && p.includes('overlap')),
        n.name,
      ).toBe(true);
  });
});
