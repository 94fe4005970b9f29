// A run's rules in each host's firewall (DOCKER-USER, comment `tb:<run>`): added by `up` on the
// engine each rule's host names, and found again by their comment and removed at `down`. This
// machine's firewall is iptables itself; another host's is reached through its engine, by a
// container of a node image (docker/firewall.ts).
import { engineFirewall, type HostFirewall, localFirewall, rulesOfRun } from '../../docker/firewall.ts';
import type { Plan } from '../../plan/types.ts';
import { type Engine, engineNamed, label } from './engines.ts';
import type { Teardown } from './teardown.ts';

/** an image with iptables on an engine that is not this machine's: any of the testbed's node images there */
async function anyNodeImage(e: Engine): Promise<string> {
  const images = await e.docker.listImages({ filters: { reference: ['tb-node'] } });
  const tag = images.flatMap((i) => i.RepoTags ?? []).find((t) => t.startsWith('tb-node:'));
  if (!tag)
    throw new Error(
      `${label(e)} has no tb-node image to run iptables with, so its testbed firewall rules (comment tb:<run>) are left: copy the image there (docker save tb-node:latest | docker -H ${e.address} load) and run down again, or remove them on that machine (iptables -S DOCKER-USER lists them)`,
    );
  return tag;
}

function firewall(e: Engine, runId: string, image?: string): HostFirewall {
  if (e.local) return localFirewall;
  return engineFirewall(e.docker, async () => image ?? (await anyNodeImage(e)), runId);
}

/** the plan's host rules, each on its host's engine; `check` is asked before each engine */
export async function addRules(plan: Plan, engines: readonly Engine[], check: () => void): Promise<void> {
  for (const e of engines) {
    check();
    const rules = plan.hostRules.filter((r) => engineNamed(engines, r.host) === e).map((r) => ['-I', r.chain, ...r.args]);
    await firewall(e, plan.runId, plan.containers[0]?.image).run(rules);
  }
}

/** the rules of the run (or of every run) on every engine of the teardown */
export async function removeRules(t: Teardown, runId: string | 'all'): Promise<void> {
  const { ordered, where, failures, gone } = t;
  for (const e of ordered) {
    // the rules of one host go together: on another host that is one helper container, not one each
    const fw = firewall(e, runId === 'all' ? 'cleanup' : runId);
    const rules = await fw.listUserChain().then(
      (lines) => rulesOfRun(lines, runId),
      (err: Error) => void failures.push(`DOCKER-USER rules${where(e)}: ${err.message}`),
    );
    if (!rules?.length) continue;
    const failed = await fw.runAll(rules).catch((err: Error) => [`${err.message}`]);
    gone.rule += rules.length - failed.length;
    for (const f of failed) failures.push(`rule${where(e)}: ${f}`);
  }
}
