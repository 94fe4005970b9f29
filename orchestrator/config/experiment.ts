// Experiments: typed, validated like topologies (orchestrator/config/yaml.ts).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stringify } from 'yaml';
import { type Fault, isPeerFault } from '../../node-image/core/faults.ts';
import { describeProtocol, type ProtocolSpec, ProtocolSpecError, resolveProtocol } from '../../node-image/core/policies.ts';
import { defaultSynthetic, type SyntheticParams } from '../workload/synthetic.ts';
import type { TraceStart } from '../workload/trace.ts';
import { MESSAGE_MODEL, type SimModel } from './sim-model.ts';
import { loadTopology, parseTopology, type Topology, topologyPath } from './topology.ts';
import { ConfigError, didYouMean, loadYamlFile, parseDuration } from './yaml.ts';

const require = createRequire(import.meta.url);
export const experimentSchema = require('../../experiments/experiment.schema.json') as object;

export interface Experiment {
  name: string;
  file: string;
  topology: Topology;
  /** the topology as YAML text, saved with the results */
  topologyText: string;
  durationMs: number;
  /** where it runs: containers (docker), the simulated network (sim; docs/simulation.md) or processes on loopback (local) */
  runtime: ExperimentRuntime;
  /** workload time per real time in the emulation; the simulation has no time scale and ignores it */
  timeScale: number;
  /**
   * warm state before the window (orchestrator/workload/warmup.ts): days of the workload's
   * history replayed through caches and trackers, or 'auto' (the steady-state rule); null: none
   */
  warmup: { days: number | 'auto' } | null;
  /** the simulated runtime's models (runtime/sim/world.ts SimModel); the other runtimes ignore it */
  sim: SimModel;
  seed: number;
  /** peers per run of a scaling experiment (orchestrator/experiment/scaling.ts); empty: one run at the topology's own size */
  populations: number[];
  repetitions: number;
  linkCheck: number;
  /** the base protocol variant (the top-level `params` are folded into its params) */
  protocol: ProtocolSpec;
  faults: Fault[];
  /** what `testbed compare` runs; the first is the base. Without `variants:`, one: the base itself */
  variants: Variant[];
  workload:
    | { kind: 'synthetic'; params: SyntheticParams /** workload ms after Monday 00:00 UTC the replay starts at (0: the week's start) */; startMs: number }
    | { kind: 'trace'; file: string; format: 'native' | 'lastfm' | 'mssd'; country?: string; start: TraceStart };
}

export const RUNTIMES = ['docker', 'sim', 'local'] as const;
export type ExperimentRuntime = (typeof RUNTIMES)[number];

/** a runtime named on the command line; the Docker runtime needs the experiment's timeScale */
export function checkRuntime(name: string): ExperimentRuntime {
  if (!(RUNTIMES as readonly string[]).includes(name)) throw new ConfigError('--runtime', [`--runtime: "${name}" is not a runtime; valid: ${RUNTIMES.join(', ')}`]);
  return name as ExperimentRuntime;
}

/** `--populations 300,1000,3000`: peer counts of a scaling experiment */
export function checkPopulations(text: string): number[] {
  const ns = text.split(',').map((x) => Number(x.trim()));
  if (!ns.length || ns.some((n) => !Number.isInteger(n) || n < 10 || n > 1_000_000))
    throw new ConfigError('--populations', [`--populations: "${text}" is not a list of peer counts; valid: whole numbers from 10 to 1000000 separated by commas, e.g. 300,1000,3000`]);
  return [...new Set(ns)].sort((a, b) => a - b);
}

/** a time scale named on the command line, in the schema's range */
export function checkTimeScale(text: string): number {
  const k = Number(text);
  if (!(k >= 1 && k <= 5000)) throw new ConfigError('--time-scale', [`--time-scale: "${text}" is not a time scale; valid: a number from 1 (real time) to 5000`]);
  return k;
}

