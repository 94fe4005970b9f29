// The rows of `testbed inspect` (cli/commands/inspect.ts) and of `testbed serve`'s nodes of a
// country (serve/server.ts, `/runs/<folder>/topology/nodes?country=XX`): each container of a run
// with what its plan says of it (country, router category, access, addresses) and, for a peer,
// what UPnP gave it, which only its own log says (the client logs `"event":"portmap"`). Reads
// only: the engine is listed and logs are read, nothing is started or stopped.
import { shortName } from '../../graph/graph.ts';
import type { Plan } from '../../plan/types.ts';
import { PARALLEL, pool } from '../schedule.ts';
import type { ContainerRow } from './containers.ts';
import { DockerRuntime } from './index.ts';

export interface InspectRow {
  node: string;
  role: string;
  country?: string;
  category?: string;
  access?: string;
  /** network (short name) → address */
  addresses: Record<string, string>;
  /** the address and port UPnP mapped, as the peer advertises it */
  advertised?: string;
  /** a peer's UPnP outcome: mapped, no (why), not asked */
  upnp?: string;
  state: string;
  status: string;
  host?: string;
}

export interface InspectFilter {
  role?: string;
  /** a country code, either case */
  country?: string;
}

/** what the rows need of a runtime: a container's whole log */
export interface LogSource {
  logs(name: string): Promise<string>;
}

/** what UPnP gave a peer, from its log */
function portmapOf(log: string): { upnp: string; advertised?: string } {
  const line = log.split('\n').find((l) => l.includes('"event":"portmap"'));
  if (!line) return { upnp: 'not asked' };
  const e = JSON.parse(line) as { ok: boolean; externalAddress?: string; externalPort?: number; error?: string };
  return e.ok ? { upnp: 'mapped', advertised: `${e.externalAddress}:${e.externalPort}` } : { upnp: `no (${e.error})` };
}

/**
 * The rows of the containers `listed` (DockerRuntime.list) of run `runId` that pass `filter`, in
 * their order, facts from `plan` when there is one; peers' logs read a few at a time.
 */
export async function inspectRows(rt: LogSource, runId: string, listed: readonly ContainerRow[], plan: Plan | null, filter: InspectFilter = {}): Promise<InspectRow[]> {
  const wanted = listed.flatMap((n) => {
    const c = plan?.containers.find((x) => x.name === n.name);
    const country = c?.meta.country !== undefined ? String(c.meta.country) : undefined;
    if (filter.role && n.role !== filter.role) return [];
    if (filter.country && country !== filter.country.toUpperCase()) return [];
    return [{ n, c, country }];
  });
  const portmaps = new Map<string, { upnp: string; advertised?: string }>();
  await pool(
    wanted.filter((w) => w.n.role === 'peer'),
    PARALLEL,
    async ({ n }) => {
      portmaps.set(n.name, portmapOf(await rt.logs(n.name).catch(() => '')));
    },
  );
  return wanted.map(({ n, c, country }) => {
    const addresses = Object.fromEntries((c?.attachments ?? []).map((a) => [shortName({ runId }, a.network), a.ip]));
    const pm = portmaps.get(n.name);
    return {
      node: shortName({ runId }, n.name),
      role: n.role,
      ...(country ? { country } : {}),
      ...(c?.meta.category !== undefined ? { category: String(c.meta.category) } : {}),
      ...(c?.meta.access !== undefined ? { access: String(c.meta.access) } : {}),
      addresses,
      ...(pm?.advertised ? { advertised: pm.advertised } : {}),
      ...(pm?.upnp ? { upnp: pm.upnp } : {}),
      state: n.state,
      status: n.status,
      ...(n.host ? { host: n.host } : {}),
    };
  });
}

/** `testbed inspect`'s text: a line a row */
export function inspectText(rows: readonly InspectRow[]): string {
  return rows
    .map((r) => {
      const facts = [r.country, r.category, r.access].filter(Boolean).join(' ');
      const addrs = Object.entries(r.addresses)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return `${r.node.padEnd(16)} ${r.role.padEnd(6)} ${facts.padEnd(22)} ${addrs}${r.advertised ? ` advertised=${r.advertised}` : ''}${r.upnp ? ` upnp=${r.upnp}` : ''}  ${r.state}${r.host ? ` on ${r.host}` : ''}\n`;
    })
    .join('');
}

/** what the engine has of a run now: the rows that pass `filter`, how many containers it has in all, and the hosts that did not answer */
export interface RunInspection {
  rows: InspectRow[];
  containers: number;
  unreachable: string[];
}

/** the rows of a run straight from the Docker engine(s) it runs on (`testbed serve`'s default) */
export async function inspectRun(runId: string, plan: Plan | null, filter: InspectFilter = {}): Promise<RunInspection> {
  const rt = new DockerRuntime();
  const listed = await rt.list(runId);
  return { rows: await inspectRows(rt, runId, listed, plan, filter), containers: listed.length, unreachable: [...rt.unreachable] };
}
