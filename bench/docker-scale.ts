// How the Docker testbed's cost grows with the peer count: time to `up` and to `down`, resident
// memory per peer and per router container, and `up` against a plain loop of `docker run` of the
// same containers (same image, commands and networks) in the same run. Sizes by argument: 50 100
// 300 (default 50); `npm run bench -- docker-scale 50 100 300` is the big sweep, run once.
// `--hosts FILE` spreads it over the Docker hosts the file names (no loop then; per-container
// memory of the containers on this machine's engine; docs/multi-host.md).
// runSuite() is the nightly suite's `docker` benchmark (gated, orchestrator/bench/registry.ts): the
// same measurement on topologies/small.yaml, plus the image build with a warm and a cold cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { DockerHost } from '../orchestrator/config/hosts.ts';
import { loadHosts } from '../orchestrator/config/hosts.ts';
import { socketPath } from '../orchestrator/docker/engine.ts';
import { requireSwarm } from '../orchestrator/docker/swarm.ts';
import { buildFresh, ensureImages } from '../orchestrator/image/build.ts';
import { isLocalEngine } from '../orchestrator/plan/hosts.ts';
import { planFromFile } from '../orchestrator/plan/index.ts';
import { DockerRuntime } from '../orchestrator/runtime/docker/index.ts';

async function containerMemMB(names: string[]): Promise<number> {
  const r = await execa('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', ...names]);
  const mb = r.stdout.split('\n').map((l) => {
    const m = /\s([\d.]+)(KiB|MiB|GiB)/.exec(l);
    return m ? Number(m[1]) * { KiB: 1 / 1024, MiB: 1, GiB: 1024 }[m[2] as 'MiB'] : 0;
  });
  return +(mb.reduce((a, b) => a + b, 0) / Math.max(1, mb.length)).toFixed(1);
}

// docker stats reports the cgroup's charge (anonymous memory, minus reclaimable page cache); the
// processes' own resident set counts shared pages (node's binary and libraries) in every container,
// so both are reported: the first is what the machine pays per container, the second what `ps` shows.
async function processRssMB(names: string[]): Promise<number> {
  const perContainer = await Promise.all(
    names.map(async (n) => {
      const r = await execa('docker', ['top', n, '-o', 'pid,rss']); // dockerd needs the pid column
      return (
        r.stdout
          .split('\n')
          .slice(1)
          .reduce((a, l) => a + (Number(l.trim().split(/\s+/)[1]) || 0), 0) / 1024
      );
    }),
  );
  return +(perContainer.reduce((a, b) => a + b, 0) / Math.max(1, perContainer.length)).toFixed(1);
}

