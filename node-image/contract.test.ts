// The programs' command lines: what a builder writes, the program reads back unchanged, and what
// the program refuses it refuses naming the option and what is valid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClientArgs, clientArgv, clientUsage, type DcArgs, dcArgv, dcUsage, parseClientArgs, parseDcArgs } from './contract.ts';
import { resolveProtocol } from './core/policies.ts';

const variant = resolveProtocol({ policies: { peerChoice: 'random', tracker: 'random-online' }, features: { upnp: false }, params: { chunkBytes: 4096, searchDepth: 3 } });

const clients: Record<string, ClientArgs> = {
  'the least: a fixed server': { name: 'c0', server: { host: '127.0.0.1', port: 4070 }, script: '/tmp/s.jsonl' },
  'a container peer': {
    name: 'tb-abc-p-se-001',
    dns: { host: '10.99.0.2', port: 53 },
    script: '/run/script.jsonl',
    timeScale: 600,
    listenPort: 4100,
    cacheDir: '/cache',
    upnp: true,
    protocol: variant,
    startFile: '/run/control/start',
    seed: 4_000_000_000,
  },
  'every option': {
    name: 'x',
    dns: { host: 'resolver.test', port: 5353 },
    domain: 'example.test',
    script: 's',
    timeScale: 0.5,
    epochReal: 1_700_000_000_000,
    epochWorkload: -3.25,
    startFile: 'f',
    cacheDir: 'd',
    listenPort: 0,
    advertiseHost: '127.0.0.1',
    upnp: false,
    protocol: resolveProtocol(),
    rxDelayMs: 12.5,
    rxJitterMs: 0,
    seed: 0,
  },
};

const dcs: Record<string, DcArgs> = {
  'the least': { name: 'london', sink: '/data/reports.jsonl' },
  'a container data centre with faults': {
    name: 'stockholm',
    listen: { host: '0.0.0.0', port: 4070 },
    sink: '/data/reports.jsonl',
    timeScale: 60,
    protocol: variant,
    seed: 3536,
    faults: [
      { kind: 'dc-outage', atMs: 60_000, forMs: 30_000, dc: 'london' },
      { kind: 'churn', atMs: 0, forMs: 1, share: 0.1 },
    ],
    startFile: '/run/control/start',
  },
  'faults on a given epoch': { name: 'london', sink: 's', faults: [{ kind: 'tracker-outage', atMs: 0, forMs: 5 }], epochReal: 1_700_000_000_000 },
  'no faults, said': { name: 'london', sink: 's', faults: [] },
};

