// A real small testbed in Docker (topologies/small.yaml): both data centres, every router
// category, a few peers each. Checks logins and data-centre choice, NAT categories as the
// servers see them, a UPnP mapping reachable from outside, connection reversal to a peer behind
// a NAT without UPnP, shaped link rates, and that `down` leaves nothing behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../../orchestrator/docker/engine.ts';
import { ensureImages } from '../../orchestrator/image/build.ts';
import { checkLinks } from '../../orchestrator/linkcheck/linkcheck.ts';
import { planFromFile } from '../../orchestrator/plan/index.ts';
import { type ContainerPlan, LABEL_RUN, type Plan } from '../../orchestrator/plan/types.ts';
import { DockerRuntime } from '../../orchestrator/runtime/docker/index.ts';
import { expectLogins, expectReversedStream, peerOf, probe, requireEngine, routerOf, shareTrack, wanIp } from './fixtures/small-testbed.ts';

const run = `t${Date.now().toString(36).slice(-5)}`;
const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-docker-test-'));
const rt = new DockerRuntime();
let plan: Plan;
const SCALE = 20;

const peer = (country: string, category: string) => peerOf(plan, country, category);
const router = (p: ContainerPlan) => routerOf(plan, p);

beforeAll(async () => {
  await requireEngine();
  const images = await ensureImages((l) => process.stderr.write(l + '\n'));
  plan = planFromFile('topologies/small.yaml', { runId: run, resultsDir: results, image: images.node, timeScale: SCALE });
  shareTrack(plan);
  await rt.apply(plan, { readyTimeoutMs: 180_000 });
}, 900_000);

afterAll(async () => {
  await rt.down(run);
  fs.rmSync(results, { recursive: true, force: true });
});

