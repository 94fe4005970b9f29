// The GeoIP rule of the paper's DNS: which data centres the SRV answer names, by the country of
// the asking address. Pure.

export interface DnsConfig {
  domain: string;
  dcs: Record<string, { address: string; port: number }>;
  /** address ranges to country, first match wins */
  countries: { cidr: string; country: string }[];
  /** country -> data centres with equal weight; "default" for everyone else */
  rules: Record<string, string[]>;
}

/** The paper's rule: SE and FI to Stockholm, NO to either at random, the rest to London. */
export const PAPER_RULES: Record<string, string[]> = { SE: ['stockholm'], FI: ['stockholm'], NO: ['stockholm', 'london'], default: ['london'] };

const toInt = (ip: string) => ip.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(net) & mask);
}

function countryOf(cfg: DnsConfig, ip: string): string | null {
  return cfg.countries.find((c) => inCidr(ip, c.cidr))?.country ?? null;
}

export function dcsFor(cfg: DnsConfig, ip: string): string[] {
  const c = countryOf(cfg, ip);
  return (c && cfg.rules[c]) || cfg.rules.default || [];
}

export function validateConfig(cfg: DnsConfig): void {
  for (const [k, dcs] of Object.entries(cfg.rules)) {
    for (const d of dcs) if (!cfg.dcs[d]) throw new Error(`dns config: rule ${k} names data centre "${d}"; known: ${Object.keys(cfg.dcs).join(', ')}`);
  }
  for (const c of cfg.countries) if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.cidr)) throw new Error(`dns config: bad cidr "${c.cidr}" for ${c.country}`);
}
