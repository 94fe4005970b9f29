// Topologies: typed, with units parsed and the paper's defaults filled in.

import { createRequire } from 'node:module';
import path from 'node:path';
import type { DockerHost } from './hosts.ts';
import { checkHosts } from './hosts.ts';
import { ConfigError, type Loaded, loadYamlFile, parseDuration, parsePercent, parseRate, parseYaml } from './yaml.ts';

const require = createRequire(import.meta.url);
const topologySchema = require('../../topologies/topology.schema.json') as object;

export type Access = 'dsl' | 'cable' | 'fibre' | 'mobile';
export type RouterCategory = 'noNat' | 'upnp' | 'noUpnp' | 'mismatch' | 'private';
export type DcName = 'stockholm' | 'london';
const ACCESS: Access[] = ['dsl', 'cable', 'fibre', 'mobile'];
export const CATEGORIES: RouterCategory[] = ['noNat', 'upnp', 'mismatch', 'private', 'noUpnp'];
export const DCS: DcName[] = ['stockholm', 'london'];

/** The paper's Table II, percent of IP addresses: no NAT, UPnP worked, mismatch, private IP. */
const TABLE_II: Record<string, [number, number, number, number]> = {
  ES: [11.58, 9.09, 2.13, 0.61],
  FI: [60.15, 11.54, 0.97, 1.3],
  FR: [11.0, 47.58, 10.16, 0.98],
  GB: [11.68, 38.87, 11.59, 0.64],
  NL: [14.77, 18.04, 2.19, 3.05],
  NO: [23.73, 27.44, 5.65, 5.21],
  SE: [45.47, 26.69, 2.06, 1.34],
};

export function tableIIDefaults(country: string): Record<RouterCategory, number> {
  const rows = Object.values(TABLE_II);
  const row = TABLE_II[country] ?? ([0, 1, 2, 3].map((i) => rows.reduce((s, r) => s + r[i], 0) / rows.length) as [number, number, number, number]);
  const [noNat, upnp, mismatch, priv] = row.map((x) => x / 100);
  return { noNat, upnp, mismatch, private: priv, noUpnp: 1 - noNat - upnp - mismatch - priv };
}

/**
 * Access mixes, a judgement for 2011: the paper explains Finland's and Sweden's many public
 * addresses by 3G/4G USB modems, so mobile broadband is a larger share there.
 */
function accessDefaults(country: string): Record<Access, number> {
  const mobile = country === 'FI' ? 0.35 : country === 'SE' ? 0.25 : 0.08;
  const rest = 1 - mobile;
  return { dsl: rest * 0.55, cable: rest * 0.3, fibre: rest * 0.15, mobile };
}

/** the paper's seven countries (Table II) */
const PAPER_COUNTRIES = Object.keys(TABLE_II).sort();

/** region codes that name no country (CLDR groupings) or are reserved for one under another code */
const NOT_COUNTRIES: Record<string, string> = { UK: 'use GB, its ISO 3166-1 code', EU: 'a union, not a country', EZ: 'a zone, not a country', UN: 'not a country', QO: 'not a country' };

/**
 * Why `code` is not a country a peer can be in (null: it is one). A country is an ISO 3166-1
 * alpha-2 code that the runtime's region names know (Intl, from CLDR): a user-assigned or unknown
 * code (ZZ, QQ) used to be taken as a country with Table II's average routers.
 */
function countryCodeProblem(code: string): string | null {
  if (NOT_COUNTRIES[code]) return `${code} is not a country code here (${NOT_COUNTRIES[code]}); give an ISO 3166-1 alpha-2 code such as ${PAPER_COUNTRIES.join(', ')}`;
  const name = new Intl.DisplayNames(['en'], { type: 'region' }).of(code);
  if (!name || name === code || name === 'Unknown Region') return `${code} is not a country code; give an ISO 3166-1 alpha-2 code such as the paper's ${PAPER_COUNTRIES.join(', ')}`;
  return null;
}

interface LinkProfile {
  downKbit: number;
  upKbit: number;
  delayMs: number;
  jitterMs: number;
  lossPct: number;
}

/** 2011-era access links: ADSL2, DOCSIS 2/3, early FTTH, HSPA. */
const LINK_DEFAULTS: Record<Access, LinkProfile> = {
  dsl: { downKbit: 8000, upKbit: 1000, delayMs: 20, jitterMs: 2, lossPct: 0.1 },
  cable: { downKbit: 20000, upKbit: 2000, delayMs: 12, jitterMs: 3, lossPct: 0.05 },
  fibre: { downKbit: 100000, upKbit: 50000, delayMs: 4, jitterMs: 1, lossPct: 0 },
  mobile: { downKbit: 4000, upKbit: 1000, delayMs: 60, jitterMs: 15, lossPct: 0.5 },
};

const PAPER_DNS_RULES: Record<string, DcName[]> = { SE: ['stockholm'], FI: ['stockholm'], NO: ['stockholm', 'london'], default: ['london'] };

interface CountrySpec {
  peers: number;
  access: Record<Access, number>;
  routers: Record<RouterCategory, number>;
}

export interface Topology {
  name: string;
  file: string;
  seed: number;
  peersPerHome: number;
  dataCentres: Record<DcName, { memoryMB?: number }>;
  dnsRules: Record<string, DcName[]>;
  links: Record<Access, LinkProfile>;
  countries: Record<string, CountrySpec>;
  /** the Docker engines it is spread over (absent: this machine's alone) */
  hosts?: DockerHost[];
}

