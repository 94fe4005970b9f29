// What spreading a testbed over several Docker hosts costs (docs/multi-host.md, "Measured"): the
// same topology brought up on this machine's engine alone, then over this engine and two engines
// nested in containers and joined by Swarm (orchestrator/docker/nested-swarm.ts). For each: `up`
// and `down` time, the machine's memory taken, and the link self-check's rates and round trips,
// which over the nested engines cross a VXLAN overlay. All three engines share this machine's two
// cores, so the spread `up` cannot be faster here: what it shows is the orchestration's own
// overhead (image copies, overlay attachment by the swarm manager) and the overlay's cost on a
// shaped link. `npm run bench -- multi-host [topology]` (default topologies/scale-50.yaml), ~8 min.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DockerHost } from '../orchestrator/config/hosts.ts';
import { startNestedSwarm } from '../orchestrator/docker/nested-swarm.ts';
import { ensureImages } from '../orchestrator/image/build.ts';
import { checkLinks, type LinkCheck } from '../orchestrator/linkcheck/linkcheck.ts';
import { planFromFile } from '../orchestrator/plan/index.ts';
import { DockerRuntime } from '../orchestrator/runtime/docker/index.ts';

const memAvailableMB = () => Number(/MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? Number.NaN) / 1024;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const r2 = (x: number) => +x.toFixed(2);

function linkSummary(checks: LinkCheck[]) {
  return {
    measured: checks.length,
    downRatio: checks.map((c) => r2(c.ratio.down)),
    upRatio: checks.map((c) => r2(c.ratio.up)),
    medianRttMs: r2(median(checks.map((c) => c.measured.rttMs))),
    medianAppRttMs: r2(median(checks.map((c) => c.measured.appRttMs))),
    configuredDelayMs: checks.map((c) => c.configured.delayMs),
  };
}

async function once(topology: string, image: string, hosts: DockerHost[] | undefined, tag: string) {
  const runId = `${tag}${Date.now().toString(36).slice(-4)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-mh-bench-'));
  const plan = planFromFile(topology, { runId, resultsDir: dir, image }, hosts);
  const rt = new DockerRuntime(hosts);
  try {
    const before = memAvailableMB();
    let t = Date.now();
    await rt.apply(plan, {});
    const upSec = (Date.now() - t) / 1000;
    await new Promise((r) => setTimeout(r, 5000));
    const memMB = Math.round(before - memAvailableMB());
    const links = linkSummary(await checkLinks(rt, plan, 4, 3));
    t = Date.now();
    await rt.down(runId);
    const downSec = (Date.now() - t) / 1000;
    const perHost = Object.fromEntries((plan.hosts ?? []).map((h) => [h.name, plan.containers.filter((c) => c.host === h.name).length]));
    return { containers: plan.containers.length, overlays: plan.networks.filter((n) => n.scope === 'swarm').length, perHost, upSec, downSec, memMB, links };
  } finally {
    await rt.down(runId).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]) {
  const topology = args[0] ?? 'topologies/scale-50.yaml';
  const images = await ensureImages((l) => process.stderr.write(l + '\n'));
  const peers = planFromFile(topology, { runId: 'count', resultsDir: os.tmpdir(), image: images.node }).containers.filter((c) => c.role === 'peer').length;
  process.stderr.write(`one host: ${topology}, ${peers} peers\n`);
  const single = await once(topology, images.node, undefined, 'mhs');
  process.stderr.write(`${JSON.stringify(single)}\n`);
  const before = memAvailableMB();
  const t = Date.now();
  // about a fifth of the peers beside the services on this engine, the rest split over two nested ones
  const local = Math.ceil(peers / 5);
  const swarm = await startNestedSwarm({
    id: `tbns-bench${process.pid}`,
    engines: 2,
    base: images.base,
    localPeers: local,
    peers: Math.ceil((peers - local) / 2) + 4,
    progress: (l) => process.stderr.write(l + '\n'),
  });
  try {
    const swarmSec = (Date.now() - t) / 1000;
    const enginesMB = Math.round(before - memAvailableMB());
    process.stderr.write(`three hosts: ${swarm.hosts.map((h) => `${h.name}=${h.peers}`).join(', ')}\n`);
    const spread = await once(topology, images.node, swarm.hosts, 'mhm');
    process.stderr.write(`${JSON.stringify(spread)}\n`);
    return {
      topology,
      peers,
      oneHost: single,
      threeHosts: { ...spread, swarmStartSec: swarmSec, nestedEnginesMemMB: enginesMB },
      upFactor: r2(spread.upSec / single.upSec),
      rttOverheadMs: r2(spread.links.medianRttMs - single.links.medianRttMs),
      note: 'all three engines run on this machine: the spread up measures orchestration overhead, not a speed-up; the first spread up includes copying the image to each nested engine',
    };
  } finally {
    await swarm.stop();
  }
}
