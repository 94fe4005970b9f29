// Port forwards for granted mappings: a DNAT in nat PREROUTING on the WAN interface. The router's
// forwarding firewall (set up by netsetup) accepts conntrack state DNAT, so nothing is needed in
// the filter table. Every rule carries the comment "tb-upnp" so it can be told from the rest.
import { execa } from 'execa';
import type { Mapping } from './mappings.ts';

export interface Firewall {
  add(m: Mapping): Promise<void>;
  remove(m: Mapping): Promise<void>;
}

function dnatArgs(op: '-A' | '-D', wanIf: string, m: Mapping): string[] {
  return [
    '-t',
    'nat',
    op,
    'PREROUTING',
    '-i',
    wanIf,
    '-p',
    m.proto.toLowerCase(),
    '--dport',
    String(m.externalPort),
    '-m',
    'comment',
    '--comment',
    'tb-upnp',
    '-j',
    'DNAT',
    '--to-destination',
    `${m.internalClient}:${m.internalPort}`,
  ];
}

export function iptablesFirewall(wanIf: string): Firewall {
  return {
    add: async (m) => void (await execa('iptables', ['-w', ...dnatArgs('-A', wanIf, m)])),
    remove: async (m) => void (await execa('iptables', ['-w', ...dnatArgs('-D', wanIf, m)], { reject: false })),
  };
}

/** For tests and for running the service on loopback: records what it would do. */
export class RecordingFirewall implements Firewall {
  readonly calls: { op: 'add' | 'remove'; m: Mapping }[] = [];
  async add(m: Mapping) {
    this.calls.push({ op: 'add', m });
  }
  async remove(m: Mapping) {
    this.calls.push({ op: 'remove', m });
  }
}
