// The small testbed spread over three Docker engines joined by Swarm: this machine's (the services
// host) and two engines nested in containers (orchestrator/docker/nested-swarm.ts), each reached by
// its own API as another machine would be. Shows across hosts what the single-host test shows on
// one: logins at the right data centre seen from public addresses, a UPnP mapping reachable from a
// peer on another host, connection reversal between hosts, shaped rates over the overlay, and that
// `down` names a host that does not answer and, given the hosts again, leaves nothing on any
// engine; then an experiment (`testbed run`) over the same hosts, and one whose orchestrator is
// killed, which the next `testbed status` removes from every host.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../../orchestrator/docker/engine.ts';
import { engineFirewall, localFirewall } from '../../orchestrator/docker/firewall.ts';
import { type NestedSwarm, startNestedSwarm } from '../../orchestrator/docker/nested-swarm.ts';
import { engineFacts, engineFor, swarmProblems } from '../../orchestrator/docker/swarm.ts';
import { ensureImages } from '../../orchestrator/image/build.ts';
import { checkLinks } from '../../orchestrator/linkcheck/linkcheck.ts';
import { planFromFile } from '../../orchestrator/plan/index.ts';
import { type ContainerPlan, LABEL_RUN, type Plan } from '../../orchestrator/plan/types.ts';
import { DockerRuntime } from '../../orchestrator/runtime/docker/index.ts';
import { DownIncompleteError } from '../../orchestrator/runtime/types.ts';
import { expectLogins, expectReversedStream, peerOf, probe, reportsIn, requireEngine, routerOf, shareTrack, wanIp } from './fixtures/small-testbed.ts';

const run = `m${Date.now().toString(36).slice(-5)}`;
const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-multihost-test-'));
let swarm: NestedSwarm | undefined;
let rt: DockerRuntime;
let plan: Plan;
let image = '';
let swarmBefore = '';