describe('a small Docker testbed', () => {
  it('logs every peer in at the data centre its country is sent to, seen from its public address', async () => {
    await expectLogins(plan, results);
  });

  it('forwards a UPnP mapping from outside the router, and nothing through a router without UPnP', async () => {
    const outside = peer('SE', 'noNat');
    const open = await rt.exec(outside.name, ['node', '-e', probe(wanIp(router(peer('SE', 'upnp'))), 4100, 'open')]);
    expect(open.stdout.trim()).toBe('open');
    const shut = await rt.exec(outside.name, ['node', '-e', probe(wanIp(router(peer('SE', 'noUpnp'))), 4100, 'open')]);
    expect(shut.stdout.trim()).toBe('closed');
  });

  it('reaches a peer behind a NAT without UPnP by connection reversal and streams from it', async () => {
    await expectReversedStream(results, peer('SE', 'upnp'));
  });

  it("maps a port with Debian's upnpc (a client the project did not write), reachable from outside until deleted", async () => {
    const inside = peer('SE', 'upnp');
    const outside = peer('SE', 'noNat');
    const wan = wanIp(router(inside));
    const lan = inside.attachments[0].ip;
    // -i: miniupnpc 2.2 calls an IGD whose external address is reserved "not connected?" and stops;
    // the testbed's internet is 198.18/15 (reserved for benchmarks, so it can never leak), the same
    // rule that makes miniupnpd refuse to serve there. Everything after discovery is upnpc's own.
    const upnpc = (...a: string[]) => rt.exec(inside.name, ['upnpc', '-i', ...a]);
    const status = await upnpc('-s');
    expect(status.stdout).toContain(`ExternalIPAddress = ${wan}`);
    void rt.exec(inside.name, ['node', '-e', `require('net').createServer(s=>s.end('hi')).listen(4300)`], 120_000).catch(() => {});
    const add = await upnpc('-e', 'tb test', '-a', lan, '4300', '4300', 'TCP');
    expect(add.stdout).toMatch(/external 198\.1[89]\.[\d.]+:4300 TCP is redirected to internal/);
    const hello = probe(wan, 4300, 'data');
    expect((await rt.exec(outside.name, ['node', '-e', hello])).stdout.trim()).toBe('hi');
    const list = await upnpc('-l');
    expect(list.stdout).toMatch(new RegExp(`TCP\\s+4300->${lan.replace(/\./g, '\\.')}:4300`));
    await upnpc('-d', '4300', 'TCP');
    expect((await rt.exec(outside.name, ['node', '-e', hello])).stdout.trim()).toBe('closed');
    await rt.exec(inside.name, ['sh', '-c', 'pkill -f "listen\\(4300" || true']);
  });

  it('shapes links to within 15% of the configured rates, and delays round trips by the configured delay', async () => {
    const checks = await checkLinks(rt, plan, 3, 3);
    expect(checks.length).toBe(3);
    for (const c of checks) {
      // with netem the kernel's round trip carries the delay; without, the programs' receive path does
      const rtt = c.measured.delayBy === 'app' ? c.measured.appRttMs : c.measured.rttMs;
      expect(rtt, `${c.container} rtt`).toBeGreaterThanOrEqual(c.configured.delayMs - c.configured.jitterMs);
      expect(rtt, `${c.container} rtt`).toBeLessThan(c.configured.delayMs + c.configured.jitterMs + 100);
      expect(c.ratio.down, `${c.container} down`).toBeGreaterThan(0.85);
      expect(c.ratio.down, `${c.container} down`).toBeLessThan(1.15);
      expect(c.ratio.up, `${c.container} up`).toBeGreaterThan(0.85);
      expect(c.ratio.up, `${c.container} up`).toBeLessThan(1.15);
    }
  });

  it('inspect, logs and exec reach a node by the name the plan gives it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-inspect-'));
    fs.mkdirSync(path.join(root, run));
    fs.writeFileSync(path.join(root, run, 'plan.json'), JSON.stringify(plan));
    const cli = (...a: string[]) => execa(process.execPath, ['bin/testbed.js', ...a], { reject: false });
    const short = (c: ContainerPlan) => c.name.replace(`tb-${run}-`, '');
    const ins = await cli('inspect', run, '--json', '--results', root);
    expect(ins.exitCode, ins.stderr).toBe(0);
    const rows = JSON.parse(ins.stdout) as { node: string; role: string; country?: string; category?: string; upnp?: string; advertised?: string; state: string; addresses: Record<string, string> }[];
    expect(rows.map((r) => r.node).sort()).toEqual(plan.containers.map(short).sort());
    const mapped = rows.find((r) => r.node === short(peer('SE', 'upnp')))!;
    expect(mapped).toMatchObject({ role: 'peer', country: 'SE', category: 'upnp', upnp: 'mapped', state: 'running' });
    expect(mapped.advertised).toMatch(/^198\.1[89]\.\d+\.\d+:\d+$/);
    expect(rows.find((r) => r.node === short(peer('SE', 'noUpnp')))!.upnp).toMatch(/^no \(/);
    const gbRouters = JSON.parse((await cli('inspect', run, '--json', '--role', 'router', '--country', 'GB', '--results', root)).stdout) as { role: string; country: string }[];
    expect(gbRouters.length).toBe(plan.containers.filter((c) => c.role === 'router' && c.meta.country === 'GB').length);
    expect(gbRouters.every((r) => r.role === 'router' && r.country === 'GB')).toBe(true);
    const logs = await cli('logs', run, 'dc-london');
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('READY dc london');
    const nat = await cli('exec', run, short(router(peer('SE', 'upnp'))), '--', 'iptables', '-t', 'nat', '-S');
    expect(nat.exitCode, nat.stderr).toBe(0);
    expect(nat.stdout).toContain('MASQUERADE');
    const typo = await cli('logs', run, 'dc-londn');
    expect(typo.exitCode).not.toBe(0);
    expect(typo.stderr).toContain('did you mean "dc-london"');
    fs.rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('down removes every container, network and host rule of the run, and only those', async () => {
    await rt.down(run);
    const d = engine();
    expect(await d.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } })).toHaveLength(0);
    expect(await d.listNetworks({ filters: { label: [`${LABEL_RUN}=${run}`] } })).toHaveLength(0);
    const rules = (await execa('iptables', ['-S', 'DOCKER-USER'])).stdout;
    expect(rules).not.toContain(`tb:${run}`);
  });
});
