// What the verbs that reach into a running testbed share: a run's nodes by the names the plan
// and `inspect` show (`p-se-003`, `r-gb-001`, `dc-stockholm`), with did-you-mean, and the run's
// plan when its results folder is found.
import fs from 'node:fs';
import path from 'node:path';
import { didYouMean } from '../config/yaml.ts';
import { UserError } from '../errors.ts';
import { shortName } from '../graph/graph.ts';
import { checkRunId } from '../plan/index.ts';
import type { Plan } from '../plan/types.ts';
import type { DockerRuntime } from '../runtime/docker/index.ts';

export async function runNodes(rt: DockerRuntime, runId: string) {
  checkRunId(runId);
  const list = await rt.list(runId);
  // a host of the run that does not answer: its nodes are missing from what follows, and that is said
  for (const u of rt.unreachable) process.stderr.write(`testbed: not listed: ${u}\n`);
  if (!list.length) throw new UserError(`there is no run ${runId} on this machine (npx testbed status lists the runs)`);
  return list.map((c) => ({ ...c, node: shortName({ runId }, c.name) }));
}

/** the container of `node` in the run, or an error naming the closest node */
export async function resolveNode(rt: DockerRuntime, runId: string, node: string): Promise<string> {
  const nodes = await runNodes(rt, runId);
  const hit = nodes.find((n) => n.node === node || n.name === node);
  if (hit) return hit.name;
  const names = nodes.map((n) => n.node);
  throw new UserError(
    `run ${runId} has no node ${JSON.stringify(node)}${didYouMean(node, names)}; its nodes: ${names.slice(0, 12).join(', ')}${names.length > 12 ? `, … (${names.length}; npx testbed inspect ${runId} lists them)` : ''}`,
  );
}

/** the plan the run was brought up from: results/<run>/plan.json, or under a comparison's folders */
export function findPlan(resultsRoot: string, runId: string): Plan | null {
  const direct = path.join(resultsRoot, runId, 'plan.json');
  const candidates = fs.existsSync(direct)
    ? [direct]
    : fs.existsSync(resultsRoot)
      ? (fs.readdirSync(resultsRoot, { recursive: true }) as string[]).filter((f) => path.basename(f) === 'plan.json' && f.split(path.sep).length <= 4).map((f) => path.join(resultsRoot, f))
      : [];
  for (const f of candidates) {
    const plan = JSON.parse(fs.readFileSync(f, 'utf8')) as Plan;
    if (plan.runId === runId) return plan;
  }
  return null;
}