interface RawLink {
  down?: string;
  up?: string;
  delay?: string;
  jitter?: string;
  loss?: string;
}
interface RawTopology {
  name: string;
  seed?: number;
  peersPerHome?: number;
  dataCentres?: Partial<Record<DcName, { memoryMB?: number }>>;
  dnsRules?: Record<string, DcName[]>;
  links?: Partial<Record<Access, RawLink>>;
  hosts?: DockerHost[];
  countries: Record<string, { peers: number; access?: Partial<Record<Access, number>>; routers?: Partial<Record<Exclude<RouterCategory, 'noUpnp'>, number>> }>;
}

function toTopology(l: Loaded<RawTopology>): Topology {
  const raw = l.value;
  const problems: string[] = [];
  const links = {} as Record<Access, LinkProfile>;
  // values a link could be given by mistake (a 0kbit link, a three-year delay) are refused with their range
  const bounded = (a: Access, key: keyof RawLink, value: number, lo: number, hi: number, unit: string, shown: string) => {
    if (value < lo || value > hi) problems.push(`${l.where(['links', a, key])}: links.${a}.${key}: ${shown} is out of range; valid: ${lo} to ${hi} ${unit}`);
    return value;
  };
  for (const a of ACCESS) {
    const r = raw.links?.[a] ?? {};
    const d = LINK_DEFAULTS[a];
    links[a] = {
      downKbit: r.down ? bounded(a, 'down', parseRate(r.down), 8, 10_000_000, 'kbit (8kbit to 10gbit)', r.down) : d.downKbit,
      upKbit: r.up ? bounded(a, 'up', parseRate(r.up), 8, 10_000_000, 'kbit (8kbit to 10gbit)', r.up) : d.upKbit,
      delayMs: r.delay ? bounded(a, 'delay', parseDuration(r.delay), 0, 10_000, 'ms', r.delay) : d.delayMs,
      jitterMs: r.jitter ? bounded(a, 'jitter', parseDuration(r.jitter), 0, 10_000, 'ms', r.jitter) : d.jitterMs,
      lossPct: r.loss ? bounded(a, 'loss', parsePercent(r.loss), 0, 100, '%', r.loss) : d.lossPct,
    };
  }
  const countries: Record<string, CountrySpec> = {};
  for (const c of Object.keys(raw.countries)) {
    const problem = countryCodeProblem(c);
    if (problem) problems.push(`${l.where(['countries', c])}: countries.${c}: ${problem}`);
  }
  if (Object.values(raw.countries).every((spec) => spec.peers === 0))
    problems.push(`${l.where(['countries'])}: countries: no country has a peer, so there is nothing to run; give at least one country peers: 1 or more`);
  for (const [c, spec] of Object.entries(raw.countries)) {
    let routers = tableIIDefaults(c);
    if (spec.routers) {
      const given = { noNat: 0, upnp: 0, mismatch: 0, private: 0, ...spec.routers };
      const sum = given.noNat + given.upnp + given.mismatch + given.private;
      if (sum > 1 + 1e-9) problems.push(`${l.where(['countries', c, 'routers'])}: countries.${c}.routers: shares add up to ${sum.toFixed(3)}, more than 1 (the rest are NATs without UPnP)`);
      routers = { ...given, noUpnp: Math.max(0, 1 - sum) };
    }
    let access = accessDefaults(c);
    if (spec.access) {
      const given = { dsl: 0, cable: 0, fibre: 0, mobile: 0, ...spec.access };
      const sum = ACCESS.reduce((s, a) => s + given[a], 0);
      if (Math.abs(sum - 1) > 1e-6) problems.push(`${l.where(['countries', c, 'access'])}: countries.${c}.access: shares must add up to 1, they add up to ${sum.toFixed(3)}`);
      access = given;
    }
    countries[c] = { peers: spec.peers, access, routers };
  }
  if (raw.hosts) for (const p of checkHosts(raw.hosts)) problems.push(`${l.where(p.path)}: ${p.message}`);
  const rules = raw.dnsRules ?? PAPER_DNS_RULES;
  if (!rules.default) problems.push(`${l.where(['dnsRules'])}: dnsRules: a "default" entry is needed for countries without a rule`);
  if (problems.length) throw new ConfigError(l.file, problems);
  return {
    name: raw.name,
    file: l.file,
    seed: raw.seed ?? 1,
    peersPerHome: raw.peersPerHome ?? 1,
    dataCentres: { stockholm: raw.dataCentres?.stockholm ?? {}, london: raw.dataCentres?.london ?? {} },
    dnsRules: rules,
    links,
    countries,
    ...(raw.hosts ? { hosts: raw.hosts } : {}),
  };
}

export function loadTopology(file: string): Topology {
  return toTopology(loadYamlFile<RawTopology>(file, topologySchema));
}

export function parseTopology(text: string, file = 'inline topology'): Topology {
  return toTopology(parseYaml<RawTopology>(text, file, topologySchema));
}

/** A topology named like "small" is topologies/small.yaml. */
export function topologyPath(nameOrPath: string, root = path.resolve(import.meta.dirname, '../..')): string {
  return /[/.]/.test(nameOrPath) ? nameOrPath : path.join(root, 'topologies', `${nameOrPath}.yaml`);
}
