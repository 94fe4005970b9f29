// `up --dry-run`: the plan as a person reads it.
import type { Plan } from './types.ts';

export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  const peers = plan.containers.filter((c) => c.role === 'peer');
  lines.push(`run ${plan.runId}: topology ${plan.topology}, ${plan.containers.length} containers, ${plan.networks.length} networks, ${plan.hostRules.length} DOCKER-USER rules`);
  const byCountry = new Map<string, typeof peers>();
  for (const p of peers) byCountry.set(String(p.meta.country), [...(byCountry.get(String(p.meta.country)) ?? []), p]);
  lines.push('', 'peers by country:');
  for (const [c, ps] of byCountry) {
    const count = (f: string) =>
      Object.entries(ps.reduce<Record<string, number>>((m, p) => ((m[String(p.meta[f])] = (m[String(p.meta[f])] ?? 0) + 1), m), {}))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    lines.push(`  ${c}: ${ps.length} peers -> ${ps[0].meta.expectedDc}; routers: ${count('category')}; access: ${count('access')}`);
  }
  if (plan.hosts) {
    lines.push('', `hosts (${plan.hosts.length}; whole homes on one host each):`);
    for (const h of plan.hosts) {
      const on = plan.containers.filter((c) => c.host === h.name);
      const peersOn = on.filter((c) => c.role === 'peer').length;
      const local = plan.networks.filter((n) => n.scope === 'local' && n.hosts?.[0] === h.name).length;
      lines.push(
        `  ${h.name.padEnd(12)} ${h.docker.padEnd(34)} ${String(peersOn).padStart(5)} of ${h.peers} peers, ${on.length} containers, ${local} local networks${h.services ? '; core, data centres, DNS' : ''}`,
      );
    }
  }
  lines.push('', 'networks (all internal):');
  const scope = (n: (typeof plan.networks)[number]) => (n.scope === 'swarm' ? ` (Swarm) over ${n.hosts!.join(', ')}` : n.hosts ? ` on ${n.hosts[0]}` : '');
  for (const n of plan.networks.filter((x) => x.kind !== 'home')) lines.push(`  ${n.name.padEnd(28)} ${n.subnet.padEnd(18)} ${n.scope === 'swarm' ? 'overlay' : `bridge ${n.bridge}`}${scope(n)}`);
  const homes = plan.networks.filter((x) => x.kind === 'home');
  if (homes.length) lines.push(`  ${homes.length} home networks (${homes[0].subnet} ... ${homes.at(-1)!.subnet})`);
  lines.push('', 'containers:');
  for (const c of plan.containers) {
    const addrs = c.attachments.map((a) => a.ip).join(', ');
    const route = c.net.routes.map((r) => `${r.dst} via ${r.via}`).join('; ');
    const extra =
      c.role === 'peer'
        ? ` ${c.meta.access} ${c.meta.category} down ${c.meta.downKbit} kbit up ${c.meta.upKbit} kbit`
        : c.role === 'router'
          ? ` ${c.meta.category}${c.meta.outer ? ' (outer)' : ''}${c.meta.fakeExternal ? ` answers ${c.meta.fakeExternal}` : ''}`
          : '';
    lines.push(`  [${c.group}] ${c.role.padEnd(6)} ${c.name.padEnd(28)} ${c.host ? `${c.host.padEnd(8)} ` : ''}${addrs.padEnd(30)} ${route}${extra}`);
  }
  if (plan.notes.length) lines.push('', 'notes:', ...plan.notes.map((n) => `  ${n}`));
  return lines.join('\n') + '\n';
}