export interface Variant {
  name: string;
  description?: string;
  /** the base's protocol with the variant's patch applied */
  protocol: ProtocolSpec;
  faults: Fault[];
  /** the variant in words (policies, features off, faults), for run.json and report.md */
  text: string;
}

interface RawFault {
  kind: Fault['kind'];
  at: string;
  for: string;
  dc?: 'stockholm' | 'london';
  share?: number;
  country?: string;
  factor?: number;
}

interface RawVariant {
  name: string;
  description?: string;
  protocol?: ProtocolSpec;
  faults?: RawFault[];
}

/** `patch` over `base`: policies, features and params merge key by key */
function patchProtocol(base: ProtocolSpec, patch: ProtocolSpec = {}): ProtocolSpec {
  return {
    policies: { ...base.policies, ...patch.policies },
    features: { ...base.features, ...patch.features },
    params: { ...base.params, ...patch.params },
  };
}

function describeFaults(fs: readonly Fault[]): string {
  const h = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}min`);
  return fs
    .map((f) => {
      const what = isPeerFault(f)
        ? ` of ${Math.round(f.share * 100)}% of peers${f.country ? ` in ${f.country}` : ''}${f.kind === 'link-rate' ? ` to ${f.factor}× their rate` : ''}`
        : f.dc
          ? ` at ${f.dc}`
          : '';
      return `${f.kind}${what} from ${h(f.atMs)} for ${h(f.forMs)}`;
    })
    .join('; ');
}

interface Raw {
  name: string;
  topology: string | Record<string, unknown>;
  duration: string;
  runtime?: ExperimentRuntime;
  timeScale?: number;
  warmup?: string;
  sim?: Partial<SimModel>;
  seed?: number;
  populations?: number[];
  repetitions?: number;
  linkCheck?: number;
  params?: Record<string, unknown>;
  protocol?: ProtocolSpec;
  faults?: RawFault[];
  variants?: RawVariant[];
  workload: { synthetic?: Partial<SyntheticParams> & { start?: string }; trace?: { file: string; format: 'native' | 'lastfm' | 'mssd'; country?: string; start?: string } };
}

/** "4w" -> 28, "10d" -> 10 (the schema has checked the form) */
function parseWarmupDays(text: string): number {
  const n = Number(text.slice(0, -1));
  return text.endsWith('w') ? 7 * n : n;
}

/** workload.trace.start as written, or null when it is none of the forms docs/traces.md lists */
function traceStart(text: string | undefined): TraceStart | null {
  if (text === undefined || text === 'week') return { at: 'week' };
  if (text === 'first-event') return { at: 'first-event' };
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    // a date without a zone is UTC, as the data sets' times are
    const ms = Date.parse(/T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`);
    return Number.isFinite(ms) ? { at: 'date', ms, text } : null;
  }
  try {
    const ms = parseDuration(text);
    return ms >= 0 && ms < 7 * 86_400_000 ? { at: 'offset', ms } : null;
  } catch {
    return null;
  }
}

