// The command lines of the two protocol programs, client/main.ts and dc/main.ts, typed once.
// Every builder (orchestrator/plan/plan.ts for containers, orchestrator/experiment/local-run.ts
// for processes on loopback, the benchmarks and tests) writes an
// options object with `clientArgv`/`dcArgv`; the programs read it back with
// `parseClientArgs`/`parseDcArgs`, which take `--flag value` (or `--flag=value`), else TB_<FLAG>
// from the environment given (the container contract of node-image/README.md). An unknown option
// or a bad value is an error naming the option and what is valid. parse(argv(x)) deep-equals x.
//
// An option the program has a default for is optional here and absent when not given: the
// program fills it from CLIENT_DEFAULTS / DC_DEFAULTS. The protocol travels resolved: a builder
// gives the `Protocol` the orchestrator resolved once (orchestrator/experiment/run.ts, with the
// chunk size the time scale calls for), the program gets the same `Protocol` back. On the command
// line it is the JSON of what differs from the paper's defaults (`{}` for the paper's protocol).
//
// This file imports node-image/core only: the image holds node-image/, not the orchestrator.
import type { Fault } from './core/faults.ts';
import { describeProtocol, type Protocol, type ProtocolSpec, resolveProtocol } from './core/policies.ts';

interface HostPort {
  host: string;
  port: number;
}

interface ClientOptions {
  /** logs, the client id's prefix, the machine its credential names */
  name: string;
  /** the data centre at a fixed address (instead of `dns`) */
  server?: HostPort;
  /** the resolver answering _spotify-client._tcp SRV with the data centres (instead of `server`) */
  dns?: HostPort;
  /** the domain of the SRV query (with `dns` only) */
  domain?: string;
  /** the workload script (JSON Lines, core/script.ts) */
  script: string;
  /** workload time runs this many times faster than real time */
  timeScale?: number;
  /** real Date.now() at which workload time equals `epochWorkload` (default: now, or the start file's) */
  epochReal?: number;
  /** workload ms at `epochReal` */
  epochWorkload?: number;
  /** print READY, then wait for this file to hold the real epoch (ms) before starting the clock */
  startFile?: string;
  /** the track cache's folder (kept across restarts); default /tmp/tb-cache-NAME */
  cacheDir?: string;
  /** TCP port for incoming peer connections */
  listenPort?: number;
  /** the address peers dial when no port mapping is made (default: the local address) */
  advertiseHost?: string;
  /** ask the home router for a port mapping (UPnP IGD, then NAT-PMP) */
  upnp?: boolean;
  /** the protocol variant, resolved (default: the paper's) */
  protocol?: Protocol;
  /** hold received protocol data this long: the access delay where the kernel has no netem (netsetup sets it through TB_RX_DELAY_MS) */
  rxDelayMs?: number;
  /** uniform jitter around `rxDelayMs` */
  rxJitterMs?: number;
  /** this peer's seed (core/random.ts peerSeed): its draws and its DNS picks as every runtime makes them (default: unseeded) */
  seed?: number;
}

/** The client's options: it finds its data centre either at a fixed address or through DNS. */
export type ClientArgs = Omit<ClientOptions, 'server' | 'dns' | 'domain'> & ({ server: HostPort; dns?: undefined; domain?: undefined } | { dns: HostPort; domain?: string; server?: undefined });

export interface DcArgs {
  /** the data centre's name (stockholm, london) */
  name: string;
  /** where its access point listens */
  listen?: HostPort;
  /** the JSON Lines file its instrumentation sink appends to */
  sink: string;
  /** workload time runs this many times faster than real time */
  timeScale?: number;
  /** the protocol variant, resolved (default: the paper's) */
  protocol?: Protocol;
  /** faults on the workload timeline (core/faults.ts); they need the clients' epoch: `epochReal` or `startFile` */
  faults?: Fault[];
  /** real Date.now() at workload time 0, for `faults` and the host-load measurement (adapters/host-load.ts) */
  epochReal?: number;
  /** a file that will hold the real epoch (ms) of workload time 0, for `faults` and the host-load measurement (experiments) */
  startFile?: string;
  /** the tracker's seed (core/random.ts dcSeed), as every runtime derives it (default: unseeded) */
  seed?: number;
}

const PAPER_PROTOCOL = resolveProtocol();
const PAPER_DESCRIBED = describeProtocol(PAPER_PROTOCOL);

