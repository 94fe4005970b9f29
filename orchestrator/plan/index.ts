import path from 'node:path';
import type { DockerHost } from '../config/hosts.ts';
import { loadTopology, topologyPath } from '../config/topology.ts';
import { placeOnHosts } from './hosts.ts';
import { checkPlan, type PlanOptions, planTopology } from './plan.ts';
import type { Plan } from './types.ts';

export { formatPlan } from './format.ts';
export { placeOnHosts } from './hosts.ts';
export { checkPlan, type PlanOptions, plannedPeers, planTopology } from './plan.ts';
export type { Plan } from './types.ts';

/**
 * Load, validate and plan a topology file; a plan that fails its checks is an error. Over
 * several Docker hosts (`hosts`, else the topology's own `hosts:`) the plan says which host
 * runs what (plan/hosts.ts).
 */
export function planFromFile(file: string, o: PlanOptions, hosts?: DockerHost[]): Plan {
  const t = loadTopology(topologyPath(file));
  const over = hosts ?? t.hosts;
  let plan = planTopology(t, { ...o, resultsDir: path.resolve(o.resultsDir), overHosts: over !== undefined && over.length > 1 });
  const problems = checkPlan(plan);
  if (problems.length) throw new Error(`the plan for ${file} is not valid:\n  ${problems.join('\n  ')}`);
  if (over) plan = placeOnHosts(plan, over);
  return plan;
}

export { checkRunId, newRunId, RUN_ID_RULE, RunIdError } from './run-id.ts';