describe('the client command line', () => {
  for (const [shape, a] of Object.entries(clients))
    it(`reads back what it wrote: ${shape}`, () => {
      expect(parseClientArgs(clientArgv(a))).toStrictEqual(a);
    });

  it('reads back any options (property)', () => {
    const host = fc.oneof(fc.ipV4(), fc.domain());
    const hostPort = fc.record({ host, port: fc.nat({ max: 65535 }) }, { noNullPrototype: true });
    const text = fc.string({ minLength: 1, maxLength: 30 });
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    const protocol = fc
      .record(
        {
          policies: fc.record({ peerChoice: fc.constantFrom('edt', 'random', 'lowest-rtt'), pruning: fc.constantFrom('paper', 'random', 'oldest') }, { requiredKeys: [], noNullPrototype: true }),
          features: fc.record({ upnp: fc.boolean(), p2p: fc.boolean(), prefetch: fc.boolean() }, { requiredKeys: [], noNullPrototype: true }),
          params: fc.record(
            { searchDepth: fc.integer({ min: 1, max: 8 }), cacheBytes: fc.integer({ min: 1, max: 2 ** 40 }), serverHeadSec: fc.double({ min: 0, max: 60, noNaN: true }) },
            { requiredKeys: [], noNullPrototype: true },
          ),
        },
        { requiredKeys: [], noNullPrototype: true },
      )
      .map((spec) => resolveProtocol(spec));
    const common = fc.record(
      {
        name: text,
        script: text,
        timeScale: fc.double({ min: 1e-6, max: 5000, noNaN: true }),
        epochReal: finite,
        epochWorkload: finite,
        startFile: text,
        cacheDir: text,
        listenPort: fc.nat({ max: 65535 }),
        advertiseHost: text,
        upnp: fc.boolean(),
        protocol,
        rxDelayMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
        rxJitterMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
        seed: fc.nat({ max: 0xffff_ffff }),
      },
      { requiredKeys: ['name', 'script'], noNullPrototype: true },
    );
    const locate = fc.oneof(fc.record({ server: hostPort }, { noNullPrototype: true }), fc.record({ dns: hostPort, domain: text }, { requiredKeys: ['dns'], noNullPrototype: true }));
    fc.assert(
      fc.property(common, locate, (c, l) => {
        const a = { ...c, ...l } as ClientArgs;
        expect(parseClientArgs(clientArgv(a))).toStrictEqual(a);
      }),
    );
  });

  it('writes the protocol as what differs from the paper', () => {
    const argv = clientArgv(clients['a container peer']);
    expect(JSON.parse(argv[argv.indexOf('--protocol') + 1])).toEqual({
      policies: { peerChoice: 'random', tracker: 'random-online' },
      features: { upnp: false },
      params: { chunkBytes: 4096, searchDepth: 3 },
    });
    const paper = clientArgv(clients['every option']);
    expect(paper[paper.indexOf('--protocol') + 1]).toBe('{}');
  });

  it('takes --flag=value, a bare switch, and TB_<FLAG> from the environment, the command line winning', () => {
    const a = parseClientArgs(['--name=c1', '--server', '127.0.0.1:1', '--script', 's', '--upnp', '--rx-delay-ms=5'], { TB_RX_DELAY_MS: '7', TB_RX_JITTER_MS: '2', TB_SEED: '' });
    expect(a).toStrictEqual({ name: 'c1', server: { host: '127.0.0.1', port: 1 }, script: 's', upnp: true, rxDelayMs: 5, rxJitterMs: 2 });
  });

  it('refuses what it cannot run, naming the option and what is valid', () => {
    const base = ['--name', 'c', '--server', '127.0.0.1:4070', '--script', 's'];
    const refused =
      (argv: string[], env = {}) =>
      () =>
        parseClientArgs(argv, env);
    expect(refused([...base, '--params', '{}'])).toThrow(/^client: unknown option "--params"; valid: --name --server --dns --domain --script --time-scale .* --seed$/);
    expect(refused([...base, 'extra'])).toThrow(/unknown option "extra"/);
    expect(refused([...base, '--time-scale', 'fast'])).toThrow('client: --time-scale must be a number > 0, got "fast"');
    expect(refused([...base, '--time-scale', '0'])).toThrow('client: --time-scale must be a number > 0, got "0"');
    expect(refused([...base, '--listen-port', '70000'])).toThrow('client: --listen-port must be a port number, 0 to 65535, got "70000"');
    expect(refused([...base, '--seed', '1.5'])).toThrow(/--seed must be a whole number from 0 to 4294967295/);
    expect(refused([...base, '--upnp=yes'])).toThrow('client: --upnp takes no value (or =true, =false), got "yes"');
    expect(refused([...base, '--cache-dir'])).toThrow('client: --cache-dir needs a value (DIR)');
    expect(refused([...base, '--seed', '1', '--seed', '2'])).toThrow('client: --seed is given twice');
    expect(refused(base, { TB_RX_DELAY_MS: 'soon' })).toThrow('client: --rx-delay-ms (from TB_RX_DELAY_MS) must be a number >= 0, got "soon"');
    expect(refused(['--server', '127.0.0.1:4070', '--script', 's'])).toThrow(/^client: --name NAME is required/);
    expect(refused(['--name', 'c', '--server', 'nowhere', '--script', 's'])).toThrow('client: --server must be HOST:PORT, e.g. 10.0.0.1:4070, got "nowhere"');
    expect(refused(['--name', 'c', '--script', 's'])).toThrow(/^client: give --server HOST:PORT \(the data centre\) or --dns HOST:PORT/);
    expect(refused([...base, '--dns', '10.0.0.1:53'])).toThrow('client: give --server HOST:PORT or --dns HOST:PORT, not both');
    expect(refused([...base, '--domain', 'x.test'])).toThrow(/--domain names the SRV query of --dns/);
    expect(refused([...base, '--protocol', '{"policies":{"peerChoice":"fastest"}}'])).toThrow(
      'client: --protocol must be a protocol variant: unknown peerChoice policy "fastest"; valid: edt, random, lowest-rtt',
    );
    expect(refused([...base, '--protocol', '{"params":{"chunkBytes":0}}'])).toThrow(/--protocol must be a protocol variant: protocol parameter "chunkBytes" must be a whole number > 0, got 0/);
    expect(refused([...base, '--protocol', '[]'])).toThrow(/--protocol must be a JSON object/);
    expect(refused([...base, '--protocol', '{'])).toThrow(/--protocol must be JSON/);
  });

  it('refuses on the builder side what the program would refuse', () => {
    expect(() => clientArgv({ ...clients['the least: a fixed server'], timeScale: 0 })).toThrow('client: --time-scale must be a number > 0, got "0"');
    expect(() => clientArgv({ name: 'c', script: 's', server: { host: 'h', port: Number.NaN } })).toThrow(/--server must be HOST:PORT/);
  });

  it('describes every option in --help, with its default and environment variable', () => {
    const u = clientUsage();
    expect(u).toMatch(/^usage: client \[options\]\n/);
    expect(u).toContain('--time-scale K  workload time runs this many times faster than real time (default 1)  [env TB_TIME_SCALE]');
    expect(u).toContain('--script FILE  workload script (JSON Lines, node-image/core/script.ts) (required)');
    expect(u).toContain('--upnp  ask the home router');
  });
});

