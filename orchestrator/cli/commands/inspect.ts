import type { Command } from 'commander';
import { shortName } from '../../graph/graph.ts';
import { DockerRuntime } from '../../runtime/docker/index.ts';
import { findPlan, runNodes } from '../nodes.ts';

export const order = 37;

export function register(program: Command): void {
  program
    .command('inspect')
    .description('every container of a running testbed: role, country, router category, access, addresses, UPnP outcome, state')
    .argument('<run-id>', 'the run (npx testbed status lists them)')
    .option('--role <role>', 'only this role (peer, router, dc, dns, core)')
    .option('--country <cc>', 'only this country')
    .option('--json', 'print JSON', false)
    .option('--results <dir>', 'where results/<run-id>/ are (for the plan)', 'results')
    .action(async (runId: string, o: { role?: string; country?: string; json: boolean; results: string }) => {
      const rt = new DockerRuntime();
      const nodes = await runNodes(rt, runId);
      const plan = findPlan(o.results, runId);
      const rows = [];
      for (const n of nodes) {
        const c = plan?.containers.find((x) => x.name === n.name);
        const country = c?.meta.country !== undefined ? String(c.meta.country) : undefined;
        if (o.role && n.role !== o.role) continue;
        if (o.country && country !== o.country.toUpperCase()) continue;
        const addresses = Object.fromEntries((c?.attachments ?? []).map((a) => [shortName({ runId }, a.network), a.ip]));
        // what UPnP gave a peer is in its own log: the client logs the port-mapping outcome
        let upnp: string | undefined;
        let advertised: string | undefined;
        if (n.role === 'peer') {
          const line = (await rt.logs(n.name).catch(() => '')).split('\n').find((l) => l.includes('"event":"portmap"'));
          if (line) {
            const e = JSON.parse(line) as { ok: boolean; externalAddress?: string; externalPort?: number; error?: string };
            upnp = e.ok ? 'mapped' : `no (${e.error})`;
            if (e.ok) advertised = `${e.externalAddress}:${e.externalPort}`;
          } else upnp = 'not asked';
        }
        rows.push({
          node: n.node,
          role: n.role,
          ...(country ? { country } : {}),
          ...(c?.meta.category !== undefined ? { category: String(c.meta.category) } : {}),
          ...(c?.meta.access !== undefined ? { access: String(c.meta.access) } : {}),
          addresses,
          ...(advertised ? { advertised } : {}),
          ...(upnp ? { upnp } : {}),
          state: n.state,
          status: n.status,
          ...(n.host ? { host: n.host } : {}),
        });
      }
      if (o.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      if (!plan) process.stderr.write(`no plan of run ${runId} under ${o.results}/: countries, categories and addresses are not shown\n`);
      for (const r of rows) {
        const facts = [r.country, r.category, r.access].filter(Boolean).join(' ');
        const addrs = Object.entries(r.addresses)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        process.stdout.write(
          `${r.node.padEnd(16)} ${r.role.padEnd(6)} ${facts.padEnd(22)} ${addrs}${r.advertised ? ` advertised=${r.advertised}` : ''}${r.upnp ? ` upnp=${r.upnp}` : ''}  ${r.state}${r.host ? ` on ${r.host}` : ''}\n`,
        );
      }
    });
}