/** what the client runs with where an option is absent (and the cache folder: /tmp/tb-cache-NAME) */
export const CLIENT_DEFAULTS: Required<Pick<ClientOptions, 'domain' | 'timeScale' | 'epochWorkload' | 'listenPort' | 'upnp' | 'protocol' | 'rxDelayMs' | 'rxJitterMs'>> = {
  domain: 'spotify.test',
  timeScale: 1,
  epochWorkload: 0,
  listenPort: 4100,
  upnp: false,
  protocol: PAPER_PROTOCOL,
  rxDelayMs: 0,
  rxJitterMs: 0,
};

/** what the data centre runs with where an option is absent */
export const DC_DEFAULTS: Required<Pick<DcArgs, 'listen' | 'timeScale' | 'protocol' | 'faults'>> = {
  listen: { host: '0.0.0.0', port: 4070 },
  timeScale: 1,
  protocol: PAPER_PROTOCOL,
  faults: [],
};

// ---- values on the command line ---------------------------------------------------------------

interface Codec<T> {
  /** the value's form in --help */
  form: string;
  show(v: T): string;
  /** the value, or an Error whose message says what is valid ("must be ...") */
  read(text: string): T;
}

const text = (form: string): Codec<string> => ({
  form,
  show: (s) => s,
  read(s) {
    if (s === '') throw new Error('must not be empty');
    return s;
  },
});

const number = (form: string, what: string, ok: (n: number) => boolean): Codec<number> => ({
  form,
  // String(-0) is "0": the sign would be lost on the way
  show: (n) => (Object.is(n, -0) ? '-0' : String(n)),
  read(s) {
    const n = Number(s);
    if (s.trim() === '' || !ok(n)) throw new Error(`must be ${what}`);
    return n;
  },
});
const positive = (form: string) => number(form, 'a number > 0', (n) => Number.isFinite(n) && n > 0);
const nonNegative = (form: string) => number(form, 'a number >= 0', (n) => Number.isFinite(n) && n >= 0);
const milliseconds = number('MS', 'a number of milliseconds', Number.isFinite);
const port = number('PORT', 'a port number, 0 to 65535', (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
const seed = number('SEED', 'a whole number from 0 to 4294967295', (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff);

const hostPort: Codec<HostPort> = {
  form: 'HOST:PORT',
  show: (a) => `${a.host}:${a.port}`,
  read(s) {
    const m = /^(.+):(\d{1,5})$/.exec(s);
    if (!m || Number(m[2]) > 65535) throw new Error('must be HOST:PORT, e.g. 10.0.0.1:4070');
    return { host: m[1], port: Number(m[2]) };
  },
};

/** a switch: `--flag` is true, `--flag=false` false */
const flag: Codec<boolean> = {
  form: '',
  show: String,
  read(s) {
    if (s === 'true' || s === 'false') return s === 'true';
    throw new Error('takes no value (or =true, =false)');
  },
};

function json(s: string, what: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new Error(`must be JSON: ${what}`);
  }
}

/** the protocol as what differs from the paper's: policies by name, features, params */
function protocolSpec(p: Protocol): ProtocolSpec {
  const it = describeProtocol(p);
  const paper = PAPER_DESCRIBED;
  const differ = <T extends object>(a: T, b: T) => Object.fromEntries(Object.entries(a).filter(([k, v]) => v !== b[k as keyof T]));
  const spec: ProtocolSpec = { policies: differ(it.policies, paper.policies), features: differ(it.features, paper.features), params: differ(it.params, paper.params) };
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => Object.keys(v).length > 0));
}

const protocol: Codec<Protocol> = {
  form: 'JSON',
  show: (p) => JSON.stringify(protocolSpec(p)),
  read(s) {
    const spec = json(s, '{policies, features, params} (core/policies.ts)');
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error('must be a JSON object: {policies, features, params} (core/policies.ts)');
    try {
      return resolveProtocol(spec as ProtocolSpec);
    } catch (err) {
      throw new Error(`must be a protocol variant: ${(err as Error).message}`);
    }
  },
};

