import path from 'node:path';
import { loadTopology, topologyPath } from '../config/topology.ts';
import { checkPlan, type PlanOptions, planTopology } from './plan.ts';
import type { Plan } from './types.ts';

export { formatPlan } from './format.ts';
export { checkPlan, type PlanOptions, placePeers, planTopology } from './plan.ts';
export type { Plan } from './types.ts';

/** Load, validate and plan a topology file; a plan that fails its checks is an error. */
export function planFromFile(file: string, o: PlanOptions): Plan {
  const t = loadTopology(topologyPath(file));
  const plan = planTopology(t, { ...o, resultsDir: path.resolve(o.resultsDir) });
  const problems = checkPlan(plan);
  if (problems.length) throw new Error(`the plan for ${file} is not valid:\n  ${problems.join('\n  ')}`);
  return plan;
}

export { checkRunId, newRunId, RUN_ID_RULE } from './run-id.ts';