function hostMemAvailableMB(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function one(topology: string, image: string, hosts?: DockerHost[]) {
  const rt = new DockerRuntime(hosts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-scale-'));
  // run ids have 4 to 8 characters: s50xxx for scale-50.yaml, ssmaxxx for small.yaml
  const name = path.basename(topology, '.yaml');
  const runId = `s${/\d+/.exec(name)?.[0] ?? name.replace(/[^a-z0-9]/g, '').slice(0, 3)}${Date.now().toString(36).slice(-3)}`;
  const plan = planFromFile(topology, { runId, resultsDir: dir, image }, hosts);
  // a failed measurement or Ctrl-C must not leave hundreds of containers behind
  const onSigint = () => {
    void rt.down(runId).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    return await measure(rt, plan, runId);
  } finally {
    process.off('SIGINT', onSigint);
    await rt.down(runId);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(rt: DockerRuntime, plan: ReturnType<typeof planFromFile>, runId: string) {
  const availBefore = hostMemAvailableMB();
  let t = Date.now();
  await rt.apply(plan, {});
  const upSec = (Date.now() - t) / 1000;
  // at most 30 of a role: at 300 peers, asking every container would take longer than it says more;
  // over several hosts, those on this machine's engine (the docker CLI asks that one)
  const here = plan.hosts?.find((h) => isLocalEngine(h, socketPath()))?.name;
  const named = (role: string) =>
    plan.containers
      .filter((c) => c.role === role && (c.host === undefined || c.host === here))
      .map((c) => c.name)
      .slice(0, 30);
  await new Promise((r) => setTimeout(r, 5000));
  const peerMemMB = await containerMemMB(named('peer'));
  const peerRssMB = await processRssMB(named('peer'));
  const routerMemMB = await containerMemMB(named('router'));
  const routerRssMB = await processRssMB(named('router'));
  const hostMemUsedMB = Math.round(availBefore - hostMemAvailableMB());
  t = Date.now();
  await rt.down(runId);
  const downSec = (Date.now() - t) / 1000;
  const containers = plan.containers.length;
  const common = {
    peers: plan.containers.filter((c) => c.role === 'peer').length,
    containers,
    networks: plan.networks.length,
    upSec,
    downSec,
    upPerContainerSec: +(upSec / containers).toFixed(3),
    downPerContainerSec: +(downSec / containers).toFixed(3),
    peerContainerMemMB: peerMemMB,
    peerProcessRssMB: peerRssMB,
    routerContainerMemMB: routerMemMB,
    routerProcessRssMB: routerRssMB,
    hostMemUsedMB,
  };
  // the loop below is this engine's own `docker run`: no measure of a testbed spread over hosts
  if (plan.hosts && plan.hosts.length > 1)
    return { ...common, hosts: plan.hosts.map((h) => ({ name: h.name, containers: plan.containers.filter((c) => c.host === h.name).length })), memoryOf: `this machine (host ${here ?? 'none'})` };

  // the same containers by a plain loop of `docker run -d` (networks made first, not timed)
  const base = plan.networks.map((n) => [
    'network',
    'create',
    '--internal',
    '--subnet',
    n.subnet,
    '--gateway',
    n.gateway,
    '--label',
    `testbed.run=${runId}`,
    '--label',
    'testbed.project=p2p-music-testbed',
    n.name,
  ]);
  for (const a of base) await execa('docker', a);
  t = Date.now();
  for (const c of plan.containers) {
    const [first, ...rest] = c.attachments;
    await execa('docker', [
      'run',
      '-d',
      '--name',
      c.name,
      '--label',
      `testbed.run=${runId}`,
      '--label',
      'testbed.project=p2p-music-testbed',
      '--network',
      first.network,
      '--ip',
      first.ip,
      ...c.capAdd.flatMap((x) => ['--cap-add', x]),
      ...Object.entries(c.sysctls).flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]),
      ...c.mounts.flatMap((m) => ['-v', `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`]),
      ...Object.entries(c.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      c.image,
      ...c.cmd,
    ]);
    for (const a of rest) await execa('docker', ['network', 'connect', '--ip', a.ip, a.network, c.name]);
  }
  const loopSec = (Date.now() - t) / 1000;
  return { ...common, plainDockerRunLoopSec: loopSec, upOverLoop: +(upSec / loopSec).toFixed(2) };
}

export async function run(args: string[]) {
  // `--hosts FILE`: the same sweep spread over the Docker hosts the file names (docs/multi-host.md)
  const at = args.indexOf('--hosts');
  const hosts = at >= 0 ? loadHosts(args[at + 1] ?? '') : undefined;
  const rest = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
  const sizes = (rest.length ? rest : ['50']).map(Number);
  await requireSwarm(hosts);
  const { node } = await ensureImages((l) => process.stderr.write(l + '\n'));
  const results: Awaited<ReturnType<typeof one>>[] = [];
  for (const n of sizes) {
    process.stderr.write(`scale ${n} peers${hosts ? ` over ${hosts.length} hosts` : ''}\n`);
    results.push(await one(`topologies/scale-${n}.yaml`, node, hosts));
    process.stderr.write(JSON.stringify(results.at(-1)) + '\n');
  }
  const growth = results.length > 1 ? results.slice(1).map((r, i) => ({ from: results[i].peers, to: r.peers, upTimeFactor: +(r.upSec / results[i].upSec).toFixed(2) })) : [];
  return { results, growth, note: '`up` waits for every program to print READY (the loop does not); the loop makes networks untimed' };
}

/** the suite's topology: every router category of Table II, 28 containers (docs/benchmarks.md says why this size) */
export const SUITE_TOPOLOGY = 'topologies/small.yaml';

/** images made by the cold build; removed after it, and any a killed run left are removed before it */
const FRESH_REPO = 'tb-bench-cold';

async function removeFresh(): Promise<void> {
  const r = await execa('docker', ['images', FRESH_REPO, '--format', '{{.Repository}}:{{.Tag}}']);
  const tags = r.stdout.split('\n').filter(Boolean);
  if (tags.length) await execa('docker', ['rmi', ...tags]);
}

/**
 * Image builds. Warm: the images exist, so ensureImages only hashes node-image and asks Docker
 * whether the tags are there (what every `testbed run` pays). Cold: the app image built again
 * from nothing (compile, runtime packages from the npm registry, `docker build --no-cache`) under a
 * temporary tag that is removed afterwards. The debootstrap base is not rebuilt: measured once it
 * took 78 s, most of it downloading Debian packages, so it would time the mirror rather than the
 * testbed and cost the suite a minute and a half per repetition (docs/benchmarks.md).
 */
async function builds(log: (l: string) => void) {
  let image = (await ensureImages(log)).node; // may build, when node-image changed: not timed
  let warmSec = Number.NaN;
  // a file of node-image changed between the two calls (an editor saving) makes the timed one a
  // real build; then it is timed again, now warm
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const again = (await ensureImages()).node;
    warmSec = (performance.now() - t) / 1000;
    if (again === image) break;
    image = again;
  }
  await removeFresh();
  const tag = `${FRESH_REPO}:${process.pid}`;
  const t = performance.now();
  try {
    await buildFresh('app', tag, log);
  } finally {
    await removeFresh();
  }
  const coldAppSec = (performance.now() - t) / 1000;
  return { image, warmSec: +warmSec.toFixed(3), coldAppSec: +coldAppSec.toFixed(1) };
}

/** the nightly suite's `docker` benchmark: one `up`/`down`/loop of SUITE_TOPOLOGY, and the builds */
export async function runSuite() {
  const log = (l: string) => process.stderr.write(l + '\n');
  const build = await builds(log);
  log(`images: warm ${build.warmSec} s, cold app ${build.coldAppSec} s; ${SUITE_TOPOLOGY}`);
  const r = await one(SUITE_TOPOLOGY, build.image);
  log(JSON.stringify(r));
  return {
    topology: SUITE_TOPOLOGY,
    ...r,
    build: { warmSec: build.warmSec, coldAppSec: build.coldAppSec },
    note: '`up` waits for every program to print READY (the loop does not); the loop makes networks untimed; the cold build is the app image only',
  };
}
