// What runs there are, from their labels alone: per run its containers by role and state (per host
// on a multi-host testbed), its networks, whether every planned container exists, and which of its
// hosts did not answer.
import type { DockerHost } from '../../config/hosts.ts';
import { LABEL_PLANNED, LABEL_ROLE, LABEL_RUN } from '../../plan/types.ts';
import type { RunStatus } from '../types.ts';
import { type Engine, hostsFromLabel, LABEL_HOSTS } from './engines.ts';

/** the runs matching `filter` on these engines; `runId`, when asked for, is shown even when only its unreachable hosts hold it */
export async function runsOn(engines: readonly Engine[], unreachable: string[], filter: string, runId?: string): Promise<RunStatus[]> {
  const runs = new Map<string, RunStatus>();
  const get = (id: string) => {
    let r = runs.get(id);
    if (!r) runs.set(id, (r = { runId: id, topology: '', transient: false, roles: {}, networks: 0, planned: {}, complete: true }));
    return r;
  };
  const networkIds = new Set<string>();
  const runHosts = new Map<string, DockerHost[]>();
  for (const e of engines) {
    const containers = await e.docker.listContainers({ all: true, filters: { label: [filter] } });
    const networks = await e.docker.listNetworks({ filters: { label: [filter] } });
    for (const c of containers) {
      if (c.Labels[LABEL_ROLE] === 'firewall' || !c.Labels[LABEL_RUN]) continue;
      const r = get(c.Labels[LABEL_RUN] ?? '?');
      if (c.Labels[LABEL_HOSTS]) runHosts.set(r.runId, hostsFromLabel(c.Labels[LABEL_HOSTS]));
      r.transient ||= c.Labels['testbed.transient'] === 'true';
      try {
        if (c.Labels[LABEL_PLANNED]) r.planned = JSON.parse(c.Labels[LABEL_PLANNED]) as Record<string, number>;
      } catch {
        // a label this version did not write: no plan to compare with
      }
      const role = c.Labels[LABEL_ROLE] ?? '?';
      const s = (r.roles[role] ??= { count: 0, running: 0, exited: 0 });
      s.count++;
      if (c.State === 'running') s.running++;
      if (c.State === 'exited' || c.State === 'dead') s.exited++;
      if (e.host !== null) {
        const h = ((r.hosts ??= {})[e.host] ??= { address: e.address, containers: 0, running: 0 });
        h.containers++;
        if (c.State === 'running') h.running++;
      }
    }
    for (const n of networks) {
      if (networkIds.has(n.Id)) continue;
      networkIds.add(n.Id);
      get(n.Labels?.[LABEL_RUN] ?? '?').networks++;
    }
  }
  // a run asked for by name whose hosts do not answer is shown with that, not as absent
  if (runId && unreachable.length) get(runId);
  for (const r of runs.values()) {
    for (const role of Object.keys(r.planned)) r.roles[role] ??= { count: 0, running: 0, exited: 0 };
    r.complete = Object.entries(r.planned).every(([role, n]) => (r.roles[role]?.count ?? 0) >= n);
    const spans = runHosts.get(r.runId);
    const mine = unreachable.filter((u) => !spans || spans.some((h) => u.startsWith(`host ${h.name} (${h.docker})`)));
    if (mine.length) r.unreachable = mine;
  }
  return [...runs.values()].sort((a, b) => a.runId.localeCompare(b.runId));
}