const FAULT_KINDS = ['tracker-outage', 'dc-outage', 'churn', 'link-cut', 'link-rate', 'router-restart'];
const faults: Codec<Fault[]> = {
  form: 'JSON',
  show: (f) => JSON.stringify(f),
  read(s) {
    const list = json(s, 'a list of faults (core/faults.ts)');
    const fault = (f: unknown) => {
      const x = f as Partial<Record<string, unknown>> | null;
      return typeof x === 'object' && x !== null && FAULT_KINDS.includes(x.kind as string) && Number.isFinite(x.atMs) && Number.isFinite(x.forMs);
    };
    if (!Array.isArray(list) || !list.every(fault)) throw new Error(`must be a JSON list of faults {kind, atMs, forMs, ...} (core/faults.ts), kind one of ${FAULT_KINDS.join(', ')}`);
    return list as Fault[];
  },
};

// ---- option tables ------------------------------------------------------------------------------

interface Option<T> {
  codec: Codec<T>;
  help: string;
  required?: boolean;
}
/** one option per field, in the order the command line gives them */
type Table<A> = { [K in keyof A]-?: Option<Exclude<A[K], undefined>> };

const CLIENT_OPTIONS: Table<ClientOptions> = {
  name: { codec: text('NAME'), help: 'client name (logs, client id prefix)', required: true },
  server: { codec: hostPort, help: 'the data centre (instead of --dns)' },
  dns: { codec: hostPort, help: 'the resolver answering _spotify-client._tcp SRV (instead of --server)' },
  domain: { codec: text('DOMAIN'), help: 'domain of the SRV query (with --dns)' },
  script: { codec: text('FILE'), help: 'workload script (JSON Lines, node-image/core/script.ts)', required: true },
  timeScale: { codec: positive('K'), help: 'workload time runs this many times faster than real time' },
  epochReal: { codec: milliseconds, help: 'real Date.now() at which workload time equals --epoch-workload (default: now)' },
  epochWorkload: { codec: milliseconds, help: 'workload ms at --epoch-real' },
  startFile: { codec: text('FILE'), help: 'print READY, then wait for this file to hold the real epoch (ms) before starting the clock (experiments start all peers together)' },
  cacheDir: { codec: text('DIR'), help: 'folder of the track cache, kept across restarts (default /tmp/tb-cache-NAME)' },
  listenPort: { codec: port, help: 'TCP port for incoming peer connections' },
  advertiseHost: { codec: text('HOST'), help: 'address peers dial when no port mapping is made (default: the local address)' },
  upnp: { codec: flag, help: 'ask the home router for a port mapping (UPnP IGD, then NAT-PMP)' },
  protocol: { codec: protocol, help: "the protocol variant: what differs from the paper's, as {policies, features, params} (core/policies.ts)" },
  rxDelayMs: { codec: nonNegative('MS'), help: 'hold received protocol data this long: the access link delay where the kernel has no netem (set by netsetup)' },
  rxJitterMs: { codec: nonNegative('MS'), help: 'uniform jitter around --rx-delay-ms' },
  seed: { codec: seed, help: "this peer's seed (core/random.ts peerSeed): its draws, and its choice among the data centres a DNS answer names, as every runtime makes them (default: unseeded)" },
};

const DC_OPTIONS: Table<DcArgs> = {
  name: { codec: text('NAME'), help: 'data centre name (stockholm, london)', required: true },
  listen: { codec: hostPort, help: 'address and port the access point listens on' },
  sink: { codec: text('FILE'), help: 'JSON Lines file the instrumentation sink appends to', required: true },
  timeScale: { codec: positive('K'), help: 'workload time runs this many times faster than real time' },
  protocol: { codec: protocol, help: "the protocol variant: what differs from the paper's, as {policies, features, params} (core/policies.ts)" },
  faults: { codec: faults, help: "faults on the workload timeline (core/faults.ts); they need the clients' epoch (--epoch-real or --start-file)" },
  epochReal: { codec: milliseconds, help: 'real Date.now() at workload time 0, for --faults' },
  startFile: { codec: text('FILE'), help: 'a file that will hold the real epoch (ms) of workload time 0, for --faults and the host-load measurement (experiments)' },
  seed: { codec: seed, help: "the tracker's seed (core/random.ts dcSeed), as every runtime derives it (default: unseeded)" },
};

