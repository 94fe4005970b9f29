// What the container entrypoint does to the network before the role's program starts, as a list
// of commands computed from data (TB_NET: the plan's ContainerNet). Pure, so the plan's intent
// can be unit-tested without a kernel; main.ts runs the list.
//
// Interfaces are named in the plan (eth0, eth1... in attach order) but the kernel's names follow
// Docker's own ordering, so every command is built after mapping planned names to real ones by
// address (TB_ADDRS: planned interface -> IPv4 address).

import type { ContainerNet, LinkDirection, Shaping } from './types.ts';

export type Cmd = string[];

export function routeCommands(net: ContainerNet): Cmd[] {
  return net.routes.map((r) => (r.via === 'blackhole' ? ['ip', 'route', 'replace', 'blackhole', r.dst] : ['ip', 'route', 'replace', r.dst, 'via', r.via]));
}

/**
 * A home router: masquerade out of the WAN, forward what the LAN starts and what UPnP forwards
 * (conntrack state DNAT), drop everything else arriving from the WAN. This is what makes a NAT
 * without UPnP unreachable from outside, as in life.
 */
export function natCommands(nat: { wanIface: string; lanIface: string }): Cmd[] {
  const ipt = (...a: string[]) => ['iptables', '-w', ...a];
  return [
    ipt('-t', 'nat', '-A', 'POSTROUTING', '-o', nat.wanIface, '-j', 'MASQUERADE'),
    ipt('-P', 'FORWARD', 'DROP'),
    ipt('-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'),
    ipt('-A', 'FORWARD', '-i', nat.lanIface, '-o', nat.wanIface, '-j', 'ACCEPT'),
    ipt('-A', 'FORWARD', '-i', nat.wanIface, '-o', nat.lanIface, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT'),
  ];
}

function htb(dev: string, rateKbit: number): Cmd[] {
  return [['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '10'], rateClass(dev, rateKbit)];
}

/** the shaped class's rate; also how a `link-rate` fault changes a running link (orchestrator/experiment/link-faults.ts) */
export function rateClass(dev: string, rateKbit: number): Cmd {
  // burst sized for ~10 ms at the rate (at least a few full frames) keeps the rate honest on
  // short transfers without starving TCP
  const burst = Math.max(4 * 1514, Math.round((rateKbit * 1000) / 8 / 100));
  return ['tc', 'class', 'replace', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', `${rateKbit}kbit`, 'ceil', `${rateKbit}kbit`, 'burst', String(burst), 'cburst', String(burst)];
}

/** the access link's ingress is shaped on this device (the download direction) */
export const INGRESS_DEV = 'ifb0';

function netem(dev: string, d: LinkDirection): Cmd[] {
  if (d.delayMs <= 0 && d.jitterMs <= 0 && d.lossPct <= 0) return [];
  const args = ['tc', 'qdisc', 'replace', 'dev', dev, 'parent', '1:10', 'handle', '10:', 'netem', 'limit', '10000'];
  if (d.delayMs > 0 || d.jitterMs > 0) args.push('delay', `${d.delayMs}ms`, ...(d.jitterMs > 0 ? [`${d.jitterMs}ms`] : []));
  if (d.lossPct > 0) args.push('loss', `${d.lossPct}%`);
  return [args];
}

/** Loss without netem: iptables drops a random share of packets (real loss, TCP retransmits). */
function iptablesLoss(dev: string, up: LinkDirection, down: LinkDirection): Cmd[] {
  const out: Cmd[] = [];
  if (up.lossPct > 0) out.push(['iptables', '-w', '-A', 'OUTPUT', '-o', dev, '-m', 'statistic', '--mode', 'random', '--probability', String(up.lossPct / 100), '-j', 'DROP']);
  if (down.lossPct > 0) out.push(['iptables', '-w', '-A', 'INPUT', '-i', dev, '-m', 'statistic', '--mode', 'random', '--probability', String(down.lossPct / 100), '-j', 'DROP']);
  return out;
}

export interface ShapingPlan {
  commands: Cmd[];
  /** what really applies, for the results */
  applied: {
    upKbit: number;
    downKbit: number;
    delayMs: number;
    jitterMs: number;
    lossPct: { up: number; down: number };
    lossBy: 'netem' | 'iptables' | 'none';
    /** 'app': no netem, the program holds what it receives (adapters/delay.ts) */
    delayBy: 'netem' | 'app' | 'none';
  };
  /** environment for the role's program (the entrypoint exports it): the delay fallback's settings */
  programEnv: Record<string, string>;
}

/** Egress shaping on the interface (upload); ingress redirected through ifb0 and shaped there (download). */
export function shapingCommands(s: Shaping, hasNetem: boolean): ShapingPlan {
  const cmds: Cmd[] = [
    // no segmentation or receive offload on a shaped link: a 64 KB GSO/GRO super-packet passes
    // the shaper at once, a burst that shows as 15% extra throughput on a 1 Mbit link
    ['ip', 'link', 'set', 'dev', s.iface, 'gso_max_size', '1514', 'gro_max_size', '1514'],
    ...htb(s.iface, s.up.rateKbit),
    ['ip', 'link', 'add', INGRESS_DEV, 'type', 'ifb'],
    ['ip', 'link', 'set', INGRESS_DEV, 'up'],
    ['tc', 'qdisc', 'replace', 'dev', s.iface, 'handle', 'ffff:', 'ingress'],
    ['tc', 'filter', 'replace', 'dev', s.iface, 'parent', 'ffff:', 'protocol', 'all', 'prio', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'mirred', 'egress', 'redirect', 'dev', INGRESS_DEV],
    ...htb(INGRESS_DEV, s.down.rateKbit),
  ];
  const anyLoss = s.up.lossPct > 0 || s.down.lossPct > 0;
  if (hasNetem) cmds.push(...netem(s.iface, s.up), ...netem(INGRESS_DEV, s.down));
  else cmds.push(...iptablesLoss(s.iface, s.up, s.down));
  const anyDelay = s.up.delayMs + s.down.delayMs > 0 || Math.max(s.up.jitterMs, s.down.jitterMs) > 0;
  const delayMs = s.up.delayMs + s.down.delayMs;
  const jitterMs = Math.max(s.up.jitterMs, s.down.jitterMs);
  return {
    commands: cmds,
    applied: {
      upKbit: s.up.rateKbit,
      downKbit: s.down.rateKbit,
      delayMs,
      jitterMs,
      lossPct: { up: s.up.lossPct, down: s.down.lossPct },
      lossBy: anyLoss ? (hasNetem ? 'netem' : 'iptables') : 'none',
      delayBy: anyDelay ? (hasNetem ? 'netem' : 'app') : 'none',
    },
    // both directions' delay at the receiver: round trips come out as with netem (adapters/delay.ts)
    programEnv: !hasNetem && anyDelay ? { TB_RX_DELAY_MS: String(delayMs), TB_RX_JITTER_MS: String(jitterMs) } : {},
  };
}

/** Replace planned interface names by the kernel's (found by address). */
export function renameIfaces(net: ContainerNet, actual: Record<string, string>): ContainerNet {
  const m = (i: string) => actual[i] ?? i;
  return {
    ...net,
    ...(net.nat ? { nat: { wanIface: m(net.nat.wanIface), lanIface: m(net.nat.lanIface) } } : {}),
    ...(net.shaping ? { shaping: { ...net.shaping, iface: m(net.shaping.iface) } } : {}),
  };
}
