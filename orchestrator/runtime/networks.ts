// Network clean-up and creation errors that Docker reports in its own terms.
//
// Removing a network whose containers are all gone can still fail with "has active endpoints":
// under load, dockerd (20.10 here) sometimes keeps the endpoint of a removed container in its
// store (moby/moby#17217, #33156). CI hit it once and every later test then failed to create its
// networks ("Pool overlaps"). A forced disconnect by the endpoint's name deletes such an endpoint
// even though its container no longer exists; a short wait covers endpoints that a container
// removal still in flight has yet to release. When dockerd lists no endpoint at all, its
// endpoint count is off (what CI hit: dockerd logged "Fixing inconsistent endpoint_cnt" on its
// next start); only a dockerd restart recounts, and the error says so. schedule.ts keeps down
// from provoking it.

import { UserFacingError } from '../errors.ts';
import { overlaps, TESTBED_RANGES } from '../plan/addresses.ts';
import { LABEL_RUN } from '../plan/types.ts';

/** the part of dockerode's Network that clean-up uses; a fake in unit tests */
export interface NetworkHandle {
  remove(): Promise<unknown>;
  inspect(): Promise<{ Containers?: Record<string, { Name?: string }> | null }>;
  disconnect(o: { Container: string; Force: boolean }): Promise<unknown>;
}

type DockerError = { statusCode?: number; message?: string };

export async function removeNetwork(net: NetworkHandle, o: { attempts?: number; waitMs?: number; onStale?: (endpoints: string[]) => void } = {}): Promise<void> {
  const attempts = o.attempts ?? 6;
  const waitMs = o.waitMs ?? 500;
  let endpoints: string[] | null = null;
  for (let attempt = 1; ; attempt++) {
    try {
      await net.remove();
      return;
    } catch (err) {
      const e = err as DockerError;
      if (e.statusCode === 404) return;
      // an overlay stays "in use by task" for a few seconds after the last container on a worker
      // went: the manager removes the attachment tasks in its own time
      if (/in use by task/.test(e.message ?? '') && attempt < attempts) {
        await new Promise((r) => setTimeout(r, waitMs * attempt));
        continue;
      }
      if (!/active endpoints/.test(e.message ?? '')) throw err;
      if (attempt >= attempts) {
        if (endpoints?.length !== 0) throw err;
        throw Object.assign(new Error(`${e.message}, yet it lists none: dockerd's endpoint count for it is off (a dockerd bug); restarting dockerd recounts`), { statusCode: e.statusCode });
      }
    }
    const info = await net.inspect().catch(() => ({ Containers: null }));
    // a stale endpoint's key is "ep-<id>" and dockerd only finds it by its (container) name
    endpoints = Object.entries(info.Containers ?? {}).map(([id, ep]) => ep.Name || id);
    for (const name of endpoints) await net.disconnect({ Container: name, Force: true }).catch(() => {});
    if (endpoints.length) o.onStale?.(endpoints);
    await new Promise((r) => setTimeout(r, waitMs * attempt));
  }
}

/**
 * Asks `list` until it names nothing or `timeoutMs` passed, waiting a little longer each time;
 * returns what it named last (empty once all is gone).
 */
export async function untilGone(list: () => Promise<string[]>, timeoutMs: number, o: { stepMs?: number; now?: () => number } = {}): Promise<string[]> {
  const now = o.now ?? Date.now;
  const end = now() + timeoutMs;
  let step = o.stepMs ?? 250;
  for (;;) {
    const left = await list();
    if (!left.length || now() >= end) return left;
    await new Promise((r) => setTimeout(r, Math.min(step, Math.max(0, end - now()))));
    step = Math.min(step * 2, 4000);
  }
}

/** a network that stands in the way of one the plan needs, and what to do about it */
export class NetworkConflictError extends UserFacingError {}

export interface ExistingNetwork {
  Name: string;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string }[] | null } | null;
}

/** Explains dockerd's bare "Pool overlaps with other one on this address space" by naming the network that holds the address space. */
export function explainOverlap(want: { name: string; subnet: string }, existing: ExistingNetwork[]): NetworkConflictError | null {
  for (const n of existing) {
    const clash = (n.IPAM?.Config ?? []).map((c) => c.Subnet).find((s): s is string => !!s && s.includes('.') && overlaps(s, want.subnet));
    if (!clash) continue;
    const run = n.Labels?.[LABEL_RUN];
    const remedy = run
      ? `it was left by testbed run ${run}: remove it with \`npx testbed down ${run}\``
      : `it is not the testbed's: remove it, or move it off the testbed's address plan (${TESTBED_RANGES.join(', ')})`;
    return new NetworkConflictError(`cannot create network ${want.name} (${want.subnet}): network ${n.Name} already uses ${clash}; ${remedy}`);
  }
  return null;
}