describe('the data-centre command line', () => {
  for (const [shape, a] of Object.entries(dcs))
    it(`reads back what it wrote: ${shape}`, () => {
      expect(parseDcArgs(dcArgv(a))).toStrictEqual(a);
    });

  it('refuses what it cannot run, naming the option and what is valid', () => {
    const base = ['--name', 'london', '--sink', 's'];
    expect(() => parseDcArgs([...base, '--cache-bytes', '5'])).toThrow(
      /^dc: unknown option "--cache-bytes"; valid: --name --listen --sink --time-scale --protocol --faults --epoch-real --start-file --seed$/,
    );
    expect(() => parseDcArgs(['--name', 'london'])).toThrow(/^dc: --sink FILE is required/);
    expect(() => parseDcArgs([...base, '--listen', '0.0.0.0'])).toThrow('dc: --listen must be HOST:PORT, e.g. 10.0.0.1:4070, got "0.0.0.0"');
    expect(() => parseDcArgs([...base, '--faults', '[{"kind":"meteor","atMs":0,"forMs":1}]', '--start-file', 'f'])).toThrow(
      /dc: --faults must be a JSON list of faults \{kind, atMs, forMs, \.\.\.\} \(core\/faults\.ts\), kind one of tracker-outage, dc-outage, churn/,
    );
    expect(() => parseDcArgs([...base, '--faults', '[{"kind":"dc-outage","atMs":0,"forMs":1}]'])).toThrow("dc: --faults needs the clients' epoch: --epoch-real MS or --start-file FILE");
    expect(() => dcArgv({ name: 'london', sink: 's', faults: [{ kind: 'dc-outage', atMs: 0, forMs: 1 }] })).toThrow(/--faults needs the clients' epoch/);
  });

  it('describes every option in --help', () => {
    expect(dcUsage()).toContain('--listen HOST:PORT  address and port the access point listens on (default 0.0.0.0:4070)  [env TB_LISTEN]');
  });
});