export function loadExperiment(file: string): Experiment {
  const l = loadYamlFile<Raw>(file, experimentSchema);
  const raw = l.value;
  const problems: string[] = [];
  let topology: Topology;
  let topologyText: string;
  if (typeof raw.topology === 'string') {
    // a bare name is one of topologies/; a path is relative to the experiment file, like a trace's
    const root = path.resolve(import.meta.dirname, '../..');
    const tp = path.resolve(path.dirname(file), topologyPath(raw.topology, root));
    // the experiment's own line names a topology that is not there, with the names that are
    if (raw.topology.trim() === '' || !fs.existsSync(tp) || !fs.statSync(tp).isFile()) {
      const names = fs
        .readdirSync(path.join(root, 'topologies'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -'.yaml'.length))
        .sort();
      const what = raw.topology.trim() === '' ? 'an empty name' : `${JSON.stringify(raw.topology)}, which names ${tp}: no such file`;
      throw new ConfigError(file, [
        `${l.where(['topology'])}: topology: ${what}${didYouMean(raw.topology, names)}; give a topology of topologies/ (${names.join(', ')}), a path to one, or one written inline`,
      ]);
    }
    topology = loadTopology(tp);
    topologyText = fs.readFileSync(tp, 'utf8');
  } else {
    topologyText = stringify(raw.topology);
    // parsed from its own place in the file, so that its errors name the file's lines
    topology = parseTopology(l.sourceOf(['topology']) ?? topologyText, file);
  }
  const durationMs = parseDuration(raw.duration);
  // a replay of nothing, or of more than a year of workload time, cannot be meant
  if (durationMs <= 0 || durationMs > 366 * 86_400_000) problems.push(`${l.where(['duration'])}: duration: ${raw.duration} is out of range; valid: more than 0 and at most 366d`);
  const base: ProtocolSpec = patchProtocol({}, { ...raw.protocol, params: { ...raw.protocol?.params, ...raw.params } });
  const checkProtocol = (spec: ProtocolSpec, at: (string | number)[]) => {
    try {
      return resolveProtocol(spec);
    } catch (err) {
      const field = err instanceof ProtocolSpecError ? err.field : [];
      // the top-level params are folded into the base's: point at whichever the file has
      const where = field[0] === 'params' && raw.params && at.length === 1 ? ['params'] : [...at, ...field];
      problems.push(`${l.where(where)}: ${where.join('.')}: ${(err as Error).message}`);
      return null;
    }
  };
  const toFaults = (rfs: RawFault[] | undefined, at: (string | number)[]): Fault[] =>
    (rfs ?? []).flatMap((f, i): Fault[] => {
      const atMs = parseDuration(f.at);
      const forMs = parseDuration(f.for);
      const here = (k: string) => `${l.where([...at, i, k])}: ${[...at, i, k].join('.')}`;
      if (atMs >= durationMs) problems.push(`${here('at')}: ${f.at} is not before the end of the run (duration ${raw.duration})`);
      if (forMs <= 0) problems.push(`${here('for')}: a fault must last more than 0`);
      if (f.kind === 'churn' || f.kind === 'link-cut' || f.kind === 'link-rate' || f.kind === 'router-restart') {
        const keys = `kind, at, for, share, country${f.kind === 'link-rate' ? ', factor' : ''}`;
        if (f.share === undefined) problems.push(`${here('share')}: ${f.kind} needs a share of peers, e.g. share: 0.2`);
        if (f.dc !== undefined) problems.push(`${here('dc')}: ${f.kind} takes peers, not a data centre; valid keys: ${keys}`);
        const common = { atMs, forMs, share: f.share ?? 0, ...(f.country ? { country: f.country } : {}) };
        if (f.kind !== 'link-rate') {
          if (f.factor !== undefined) problems.push(`${here('factor')}: only link-rate takes a factor; valid keys: ${keys}`);
          return [{ kind: f.kind, ...common }];
        }
        if (f.factor === undefined) problems.push(`${here('factor')}: link-rate needs the factor its links' rates are multiplied by, e.g. factor: 0.25`);
        return [{ kind: 'link-rate', ...common, factor: f.factor ?? 1 }];
      }
      if (f.share !== undefined || f.country !== undefined || f.factor !== undefined) {
        const extra = f.share !== undefined ? 'share' : f.country !== undefined ? 'country' : 'factor';
        problems.push(`${here(extra)}: ${f.kind} concerns a data centre; valid keys: kind, at, for, dc`);
      }
      return [{ kind: f.kind, atMs, forMs, ...(f.dc ? { dc: f.dc } : {}) } satisfies Fault];
    });
  const baseFaults = toFaults(raw.faults, ['faults']);
  checkProtocol(base, ['protocol']);
  const names = new Set<string>();
  const variants: Variant[] = (raw.variants ?? [{ name: 'base' }]).map((v, i) => {
    if (names.has(v.name)) problems.push(`${l.where(['variants', i, 'name'])}: variants.${i}.name: "${v.name}" names two variants; each needs its own name`);
    names.add(v.name);
    const protocol = patchProtocol(base, v.protocol);
    const faults = v.faults ? toFaults(v.faults, ['variants', i, 'faults']) : baseFaults;
    const resolved = checkProtocol(protocol, raw.variants ? ['variants', i, 'protocol'] : ['protocol']);
    const text = resolved ? describeProtocol(resolved).text + (faults.length ? `; faults: ${describeFaults(faults)}` : '') : '';
    return { name: v.name, ...(v.description ? { description: v.description } : {}), protocol, faults, text };
  });
  let workload: Experiment['workload'];
  if (raw.workload.trace) {
    const t = raw.workload.trace;
    const f = path.resolve(path.dirname(file), t.file);
    if (!fs.existsSync(f)) problems.push(`${l.where(['workload', 'trace', 'file'])}: workload.trace.file: ${f} does not exist`);
    const start = traceStart(t.start);
    if (!start)
      problems.push(
        `${l.where(['workload', 'trace', 'start'])}: workload.trace.start: ${t.start} is not a start; valid: week (Monday 00:00 UTC of the trace's first week, the default), first-event, a duration after that Monday of less than 7d (3d, 80h), or a date (2008-03-03, 2008-03-03T18:00Z)`,
      );
    workload = { kind: 'trace', file: f, format: t.format, ...(t.country ? { country: t.country } : {}), start: start ?? { at: 'week' } };
  } else {
    const { start, ...given } = raw.workload.synthetic ?? {};
    const startMs = start === undefined ? 0 : parseDuration(start);
    if (startMs >= 7 * 86_400_000)
      problems.push(
        `${l.where(['workload', 'synthetic', 'start'])}: workload.synthetic.start: ${start} is out of range; valid: from 0 to less than 7d after Monday 00:00 UTC (18h: Monday's busy hour)`,
      );
    const playlists = { ...defaultSynthetic.playlists, ...given.playlists };
    // the schema checks each bound alone; a bound given may cross the other's default
    if (playlists.minTracks > playlists.maxTracks)
      problems.push(
        `${l.where(['workload', 'synthetic', 'playlists'])}: workload.synthetic.playlists: minTracks ${playlists.minTracks} is more than maxTracks ${playlists.maxTracks}${given.playlists?.maxTracks === undefined ? ' (the default)' : ''}; valid: minTracks at most maxTracks`,
      );
    workload = { kind: 'synthetic', startMs, params: { ...defaultSynthetic, ...given, sessionsPerDay: { ...defaultSynthetic.sessionsPerDay, ...given.sessionsPerDay }, playlists } };
  }
  const warmup = raw.warmup === undefined || raw.warmup === 'none' ? null : raw.warmup === 'auto' ? { days: 'auto' as const } : { days: parseWarmupDays(raw.warmup) };
  if (warmup && workload.kind !== 'synthetic')
    problems.push(
      `${l.where(['warmup'])}: warmup: ${raw.warmup} replays the synthetic workload's earlier days, and this experiment replays a trace; valid here: none (replay the trace's earlier weeks by starting it earlier: workload.trace.start)`,
    );
  if (warmup && warmup.days !== 'auto' && warmup.days > 366) problems.push(`${l.where(['warmup'])}: warmup: ${raw.warmup} is out of range; valid: 0d to 52w, auto or none`);
  if (problems.length) throw new ConfigError(file, problems);
  return {
    name: raw.name,
    file,
    topology,
    topologyText,
    durationMs,
    runtime: raw.runtime ?? 'docker',
    timeScale: raw.timeScale ?? 1,
    warmup,
    sim: { ...MESSAGE_MODEL, ...raw.sim },
    seed: raw.seed ?? 1,
    populations: [...(raw.populations ?? [])].sort((a, b) => a - b),
    repetitions: raw.repetitions ?? 1,
    linkCheck: raw.linkCheck ?? 3,
    protocol: base,
    faults: baseFaults,
    variants,
    workload,
  };
}