const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envOf = (key: string) => `TB_${flagOf(key).toUpperCase().replace(/-/g, '_')}`;
const quote = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}...` : s);

function write<A extends object>(table: Table<A>, a: A): string[] {
  const out: string[] = [];
  for (const [key, o] of Object.entries(table) as [keyof A & string, Option<unknown>][]) {
    const v = a[key];
    if (v === undefined) continue;
    if (o.codec === flag) out.push(v ? `--${flagOf(key)}` : `--${flagOf(key)}=false`);
    else out.push(`--${flagOf(key)}`, o.codec.show(v));
  }
  return out;
}

type Env = Readonly<Record<string, string | undefined>>;

function read<A extends object>(program: string, table: Table<A>, argv: readonly string[], env: Env): A {
  const options = Object.entries(table) as [string, Option<unknown>][];
  const byFlag = new Map(options.map(([key, o]) => [flagOf(key), { key, o }]));
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=([\s\S]*))?$/.exec(argv[i]);
    const hit = m ? byFlag.get(m[1]) : undefined;
    if (!m || !hit) throw new Error(`${program}: unknown option ${quote(argv[i])}; valid: ${[...byFlag.keys()].map((f) => `--${f}`).join(' ')}`);
    if (given.has(hit.key)) throw new Error(`${program}: --${m[1]} is given twice`);
    let value = m[2];
    if (value === undefined && hit.o.codec === flag) value = 'true';
    else if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`${program}: --${m[1]} needs a value (${hit.o.codec.form})`);
    }
    given.set(hit.key, value);
  }
  const out: Record<string, unknown> = {};
  for (const [key, o] of options) {
    const fromEnv = given.has(key) ? undefined : env[envOf(key)] || undefined;
    const value = given.get(key) ?? fromEnv;
    if (value === undefined) {
      if (o.required) throw new Error(`${program}: --${flagOf(key)} ${o.codec.form} is required: ${o.help}`);
      continue;
    }
    try {
      out[key] = o.codec.read(value);
    } catch (err) {
      throw new Error(`${program}: --${flagOf(key)}${fromEnv === undefined ? '' : ` (from ${envOf(key)})`} ${(err as Error).message}, got ${quote(value)}`);
    }
  }
  return out as A;
}

function usage<A extends object>(program: string, table: Table<A>, defaults: Partial<A>): string {
  const lines = (Object.entries(table) as [keyof A & string, Option<unknown>][]).map(([key, o]) => {
    const d = defaults[key];
    const shown = d === undefined || o.codec === flag ? '' : ` (default ${o.codec.show(d)})`;
    return `  --${flagOf(key)}${o.codec.form ? ` ${o.codec.form}` : ''}  ${o.help}${o.required ? ' (required)' : ''}${shown}  [env ${envOf(key)}]`;
  });
  return `usage: ${program} [options]\n${lines.join('\n')}\n`;
}

// ---- the client ---------------------------------------------------------------------------------

/** The client's command line (its options only; the builder puts the program before them). */
export function clientArgv(a: ClientArgs): string[] {
  const argv = write<ClientOptions>(CLIENT_OPTIONS, a);
  // what the program would refuse is refused here, where the builder is
  parseClientArgs(argv);
  return argv;
}

export function parseClientArgs(argv: readonly string[], env: Env = {}): ClientArgs {
  const o = read('client', CLIENT_OPTIONS, argv, env);
  if (o.server && o.dns) throw new Error('client: give --server HOST:PORT or --dns HOST:PORT, not both');
  if (o.domain !== undefined && !o.dns) throw new Error('client: --domain names the SRV query of --dns; give it with --dns only');
  if (o.server) return o as ClientArgs & { server: HostPort };
  if (o.dns) return o as ClientArgs & { dns: HostPort };
  throw new Error('client: give --server HOST:PORT (the data centre) or --dns HOST:PORT (a resolver answering _spotify-client._tcp SRV)');
}

export const clientUsage = () => usage('client', CLIENT_OPTIONS, CLIENT_DEFAULTS);

// ---- the data centre ----------------------------------------------------------------------------

/** The data centre's command line (its options only; the builder puts the program before them). */
export function dcArgv(a: DcArgs): string[] {
  const argv = write<DcArgs>(DC_OPTIONS, a);
  parseDcArgs(argv);
  return argv;
}

export function parseDcArgs(argv: readonly string[], env: Env = {}): DcArgs {
  const o = read('dc', DC_OPTIONS, argv, env);
  if (o.faults?.length && o.epochReal === undefined && o.startFile === undefined) throw new Error("dc: --faults needs the clients' epoch: --epoch-real MS or --start-file FILE");
  return o;
}

export const dcUsage = () => usage('dc', DC_OPTIONS, DC_DEFAULTS);

/** --help or -h among the arguments: the program prints its usage and exits */
export const wantsHelp = (argv: readonly string[]) => argv.includes('--help') || argv.includes('-h');
