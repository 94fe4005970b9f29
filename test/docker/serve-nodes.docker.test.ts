// `testbed serve`'s nodes of a country for a run going on in Docker: a tiny testbed brought up by
// the runtime, its results folder made to say it is running (live.json), and the server asked for
// one country's nodes with its real engine query. It lists the rows `testbed inspect --country`
// prints, starts and stops nothing; `down` then leaves nothing of the run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../../orchestrator/docker/engine.ts';
import { ensureImages } from '../../orchestrator/image/build.ts';
import { planFromFile } from '../../orchestrator/plan/index.ts';
import { LABEL_RUN, type Plan } from '../../orchestrator/plan/types.ts';
import { DockerRuntime } from '../../orchestrator/runtime/docker/index.ts';
import type { InspectRow } from '../../orchestrator/runtime/docker/inspect.ts';
import { buildServer } from '../../orchestrator/serve/server.ts';
import { requireEngine } from './fixtures/small-testbed.ts';

const run = `s${Date.now().toString(36).slice(-5)}`;
const results = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-serve-nodes-'));
const dir = path.join(results, run);
const TOPOLOGY = `name: serve-nodes
seed: 7
countries:
  SE:
    peers: 2
    routers: { noNat: 0, upnp: 0.5, mismatch: 0, private: 0 }
  GB:
    peers: 1
    routers: { noNat: 1, upnp: 0, mismatch: 0, private: 0 }
`;
const rt = new DockerRuntime();
let plan: Plan;
let app: FastifyInstance;
let base: string;
const containersOfRun = async () => ({
  containers: await engine().listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${run}`] } }),
  networks: await engine().listNetworks({ filters: { label: [`${LABEL_RUN}=${run}`] } }),
});

beforeAll(async () => {
  await requireEngine();
  const images = await ensureImages((l) => process.stderr.write(l + '\n'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'topology.yaml'), TOPOLOGY);
  plan = planFromFile(path.join(dir, 'topology.yaml'), { runId: run, resultsDir: dir, image: images.node, timeScale: 20 });
  fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
  await rt.apply(plan, { readyTimeoutMs: 120_000 });
  // what a run in Docker writes while it goes (progress/live.ts)
  const live = {
    state: 'running',
    runId: run,
    experiment: 'quick',
    runtime: 'docker',
    durationMs: 1e6,
    repetitions: 1,
    repetition: 1,
    workloadMs: 0,
    plays: 0,
    peersOnline: 3,
    updatedAt: new Date().toISOString(),
    warnings: [],
  };
  fs.writeFileSync(path.join(dir, 'live.json'), JSON.stringify(live));
  app = await buildServer(results);
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}, 600_000);

afterAll(async () => {
  await app?.close();
  await rt.down(run);
  const left = await containersOfRun();
  fs.rmSync(results, { recursive: true, force: true });
  expect(left.containers).toHaveLength(0);
  expect(left.networks).toHaveLength(0);
}, 300_000);

describe("serve's nodes of a country of a live Docker run", () => {
  it('lists the peers and home routers of SE from the engine, as testbed inspect does, and changes nothing', async () => {
    const before = (await containersOfRun()).containers.map((c) => `${c.Names[0]} ${c.State}`).sort();
    const topology = await (await fetch(`${base}/runs/${run}/topology`)).text();
    expect(topology).toContain(`<a href="/runs/${run}/topology/nodes?country=SE" data-nodes="SE">`);
    const res = await fetch(`${base}/runs/${run}/topology/nodes?country=SE&format=json`);
    expect(res.status).toBe(200);
    const got = (await res.json()) as { runId: string; rows: InspectRow[]; notes: string[] };
    const planned = plan.containers.filter((c) => c.meta.country === 'SE').map((c) => c.name.replace(`tb-${run}-`, ''));
    expect(got.runId).toBe(run);
    expect(got.notes).toEqual([]);
    expect(got.rows.map((r) => r.node).sort()).toEqual(planned.sort());
    expect(got.rows.every((r) => r.country === 'SE' && r.state === 'running')).toBe(true);
    for (const r of got.rows.filter((x) => x.role === 'peer')) expect(r.upnp, r.node).toMatch(/^(mapped|no \(.*\)|not asked)$/);
    // the command's rows: the same nodes with the same addresses
    const cli = await execa(process.execPath, ['bin/testbed.js', 'inspect', run, '--country', 'SE', '--json', '--results', results]);
    const rows = JSON.parse(cli.stdout) as InspectRow[];
    expect(rows.map((r) => [r.node, r.role, r.addresses])).toEqual(got.rows.map((r) => [r.node, r.role, r.addresses]));
    const page = await (await fetch(`${base}/runs/${run}/topology/nodes?country=SE`)).text();
    for (const n of planned) expect(page).toContain(`<tr data-node="${n}"`);
    expect((await containersOfRun()).containers.map((c) => `${c.Names[0]} ${c.State}`).sort()).toEqual(before);
  });
});
