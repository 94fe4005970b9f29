// The rows of `testbed inspect` and of serve's nodes of a country, from a listing and a plan as
// DockerRuntime gives them and peers' logs from a fake: facts from the plan, UPnP from the log,
// filters, and the text form the command prints.
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/types.ts';
import type { ContainerRow } from './containers.ts';
import { inspectRows, inspectText } from './inspect.ts';

const run = 'abcd';
const listed: ContainerRow[] = [
  { name: 'tb-abcd-core', role: 'core', state: 'running', status: 'Up 2 minutes' },
  { name: 'tb-abcd-r-se-001', role: 'router', state: 'running', status: 'Up 2 minutes' },
  { name: 'tb-abcd-p-se-001', role: 'peer', state: 'running', status: 'Up 2 minutes' },
  { name: 'tb-abcd-p-se-002', role: 'peer', state: 'exited', status: 'Exited (0) 5 seconds ago', host: 'b' },
  { name: 'tb-abcd-p-gb-001', role: 'peer', state: 'running', status: 'Up 2 minutes' },
];
const plan = {
  runId: run,
  containers: [
    { name: 'tb-abcd-core', meta: {}, attachments: [{ network: 'tb-abcd-wan', ip: '10.0.0.1' }] },
    {
      name: 'tb-abcd-r-se-001',
      meta: { country: 'SE', category: 'upnp' },
      attachments: [
        { network: 'tb-abcd-wan', ip: '10.0.0.5' },
        { network: 'tb-abcd-h-se-001', ip: '192.168.1.1' },
      ],
    },
    { name: 'tb-abcd-p-se-001', meta: { country: 'SE', category: 'upnp', access: 'dsl' }, attachments: [{ network: 'tb-abcd-h-se-001', ip: '192.168.1.2' }] },
    { name: 'tb-abcd-p-se-002', meta: { country: 'SE', category: 'noUpnp', access: 'cable' }, attachments: [{ network: 'tb-abcd-h-se-002', ip: '192.168.2.2' }] },
    { name: 'tb-abcd-p-gb-001', meta: { country: 'GB', category: 'noNat', access: 'fibre' }, attachments: [{ network: 'tb-abcd-wan', ip: '10.0.0.9' }] },
  ],
} as unknown as Plan;
const LOGS: Record<string, string> = {
  'tb-abcd-p-se-001': '{"event":"start"}\n{"event":"portmap","ok":true,"externalAddress":"198.51.100.7","externalPort":40001}\n',
  'tb-abcd-p-se-002': '{"event":"portmap","ok":false,"error":"no IGD found"}\n',
  'tb-abcd-p-gb-001': '{"event":"start"}\n',
};
function fakeLogs() {
  const asked: string[] = [];
  return {
    asked,
    async logs(name: string) {
      asked.push(name);
      const log = LOGS[name];
      if (log === undefined) throw new Error(`no such container ${name}`);
      return log;
    },
  };
}

describe('inspect rows', () => {
  it("give each container its plan's facts, a peer's UPnP outcome from its log, in the listing's order", async () => {
    const rt = fakeLogs();
    const rows = await inspectRows(rt, run, listed, plan);
    expect(rows).toEqual([
      { node: 'core', role: 'core', addresses: { wan: '10.0.0.1' }, state: 'running', status: 'Up 2 minutes' },
      { node: 'r-se-001', role: 'router', country: 'SE', category: 'upnp', addresses: { wan: '10.0.0.5', 'h-se-001': '192.168.1.1' }, state: 'running', status: 'Up 2 minutes' },
      {
        node: 'p-se-001',
        role: 'peer',
        country: 'SE',
        category: 'upnp',
        access: 'dsl',
        addresses: { 'h-se-001': '192.168.1.2' },
        advertised: '198.51.100.7:40001',
        upnp: 'mapped',
        state: 'running',
        status: 'Up 2 minutes',
      },
      {
        node: 'p-se-002',
        role: 'peer',
        country: 'SE',
        category: 'noUpnp',
        access: 'cable',
        addresses: { 'h-se-002': '192.168.2.2' },
        upnp: 'no (no IGD found)',
        state: 'exited',
        status: 'Exited (0) 5 seconds ago',
        host: 'b',
      },
      { node: 'p-gb-001', role: 'peer', country: 'GB', category: 'noNat', access: 'fibre', addresses: { wan: '10.0.0.9' }, upnp: 'not asked', state: 'running', status: 'Up 2 minutes' },
    ]);
    // only peers' logs are read
    expect(rt.asked.sort()).toEqual(['tb-abcd-p-gb-001', 'tb-abcd-p-se-001', 'tb-abcd-p-se-002']);
    // the JSON `testbed inspect --json` prints: keys in this order
    expect(Object.keys(rows[3])).toEqual(['node', 'role', 'country', 'category', 'access', 'addresses', 'upnp', 'state', 'status', 'host']);
  });

  it('keep to a country (either case) and a role, and read only the logs of the peers kept', async () => {
    const rt = fakeLogs();
    const se = await inspectRows(rt, run, listed, plan, { country: 'se' });
    expect(se.map((r) => r.node)).toEqual(['r-se-001', 'p-se-001', 'p-se-002']);
    expect(rt.asked.sort()).toEqual(['tb-abcd-p-se-001', 'tb-abcd-p-se-002']);
    expect((await inspectRows(fakeLogs(), run, listed, plan, { country: 'SE', role: 'router' })).map((r) => r.node)).toEqual(['r-se-001']);
  });

  it('without a plan: no facts, no country to keep to; a log that cannot be read is as one that says nothing', async () => {
    const rows = await inspectRows({ logs: () => Promise.reject(new Error('gone')) }, run, listed, null);
    expect(rows[2]).toEqual({ node: 'p-se-001', role: 'peer', addresses: {}, upnp: 'not asked', state: 'running', status: 'Up 2 minutes' });
    expect(await inspectRows(fakeLogs(), run, listed, null, { country: 'SE' })).toEqual([]);
  });

  it('print as the command prints them, a line each', async () => {
    const text = inspectText(await inspectRows(fakeLogs(), run, listed, plan));
    expect(text).toBe(
      [
        'core             core                          wan=10.0.0.1  running',
        'r-se-001         router SE upnp                wan=10.0.0.5 h-se-001=192.168.1.1  running',
        'p-se-001         peer   SE upnp dsl            h-se-001=192.168.1.2 advertised=198.51.100.7:40001 upnp=mapped  running',
        'p-se-002         peer   SE noUpnp cable        h-se-002=192.168.2.2 upnp=no (no IGD found)  exited on b',
        'p-gb-001         peer   GB noNat fibre         wan=10.0.0.9 upnp=not asked  running',
        '',
      ].join('\n'),
    );
    expect(inspectText([])).toBe('');
  });
});
