import { describe, expect, it } from 'vitest';
import { loadTopology } from '../config/topology.ts';
import { planTopology } from '../plan/plan.ts';
import { planGraph, renderPng, shortName, toDot, toMermaid } from './graph.ts';

const opts = { runId: 'abc123', resultsDir: '/tmp/r', image: 'img' };

describe('topology graph', () => {
  it('draws every container and network of a small plan, and every attachment as a link', async () => {
    const plan = planTopology(loadTopology('topologies/small.yaml'), opts);
    const g = planGraph(plan);
    expect(g.detail).toBe('full');
    const ids = new Set(g.nodes.map((n) => n.id));
    for (const c of plan.containers) expect(ids.has(shortName(plan, c.name)), c.name).toBe(true);
    for (const n of plan.networks) expect(ids.has(`net:${shortName(plan, n.name)}`), n.name).toBe(true);
    expect(g.edges).toHaveLength(plan.containers.reduce((s, c) => s + c.attachments.length, 0));
    for (const e of g.edges) expect(ids.has(e.from) && ids.has(e.to), `${e.from} -- ${e.to}`).toBe(true);
    const mermaid = toMermaid(g);
    expect(mermaid.startsWith('flowchart LR')).toBe(true);
    for (const c of plan.containers) expect(mermaid).toContain(`"${shortName(plan, c.name)}`);
    expect(mermaid.match(/ --- /g)).toHaveLength(g.edges.length);
    expect(mermaid).toMatch(/subgraph country_SE\["SE"\]/);
    // Graphviz renders it without an error
    const png = await renderPng(toDot(g));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('draws 300 peers as counted groups per country', () => {
    const plan = planTopology(loadTopology('topologies/paper-7.yaml'), opts);
    const g = planGraph(plan);
    expect(g.detail).toBe('summary');
    expect(g.nodes.length).toBeLessThan(120);
    const peers = g.nodes.filter((n) => n.kind === 'group').reduce((s, n) => s + Number(/(\d+) peers/.exec(n.label)![1]), 0);
    expect(peers).toBe(plan.containers.filter((c) => c.role === 'peer').length);
    for (const country of new Set(plan.containers.filter((c) => c.role === 'peer').map((c) => String(c.meta.country)))) expect(g.nodes.some((n) => n.id === `wan-${country}`)).toBe(true);
  });
});
