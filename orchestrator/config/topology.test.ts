import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTopology, parseTopology, tableIIDefaults } from './topology.ts';
import { ConfigError, parseRate } from './yaml.ts';

const errorOf = (yaml: string) => {
  try {
    parseTopology(yaml, 'topo.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('topology config', () => {
  it('names file, line, field and the valid keys for an unknown key, with a suggestion', () => {
    const m = errorOf('name: t\ncountries:\n  SE:\n    peers: 3\n    router: {}\n');
    expect(m).toMatch(/topo\.yaml:5:5: countries\.SE: unknown key "router" \(did you mean "routers"\?\); valid keys: peers, access, routers/);
  });

  it('reports bad values with their line, every problem at once', () => {
    const m = errorOf('name: Bad Name\ncountries:\n  se: { peers: 3 }\nlinks:\n  dsl: { down: fast }\n');
    expect(m).toMatch(/topo\.yaml:1:7: name: must match pattern/);
    expect(m).toMatch(/topo\.yaml:3:3: countries: must match pattern "\^\[A-Z\]\{2\}\$" \(got "se"\)/);
    expect(m).toMatch(/topo\.yaml:5:16: links\.dsl\.down: must match pattern .*\(got "fast"\)/);
    expect(m).toMatch(/3 problems/);
  });

  it('checks shares after the schema, pointing at the line', () => {
    const m = errorOf('name: t\ncountries:\n  SE:\n    peers: 3\n    routers: { noNat: 0.7, upnp: 0.5 }\n');
    expect(m).toMatch(/topo\.yaml:5:14: countries\.SE\.routers: shares add up to 1\.200/);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(errorOf('name: t\ncountries: [\n')).toMatch(/topo\.yaml:\d+:\d+: YAML syntax/);
  });

  it('fills in Table II and link defaults and parses units', () => {
    const t = parseTopology('name: t\ncountries:\n  ES: { peers: 10 }\nlinks:\n  dsl: { down: 12mbit, loss: 0.5% }\n');
    expect(t.countries.ES.routers.upnp).toBeCloseTo(0.0909);
    expect(t.countries.ES.routers.noUpnp).toBeCloseTo(1 - 0.2341);
    expect(t.links.dsl).toMatchObject({ downKbit: 12000, upKbit: 1000, lossPct: 0.5 });
    expect(tableIIDefaults('FI').noNat).toBeCloseTo(0.6015);
    expect(parseRate('1.5mbit')).toBe(1500);
  });

  it('every shipped topology is valid', () => {
    for (const f of fs.readdirSync('topologies').filter((x) => x.endsWith('.yaml'))) expect(() => loadTopology(`topologies/${f}`), f).not.toThrow();
  });

  it('refuses link values that cannot be meant, alias bombs, and names the line', () => {
    const base = 'name: bad\ncountries:\n  SE: { peers: 3 }\nlinks:\n';
    expect(() => parseTopology(`${base}  dsl: { down: 0kbit }\n`, 't.yaml')).toThrow(/t\.yaml:5:\d+: links\.dsl\.down: 0kbit is out of range; valid: 8 to 10000000 kbit/);
    expect(() => parseTopology(`${base}  dsl: { loss: 150% }\n`, 't.yaml')).toThrow(/links\.dsl\.loss: 150% is out of range; valid: 0 to 100 %/);
    expect(() => parseTopology(`${base}  dsl: { delay: 94608000000ms }\n`, 't.yaml')).toThrow(/links\.dsl\.delay: 94608000000ms is out of range; valid: 0 to 10000 ms/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefg'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
      'name: x',
      'countries: { SE: { peers: 1 } }',
    ].join('\n');
    expect(() => parseTopology(bomb, 'bomb.yaml')).toThrow(/YAML aliases expand too far/);
  });

  it('names a duplicate key, and validates in time linear in the file (100k keys)', () => {
    expect(() => parseTopology('name: a\nname: b\ncountries: { SE: { peers: 1 } }\n', 'd.yaml')).toThrow(/d\.yaml:2:1: duplicate key "name"/);
    const big = (n: number) => `name: big\ncountries: { SE: { peers: 1 } }\nextra:\n${Array.from({ length: n }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`;
    const perKey = (n: number) => {
      const text = big(n);
      const t0 = performance.now();
      expect(() => parseTopology(text, 'big.yaml')).toThrow(/unknown key "extra"/);
      return (performance.now() - t0) / n;
    };
    perKey(2_000);
    // the parser's own duplicate check was quadratic: 200k keys took minutes
    expect(perKey(100_000) / perKey(10_000)).toBeLessThan(3);
  }, 60_000);
});

describe('a configuration error', () => {
  it('names one problem once, however many checks found it', () => {
    const e = new ConfigError('x.yaml', ['x.yaml:3:1: peers: must be more than 0', 'x.yaml:3:1: peers: must be more than 0', 'x.yaml:4:1: other']);
    expect(e.message).toBe('x.yaml: 2 problems\n  x.yaml:3:1: peers: must be more than 0\n  x.yaml:4:1: other');
    expect(e.problems).toHaveLength(2);
  });
});
