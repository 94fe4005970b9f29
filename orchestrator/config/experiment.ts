// Experiments: typed, validated like topologies (orchestrator/config/yaml.ts).
import path from 'node:path';
import { createRequire } from 'node:module';
import { stringify } from 'yaml';
import { defaultSynthetic, type SyntheticParams } from '../workload/synthetic.ts';
import { loadTopology, parseTopology, topologyPath, type Topology } from './topology.ts';
import { ConfigError, loadYamlFile, parseDuration } from './yaml.ts';
import { resolveParams } from '../../node-image/core/params.ts';

const require = createRequire(import.meta.url);
export const experimentSchema = require('../../experiments/experiment.schema.json') as object;

export interface Experiment {
  name: string;
  file: string;
  topology: Topology;
  /** the topology as YAML text, saved with the results */
  topologyText: string;
  durationMs: number;
  timeScale: number;
  seed: number;
  repetitions: number;
  linkCheck: number;
  params: Record<string, unknown>;
  workload: { kind: 'synthetic'; params: SyntheticParams } | { kind: 'trace'; file: string; format: 'native' | 'lastfm' | 'mssd'; country?: string };
}

interface Raw {
  name: string;
  topology: string | Record<string, unknown>;
  duration: string;
  timeScale: number;
  seed?: number;
  repetitions?: number;
  linkCheck?: number;
  params?: Record<string, unknown>;
  workload: { synthetic?: Partial<SyntheticParams>; trace?: { file: string; format: 'native' | 'lastfm' | 'mssd'; country?: string } };
}

export function loadExperiment(file: string): Experiment {
  const l = loadYamlFile<Raw>(file, experimentSchema);
  const raw = l.value;
  const problems: string[] = [];
  let topology: Topology;
  let topologyText: string;
  if (typeof raw.topology === 'string') {
    const tp = topologyPath(raw.topology, path.resolve(import.meta.dirname, '../..'));
    topology = loadTopology(tp);
    topologyText = require('node:fs').readFileSync(tp, 'utf8');
  } else {
    topologyText = stringify(raw.topology);
    topology = parseTopology(topologyText, `${file} (inline topology)`);
  }
  try {
    resolveParams(raw.params ?? {});
  } catch (err) {
    problems.push(`${l.where(['params'])}: params: ${(err as Error).message}`);
  }
  let workload: Experiment['workload'];
  if (raw.workload.trace) {
    const t = raw.workload.trace;
    const f = path.resolve(path.dirname(file), t.file);
    if (!require('node:fs').existsSync(f)) problems.push(`${l.where(['workload', 'trace', 'file'])}: workload.trace.file: ${f} does not exist`);
    workload = { kind: 'trace', file: f, format: t.format, ...(t.country ? { country: t.country } : {}) };
  } else {
    workload = { kind: 'synthetic', params: { ...defaultSynthetic, ...raw.workload.synthetic, sessionsPerDay: { ...defaultSynthetic.sessionsPerDay, ...raw.workload.synthetic?.sessionsPerDay } } };
  }
  if (problems.length) throw new ConfigError(file, problems);
  return {
    name: raw.name, file, topology, topologyText, durationMs: parseDuration(raw.duration), timeScale: raw.timeScale,
    seed: raw.seed ?? 1, repetitions: raw.repetitions ?? 1, linkCheck: raw.linkCheck ?? 3, params: raw.params ?? {}, workload,
  };
}
