import { execa } from 'execa';
import { startNestedSwarm } from '../orchestrator/docker/nested-swarm.ts';
import { ensureImages } from '../orchestrator/image/build.ts';
import { planFromFile } from '../orchestrator/plan/index.ts';
import { DockerRuntime } from '../orchestrator/runtime/docker.ts';

const run = 'zzmh' + Date.now().toString(36).slice(-3);
const images = await ensureImages();
const swarm = await startNestedSwarm({ id: `tbns-${run}`, engines: 2, base: images.base, localPeers: 2, peers: 6, progress: console.log });
const plan = planFromFile('topologies/small.yaml', { runId: run, resultsDir: '/tmp/' + run, image: images.node, timeScale: 20 }, swarm.hosts);
const rt = new DockerRuntime(swarm.hosts);
const t0 = Date.now();
try {
  await rt.apply(plan, { readyTimeoutMs: 180_000 });
  console.log('UP in', (Date.now() - t0) / 1000);
} catch (e) {
  console.log('FAILED after', (Date.now() - t0) / 1000, e);
  for (const c of swarm.containers) console.log(c, (await execa('docker', ['logs', '--tail', '30', c], { reject: false })).stderr);
  console.log((await execa('sh', ['-c', 'grep -i "attach\\|error" /var/log/dockerd.log | tail -20'], { reject: false })).stdout);
}
if (process.argv[2] !== 'keep') {
  await rt.down(run).catch((e) => console.log(e.message));
  await swarm.stop();
}
