// The topology as a picture (testbed graph): a plan becomes nodes and links, then Mermaid text
// (renders on GitHub and in Markdown viewers) or Graphviz DOT (rendered to PNG by `dot`). A small
// plan is drawn whole, one box per container and per network; a large one by groups: per country
// its WAN and its homes counted by router category and access type, so 300 peers stay readable.
import { execa } from 'execa';
import type { Plan } from '../plan/types.ts';

interface GraphNode {
  id: string;
  label: string;
  kind: 'core' | 'dc' | 'dns' | 'router' | 'peer' | 'network' | 'group';
  /** the country's box it is drawn in, if any */
  country?: string;
}
interface GraphEdge {
  from: string;
  to: string;
}
export interface TopologyGraph {
  title: string;
  detail: 'full' | 'summary';
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** plans up to this many containers are drawn one box per container */
const FULL_DETAIL_MAX = 80;

/** `tb-<run>-p-se-003` → `p-se-003`: the name the plan, inspect, logs and exec use */
export const shortName = (plan: Pick<Plan, 'runId'>, name: string) => name.replace(new RegExp(`^tb-${plan.runId}-`), '');

export function planGraph(plan: Plan, detail: 'full' | 'summary' | 'auto' = 'auto'): TopologyGraph {
  const d = detail === 'auto' ? (plan.containers.length <= FULL_DETAIL_MAX ? 'full' : 'summary') : detail;
  return d === 'full' ? fullGraph(plan) : summaryGraph(plan);
}

const countryOfNetwork = (plan: Plan, netName: string): string | undefined => {
  const users = plan.containers.filter((c) => c.attachments.some((a) => a.network === netName) && c.meta.country !== undefined);
  const cs = new Set(users.map((c) => String(c.meta.country)));
  return cs.size === 1 ? [...cs][0] : undefined;
};

function fullGraph(plan: Plan): TopologyGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const n of plan.networks) {
    const country = n.kind === 'core' || n.kind === 'dc' ? undefined : countryOfNetwork(plan, n.name);
    // ids say what they name: a data centre's network and its container share a name
    nodes.push({ id: `net:${shortName(plan, n.name)}`, label: `${shortName(plan, n.name)}\n${n.subnet}`, kind: 'network', ...(country ? { country } : {}) });
  }
  for (const c of plan.containers) {
    const meta = [c.meta.category, c.meta.access].filter((x) => x !== undefined).join(', ');
    const country = c.role === 'peer' || c.role === 'router' ? String(c.meta.country) : undefined;
    nodes.push({ id: shortName(plan, c.name), label: meta ? `${shortName(plan, c.name)}\n${meta}` : shortName(plan, c.name), kind: c.role, ...(country ? { country } : {}) });
    for (const a of c.attachments) edges.push({ from: shortName(plan, c.name), to: `net:${shortName(plan, a.network)}` });
  }
  return { title: `${plan.topology} (run ${plan.runId}): ${plan.containers.length} containers, ${plan.networks.length} networks`, detail: 'full', nodes, edges };
}