const peer = (country: string, category: string) => peerOf(plan, country, category);
/** no container, network or DOCKER-USER rule of the run on any engine of the swarm (each chain read back) */
async function expectNothingLeft(id: string, said = '') {
  for (const h of swarm!.hosts) {
    const name = said ? `${h.name}, after:\n${said}` : h.name;
    const d = h.name === 'a' ? engine() : engineFor(h);
    expect(
      (await d.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${id}`] } })).map((c) => `${c.Names[0]} (${c.State})`),
      name,
    ).toEqual([]);
    expect(
      (await d.listNetworks({ filters: { label: [`${LABEL_RUN}=${id}`] } })).map((n) => `${n.Name} (${n.Scope})`),
      name,
    ).toEqual([]);
    const fw = h.name === 'a' ? localFirewall : engineFirewall(d, async () => image, `${id}chk`);
    expect((await fw.listUserChain()).join('\n'), name).not.toContain(`tb:${id}`);
  }
}
/** the experiment folders made, removed after the tests whether they passed or not */
const experimentDirs: string[] = [];
/** a folder with the small topology over the swarm's hosts (spread.yaml) and the experiment over it (exp.yaml) */
function experimentDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-multihost-run-'));
  experimentDirs.push(dir);
  const hostsYaml = `hosts:\n${swarm!.hosts.map((h) => `  - { name: ${h.name}, docker: "${h.docker}", peers: ${h.peers}${h.services ? ', services: true' : ''} }`).join('\n')}\n`;
  fs.writeFileSync(path.join(dir, 'spread.yaml'), fs.readFileSync('topologies/small.yaml', 'utf8').replace(/^name: .*$/m, 'name: spread') + hostsYaml);
  fs.copyFileSync('test/docker/fixtures/multihost-run.yaml', path.join(dir, 'exp.yaml'));
  return dir;
}
async function untilAsync(what: string, cond: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
const router = (p: ContainerPlan) => routerOf(plan, p);

beforeAll(async () => {
  await requireEngine();
  const d = engine();
  swarmBefore = (await d.info()).Swarm?.LocalNodeState ?? '';
  const images = await ensureImages((l) => process.stderr.write(l + '\n'));
  image = images.node;
  // 12 peers: two on this machine with the services, the rest over the nested engines, so
  // Sweden's homes straddle this machine and the first nested engine
  swarm = await startNestedSwarm({ id: `tbns-${run}`, engines: 2, base: images.base, localPeers: 2, peers: 6, progress: (l) => process.stderr.write(l + '\n') });
  // at ×10, not ×20 as on one host: the reversed connection crosses the overlay, and the track must
  // last long enough in real time for it to come up before the server has sent the rest (at ×20 a
  // CI run once saw the reversal succeed and the server send every byte)
  plan = planFromFile('topologies/small.yaml', { runId: run, resultsDir: results, image, timeScale: 10 }, swarm.hosts);
  shareTrack(plan, 500_000);
  rt = new DockerRuntime(swarm.hosts);
  await rt.apply(plan, { readyTimeoutMs: 180_000 });
}, 900_000);

afterAll(async () => {
  await rt?.down(run).catch(() => {});
  await swarm?.stop();
  fs.rmSync(results, { recursive: true, force: true });
  for (const dir of experimentDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the small testbed over three Swarm-joined engines', () => {
  it('passes the hosts check, and spreads whole homes over all three engines with overlays for the WANs', async () => {
    expect(swarmProblems(await engineFacts(swarm!.hosts))).toEqual([]);
    const rows = await rt.list(run);
    expect(new Set(rows.map((r) => r.host))).toEqual(new Set(['a', 'b', 'c']));
    for (const r of rows) expect(r.host, r.name).toBe(plan.containers.find((c) => c.name === r.name)!.host);
    // a home is whole on its host: the router in front of a peer runs where the peer runs
    for (const p of plan.containers.filter((c) => c.role === 'peer' && c.meta.category !== 'noNat')) expect(rows.find((r) => r.name === router(p).name)?.host, p.name).toBe(p.host);
    expect(rows.filter((r) => r.state === 'running')).toHaveLength(plan.containers.length);
    const overlays = (await engine().listNetworks({ filters: { label: [`${LABEL_RUN}=${run}`], driver: ['overlay'] } })).map((n) => n.Name);
    expect(overlays.sort()).toEqual(
      plan.networks
        .filter((n) => n.scope === 'swarm')
        .map((n) => n.name)
        .sort(),
    );
    expect(overlays.length).toBeGreaterThan(0);
  });

  it('logs every peer in at the data centre its country is sent to, seen from its public address', async () => {
    expect(new Set(plan.containers.filter((c) => c.role === 'peer').map((c) => c.host)).size).toBeGreaterThan(1);
    await expectLogins(plan, results);
  });

  it('forwards a UPnP mapping to a peer on another host, and nothing through a router without UPnP', async () => {
    const outside = peer('SE', 'noNat');
    for (const inside of [peer('SE', 'upnp'), peer('GB', 'upnp')]) {
      expect(inside.host, inside.name).not.toBe(outside.host);
      const open = await rt.exec(outside.name, ['node', '-e', probe(wanIp(router(inside)), 4100, 'open')]);
      expect(open.stdout.trim(), inside.name).toBe('open');
    }
    const shut = await rt.exec(peer('SE', 'upnp').name, ['node', '-e', probe(wanIp(router(peer('SE', 'noUpnp'))), 4100, 'open')]);
    expect(shut.stdout.trim()).toBe('closed');
  });

  it('reverses a connection between hosts and streams the track across them', async () => {
    const fan = peer('SE', 'upnp');
    const seed = peer('SE', 'noUpnp');
    expect(fan.host).not.toBe(seed.host);
    await expectReversedStream(results, fan);
  });

  it('shapes links that cross hosts to within 15% of the configured rates', async () => {
    const checks = await checkLinks(rt, plan, 3, 3);
    const dcHost = plan.containers.find((c) => c.role === 'dc')!.host;
    expect(checks.length).toBe(3);
    for (const c of checks) {
      expect(plan.containers.find((x) => x.name === c.container)!.host, c.container).not.toBe(dcHost);
      for (const dir of ['down', 'up'] as const) {
        expect(c.ratio[dir], `${c.container} ${dir}`).toBeGreaterThan(0.85);
        expect(c.ratio[dir], `${c.container} ${dir}`).toBeLessThan(1.15);
      }
    }
  });

  it('down names a host that does not answer and removes the rest; given the hosts again, it removes what was left', async () => {
    // host c's engine frozen: its API accepts connections and answers nothing
    const frozen = engine().getContainer(swarm!.containers[1]);
    await frozen.pause();
    const err = await rt
      .down(run)
      .catch((e: unknown) => e as Error)
      .finally(() => frozen.unpause());
    expect(err).toBeInstanceOf(DownIncompleteError);
    expect((err as Error).message).toMatch(/host c \(tcp:\/\/[\d.]+:2375\): the engine did not answer \(no answer within 10 s\)/);
    expect((err as Error).message).toMatch(/--hosts FILE` again, FILE holding its hosts/);
    // what sat on a and b is gone, but for overlays c's containers still hold
    for (const h of swarm!.hosts.slice(0, 2)) {
      const d = h.name === 'a' ? engine() : engineFor(h);
      expect(await d.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } }), h.name).toHaveLength(0);
      const left = await d.listNetworks({ filters: { label: [`${LABEL_RUN}=${run}`] } });
      expect(
        left.every((n) => n.Scope === 'swarm'),
        h.name,
      ).toBe(true);
    }
    const onC = plan.containers.filter((c) => c.host === 'c').length;
    expect(await engineFor(swarm!.hosts[2]).listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } })).toHaveLength(onC);
    // the rest, by the hosts the error printed
    const again = await new DockerRuntime(swarm!.hosts).down(run);
    expect(again.containers).toBe(onC);
    await expectNothingLeft(run);
    // the helper that read the nested engines' firewall is gone too
    for (const h of swarm!.hosts.slice(1)) expect(await engineFor(h).listContainers({ all: true }), h.name).toHaveLength(0);
    // the frozen node is back in the swarm before the next test uses it
    await untilAsync('every swarm node ready', async () => ((await engine().listNodes()) as { Status?: { State?: string } }[]).every((n) => n.Status?.State === 'ready'), 60_000);
  });

  it('runs an experiment over the hosts: the start signal reaches every host, the results are whole, and nothing is left', async () => {
    const dir = experimentDir();
    const r = await execa(process.execPath, ['bin/testbed.js', 'run', path.join(dir, 'exp.yaml'), '--results', dir], { reject: false });
    expect(r.exitCode, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/start signal copied to \d+ containers on other hosts/);
    const runId = r.stdout.trim().split('\n').at(-1)!;
    const s = JSON.parse(fs.readFileSync(path.join(dir, runId, 'summary.json'), 'utf8'));
    expect(s.plays).toBeGreaterThan(10);
    expect(s.integrityFailures).toBe(0);
    expect(s.reportsLost).toBe(0);
    // every peer reported, wherever it ran
    const clients = fs
      .readFileSync(path.join(dir, runId, 'raw', 'clients.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    expect(clients).toHaveLength(plan.containers.filter((c) => c.role === 'peer').length);
    // peers on every host played: a user's container is in its login's client id, its host in the plan the run wrote
    const runPlan = JSON.parse(fs.readFileSync(path.join(dir, runId, 'plan.json'), 'utf8')) as Plan;
    const reports = reportsIn(path.join(dir, runId));
    const hostOf = (clientId: string) => runPlan.containers.find((c) => clientId.startsWith(`${c.name}-`))?.host;
    const userHost = new Map(reports.flatMap((x) => (x.type === 'login' ? [[x.user, hostOf(x.clientId)] as const] : [])));
    const playedOn = new Set(reports.flatMap((x) => (x.type === 'play' ? [userHost.get(x.user)] : [])));
    expect([...playedOn].sort()).toEqual(['a', 'b', 'c']);
    expect(s.linkCheck).toHaveLength(1);
    await expectNothingLeft(runId);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('removes an experiment whose orchestrator was killed from every host, at the next status', async () => {
    const dir = experimentDir();
    const runId = `k${Date.now().toString(36).slice(-5)}`;
    const child = execa(process.execPath, ['bin/testbed.js', 'run', path.join(dir, 'exp.yaml'), '--results', dir, '--run-id', runId], { reject: false });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => void (err += b.toString()));
    // either line says the start file reached every host: on a loaded machine the copy can take
    // longer than the lead time, and the orchestrator warns instead of reporting it copied
    await untilAsync('the workload to start on every host', async () => /start signal (copied to|reached the)/.test(err), 300_000);
    child.kill('SIGKILL');
    await child;
    const onC = () => engineFor(swarm!.hosts[2]).listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
    expect((await onC()).length).toBeGreaterThan(0);
    const st = await execa(process.execPath, ['bin/testbed.js', 'status'], { reject: false });
    expect(st.stderr).toContain(`removing run ${runId}: its orchestrator process is gone`);
    expect(st.stderr).toMatch(/removed \d+ containers, \d+ networks, \d+ DOCKER-USER rules of run \w+ on 3 hosts/);
    await expectNothingLeft(runId, st.stderr);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes the swarm and the nested engines away again', async () => {
    await swarm!.stop();
    const d = engine();
    expect((await d.info()).Swarm?.LocalNodeState).toBe(swarmBefore || 'inactive');
    expect(await d.listContainers({ all: true, filters: { label: [`testbed.nested-swarm=tbns-${run}`] } })).toHaveLength(0);
    expect((await execa('docker', ['volume', 'ls', '-q', '--filter', `label=testbed.nested-swarm=tbns-${run}`])).stdout.trim()).toBe('');
    swarm = undefined;
  });
});
