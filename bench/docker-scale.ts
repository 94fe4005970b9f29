// How the Docker testbed's cost grows with the peer count: time to `up` and to `down`, resident
// memory per peer container, and `up` against a plain loop of `docker run` of the same containers
// (same image, commands and networks) in the same run. Sizes by argument: 50 100 300 (default 50).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ensureImages } from '../orchestrator/image/build.ts';
import { planFromFile } from '../orchestrator/plan/index.ts';
import { DockerRuntime } from '../orchestrator/runtime/docker.ts';

async function peerMemoryMB(names: string[]): Promise<number> {
  const r = await execa('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', ...names]);
  const mb = r.stdout.split('\n').map((l) => {
    const m = /\s([\d.]+)(KiB|MiB|GiB)/.exec(l);
    return m ? Number(m[1]) * { KiB: 1 / 1024, MiB: 1, GiB: 1024 }[m[2] as 'MiB'] : 0;
  });
  return +(mb.reduce((a, b) => a + b, 0) / Math.max(1, mb.length)).toFixed(1);
}

// docker stats reports the cgroup's charge (anonymous memory, minus reclaimable page cache); the
// processes' own resident set counts shared pages (node's binary and libraries) in every container,
// so both are reported: the first is what the machine pays per peer, the second what `ps` shows.
async function peerProcessRssMB(names: string[]): Promise<number> {
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

async function one(peers: number, image: string) {
  const rt = new DockerRuntime();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-scale-'));
  const runId = `s${peers}${Date.now().toString(36).slice(-3)}`;
  const plan = planFromFile(`topologies/scale-${peers}.yaml`, { runId, resultsDir: dir, image });
  // a failed measurement or Ctrl-C must not leave hundreds of containers behind
  const onSigint = () => {
    void rt.down(runId).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    return await measure(rt, plan, runId, peers);
  } finally {
    process.off('SIGINT', onSigint);
    await rt.down(runId);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(rt: DockerRuntime, plan: ReturnType<typeof planFromFile>, runId: string, peers: number) {
  const availBefore = hostMemAvailableMB();
  let t = Date.now();
  await rt.apply(plan, {});
  const upSec = (Date.now() - t) / 1000;
  const peerNames = plan.containers.filter((c) => c.role === 'peer').map((c) => c.name);
  await new Promise((r) => setTimeout(r, 5000));
  const memMB = await peerMemoryMB(peerNames.slice(0, 30));
  const rssMB = await peerProcessRssMB(peerNames.slice(0, 30));
  const hostMemUsedMB = Math.round(availBefore - hostMemAvailableMB());
  t = Date.now();
  await rt.down(runId);
  const downSec = (Date.now() - t) / 1000;

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
  return {
    peers,
    containers: plan.containers.length,
    networks: plan.networks.length,
    upSec,
    downSec,
    plainDockerRunLoopSec: loopSec,
    upOverLoop: +(upSec / loopSec).toFixed(2),
    peerContainerMemMB: memMB,
    peerProcessRssMB: rssMB,
    hostMemUsedMB,
  };
}

export async function run(args: string[]) {
  const sizes = (args.length ? args : ['50']).map(Number);
  const { node } = await ensureImages((l) => process.stderr.write(l + '\n'));
  const results: Awaited<ReturnType<typeof one>>[] = [];
  for (const n of sizes) {
    process.stderr.write(`scale ${n} peers\n`);
    results.push(await one(n, node));
    process.stderr.write(JSON.stringify(results.at(-1)) + '\n');
  }
  const growth = results.length > 1 ? results.slice(1).map((r, i) => ({ from: results[i].peers, to: r.peers, upTimeFactor: +(r.upSec / results[i].upSec).toFixed(2) })) : [];
  return { results, growth, note: '`up` waits for every program to print READY (the loop does not); the loop makes networks untimed' };
}