function summaryGraph(plan: Plan): TopologyGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const add = (n: GraphNode) => {
    if (!nodes.some((x) => x.id === n.id)) nodes.push(n);
  };
  add({ id: 'core', label: 'core router', kind: 'core' });
  for (const c of plan.containers.filter((x) => x.role === 'dc' || x.role === 'dns')) {
    add({ id: shortName(plan, c.name), label: shortName(plan, c.name), kind: c.role });
    edges.push({ from: shortName(plan, c.name), to: 'core' });
  }
  // per country: one WAN box (however many WAN networks it was split into), and groups of peers
  // by router category and access type, with counts
  const groups = new Map<string, { country: string; label: string; peers: number; homes: Set<string> }>();
  for (const p of plan.containers.filter((c) => c.role === 'peer')) {
    const country = String(p.meta.country);
    add({ id: `wan-${country}`, label: `WAN ${country}`, kind: 'network', country });
    const key = `${country}-${p.meta.category}-${p.meta.access}`;
    const g = groups.get(key) ?? { country, label: `${p.meta.category}, ${p.meta.access}`, peers: 0, homes: new Set<string>() };
    g.peers++;
    const home = p.attachments.find((a) => plan.networks.find((n) => n.name === a.network)?.kind === 'home');
    if (home) g.homes.add(home.network);
    groups.set(key, g);
  }
  for (const [key, g] of groups) {
    const homes = g.homes.size ? `${g.homes.size} homes, ` : '';
    add({ id: key, label: `${g.label}\n${homes}${g.peers} peers`, kind: 'group', country: g.country });
    edges.push({ from: key, to: `wan-${g.country}` });
  }
  for (const n of nodes.filter((x) => x.kind === 'network')) edges.push({ from: n.id, to: 'core' });
  const peers = plan.containers.filter((c) => c.role === 'peer').length;
  return { title: `${plan.topology} (run ${plan.runId}): ${peers} peers in ${groups.size} groups, ${plan.containers.length} containers`, detail: 'summary', nodes, edges };
}

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
const mermaidLabel = (s: string) => s.replace(/"/g, "'").replace(/\n/g, '<br/>');
const SHAPE: Record<GraphNode['kind'], [string, string]> = {
  core: ['{{', '}}'],
  dc: ['[(', ')]'],
  dns: ['[(', ')]'],
  router: ['[/', '/]'],
  peer: ['([', '])'],
  network: ['[', ']'],
  group: ['[[', ']]'],
};

export function toMermaid(g: TopologyGraph): string {
  const lines = ['flowchart LR', `  %% ${g.title}`];
  const node = (n: GraphNode) => `${mermaidId(n.id)}${SHAPE[n.kind][0]}"${mermaidLabel(n.label)}"${SHAPE[n.kind][1]}`;
  for (const n of g.nodes.filter((x) => !x.country)) lines.push(`  ${node(n)}`);
  for (const country of [...new Set(g.nodes.flatMap((n) => (n.country ? [n.country] : [])))].sort()) {
    lines.push(`  subgraph ${mermaidId(`country_${country}`)}["${country}"]`);
    for (const n of g.nodes.filter((x) => x.country === country)) lines.push(`    ${node(n)}`);
    lines.push('  end');
  }
  for (const e of g.edges) lines.push(`  ${mermaidId(e.from)} --- ${mermaidId(e.to)}`);
  return lines.join('\n') + '\n';
}

const dotQ = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const DOT_SHAPE: Record<GraphNode['kind'], string> = { core: 'hexagon', dc: 'cylinder', dns: 'cylinder', router: 'trapezium', peer: 'ellipse', network: 'box', group: 'box3d' };

export function toDot(g: TopologyGraph): string {
  const lines = ['graph testbed {', '  rankdir=LR; fontname="Helvetica"; node [fontname="Helvetica", fontsize=10];', `  label=${dotQ(g.title)}; labelloc=t;`];
  const node = (n: GraphNode) => `${dotQ(n.id)} [label=${dotQ(n.label)}, shape=${DOT_SHAPE[n.kind]}];`;
  for (const n of g.nodes.filter((x) => !x.country)) lines.push(`  ${node(n)}`);
  for (const country of [...new Set(g.nodes.flatMap((n) => (n.country ? [n.country] : [])))].sort()) {
    lines.push(`  subgraph ${dotQ(`cluster_${country}`)} {`, `    label=${dotQ(country)};`);
    for (const n of g.nodes.filter((x) => x.country === country)) lines.push(`    ${node(n)}`);
    lines.push('  }');
  }
  for (const e of g.edges) lines.push(`  ${dotQ(e.from)} -- ${dotQ(e.to)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** PNG by Graphviz's `dot` (Debian's graphviz; bin/setup.js installs it) */
export async function renderPng(dot: string): Promise<Buffer> {
  const r = await execa('dot', ['-Tpng'], { input: dot, encoding: 'buffer', reject: false });
  if (r.exitCode !== 0) throw new Error(`dot failed (exit ${r.exitCode}): ${Buffer.from(r.stderr).toString().trim()}`);
  return Buffer.from(r.stdout);
}

/** topology.mmd and topology.png of a plan in `dir` (the PNG only where Graphviz is installed); returns a note when it is not */
export async function writePlanPicture(plan: Plan, dir: string): Promise<string | null> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const g = planGraph(plan);
  fs.writeFileSync(path.join(dir, 'topology.mmd'), toMermaid(g));
  try {
    fs.writeFileSync(path.join(dir, 'topology.png'), await renderPng(toDot(g)));
    return null;
  } catch (err) {
    return `no topology.png: ${(err as Error).message.split('\n')[0]} (Graphviz's dot draws it; topology.mmd has the same picture as Mermaid)`;
  }
}
