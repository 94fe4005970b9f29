import { describe, expect, it } from 'vitest';
import { natCommands, renameIfaces, routeCommands, shapingCommands } from './commands.ts';

const dir = (rateKbit: number, lossPct = 0) => ({ rateKbit, delayMs: 20, jitterMs: 5, lossPct });

describe('netsetup commands', () => {
  it('routes, including a blackhole default for the core (silence, not ICMP unreachable)', () => {
    expect(
      routeCommands({
        routes: [
          { dst: 'default', via: '10.0.0.2' },
          { dst: 'default', via: 'blackhole' },
        ],
      }),
    ).toEqual([
      ['ip', 'route', 'replace', 'default', 'via', '10.0.0.2'],
      ['ip', 'route', 'replace', 'blackhole', 'default'],
    ]);
  });

  it('a NAT drops unsolicited inbound and accepts only replies and UPnP forwards', () => {
    const c = natCommands({ wanIface: 'eth0', lanIface: 'eth1' }).map((x) => x.join(' '));
    expect(c).toContain('iptables -w -t nat -A POSTROUTING -o eth0 -j MASQUERADE');
    expect(c).toContain('iptables -w -P FORWARD DROP');
    expect(c).toContain('iptables -w -A FORWARD -i eth0 -o eth1 -m conntrack --ctstate DNAT -j ACCEPT');
    expect(c.some((x) => /-i eth0 -o eth1 -j ACCEPT/.test(x))).toBe(false);
  });

  it('shapes both directions, with netem where present and an iptables loss fallback where not', () => {
    const s = { iface: 'eth0', up: dir(1000, 1), down: dir(8000, 2) };
    const withNetem = shapingCommands(s, true);
    const j = withNetem.commands.map((x) => x.join(' '));
    expect(j).toContain('tc class replace dev eth0 parent 1: classid 1:10 htb rate 1000kbit ceil 1000kbit burst 6056 cburst 6056');
    expect(j.some((x) => x.includes('mirred egress redirect dev ifb0'))).toBe(true);
    expect(j[0]).toBe('ip link set dev eth0 gso_max_size 1514 gro_max_size 1514');
    expect(j.some((x) => x.startsWith('tc class replace dev ifb0') && x.includes('rate 8000kbit'))).toBe(true);
    expect(j).toContain('tc qdisc replace dev eth0 parent 1:10 handle 10: netem limit 10000 delay 20ms 5ms loss 1%');
    expect(withNetem.applied).toMatchObject({ delayMs: 40, lossBy: 'netem' });
    const without = shapingCommands(s, false);
    const k = without.commands.map((x) => x.join(' '));
    expect(k.some((x) => x.includes('netem'))).toBe(false);
    expect(k).toContain('iptables -w -A INPUT -i eth0 -m statistic --mode random --probability 0.02 -j DROP');
    expect(without.applied).toMatchObject({ delayMs: 40, jitterMs: 5, lossBy: 'iptables', delayBy: 'app' });
    expect(without.programEnv).toEqual({ TB_RX_DELAY_MS: '40', TB_RX_JITTER_MS: '5' });
    expect(withNetem.programEnv).toEqual({});
  });

  it('maps planned interface names to the kernel ones', () => {
    const n = renameIfaces({ routes: [], nat: { wanIface: 'eth0', lanIface: 'eth1' } }, { eth0: 'eth1', eth1: 'eth0' });
    expect(n.nat).toEqual({ wanIface: 'eth1', lanIface: 'eth0' });
  });
});
