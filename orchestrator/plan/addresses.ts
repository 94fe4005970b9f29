// Address plan. The "internet" uses 198.18.0.0/15 (RFC 2544 benchmarking space: never routed on
// the real internet); home networks use 10.0.0.0/8 and the outer networks of double NATs
// 100.64.0.0/10 (carrier-grade NAT space), both private, as in life. Every subnet is distinct
// because Docker refuses overlapping networks.

export const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export interface Subnet {
  cidr: string;
  /** the address Docker keeps for the bridge (.1): never a next hop for anything */
  gateway: string;
  /** n-th usable host address after the gateway: host(0) is .2 */
  host(n: number): string;
  size: number;
}

function subnet(base: string, bits: number): Subnet {
  const b = ipToInt(base);
  const size = 2 ** (32 - bits);
  return {
    cidr: `${intToIp(b)}/${bits}`,
    gateway: intToIp(b + 1),
    size,
    host(n: number) {
      if (n < 0 || n + 2 >= size - 1) throw new RangeError(`host ${n} does not fit in ${intToIp(b)}/${bits}`);
      return intToIp(b + 2 + n);
    },
  };
}

const WAN_BASE = ipToInt('198.18.0.0');
/** WAN networks: /22 blocks (1021 hosts) from 198.18.0.0; 112 of them before the reserved tail */
export const wanSubnet = (i: number) => {
  if (i >= 112) throw new RangeError('more than 112 WAN networks');
  return subnet(intToIp(WAN_BASE + i * 1024), 22);
};
export const dcSubnet = (i: number) => subnet(`198.19.${240 + i}.0`, 24);
export const servicesSubnet = () => subnet('198.19.248.0', 24);
/** wrong-but-plausible public addresses a "mismatch" router answers; nothing holds them */
export const fakeExternal = (i: number) => intToIp(ipToInt('198.19.252.0') + 2 + (i % 1000));
/** everything the testbed's networks take their subnets from */
export const TESTBED_RANGES = ['198.18.0.0/15', '10.0.0.0/8', '100.64.0.0/10'] as const;

export const homeSubnet = (i: number) => subnet(intToIp(ipToInt('10.0.0.0') + i * 8), 29);
export const outerSubnet = (i: number) => subnet(intToIp(ipToInt('100.64.0.0') + i * 8), 29);

export function inSubnet(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const b = ipToInt(base);
  const x = ipToInt(ip);
  return x >= b && x < b + size;
}

export function overlaps(a: string, b: string): boolean {
  const [ab, abits] = a.split('/');
  const [bb, bbits] = b.split('/');
  const as = ipToInt(ab),
    ae = as + 2 ** (32 - Number(abits));
  const bs = ipToInt(bb),
    be = bs + 2 ** (32 - Number(bbits));
  return as < be && bs < ae;
}
