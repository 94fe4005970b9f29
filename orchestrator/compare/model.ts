// The data of `testbed compare`: from the summary.json of every run of every variant, per metric
// the mean per variant with its interval over repetitions, and the paired difference to the base
// variant. Repetition i of every variant ran with the same seeds, so differences are taken pair by
// pair (benchstat's idea of marking noise with `~`, with a paired t interval instead of its U test).
import { createRequire } from 'node:module';
import { hashName, seededRandom } from '../util/random.ts';
import { bootstrap, meanInterval, pairedDifference } from './stats.ts';
import { type Unit as MachineUnit, pick, UNIT_METRICS } from './units.ts';

export const comparisonSchema = createRequire(import.meta.url)('./comparison.schema.json') as object;

export interface RunSample {
  variant: string;
  /** 0..R-1; the same index in two variants = a pair (same seeds) */
  repetition: number;
  runId: string;
  /** the run's results folder */
  dir: string;
  /** parsed summary.json (orchestrator/report/summary.schema.json) */
  summary: Record<string, any>;
  /** play latencies in ms (>= 0), for the CDF plot */
  latencies?: number[];
  /** bytes played per workload hour */
  offload?: { hour: number; server: number; p2p: number; cache: number }[];
  /** the run's plays and searches per peer machine (units.ts), for the paired bootstrap */
  units?: ReadonlyMap<string, MachineUnit>;
}

/**
 * `bootstrap`: metrics made of plays and searches get a percentile bootstrap over paired units
 * (a peer machine in a repetition), the rest the t interval over repetitions. `t`: every metric
 * gets the t interval over repetitions.
 */
export type Method = 'bootstrap' | 't';

type Direction = 'lower' | 'higher' | 'none';
/** how a value is shown: fractions as %, ms, per-play rates, bytes and plain counts */
export type Unit = 'fraction' | 'ms' | 'per play' | 'bytes' | 'count';
export type MetricGroup = 'offload' | 'playback' | 'discovery' | 'other';
/** `~` the interval holds 0 (noise); `?` fewer than 2 pairs; `differs` for metrics with no better side */
type Verdict = '~' | 'better' | 'worse' | 'differs' | '?';

interface MetricDef {
  key: string;
  label: string;
  unit: Unit;
  better: Direction;
  group: MetricGroup;
  /** the value in one summary; null/undefined when the run has none (e.g. no play started) */
  get(s: Record<string, any>): number | null | undefined;
}

const METRICS: readonly MetricDef[] = [
  { key: 'shares.server', label: 'server share of played bytes', unit: 'fraction', better: 'lower', group: 'offload', get: (s) => s.shares?.server },
  { key: 'shares.p2p', label: 'peer share of played bytes', unit: 'fraction', better: 'higher', group: 'offload', get: (s) => s.shares?.p2p },
  { key: 'shares.cache', label: 'cache share of played bytes', unit: 'fraction', better: 'none', group: 'offload', get: (s) => s.shares?.cache },
  { key: 'latencyMs.p50', label: 'playback latency, median', unit: 'ms', better: 'lower', group: 'playback', get: (s) => s.latencyMs?.p50 },
  { key: 'latencyMs.p90', label: 'playback latency, 90th percentile', unit: 'ms', better: 'lower', group: 'playback', get: (s) => s.latencyMs?.p90 },
  { key: 'stutterRate', label: 'stutters per play', unit: 'per play', better: 'lower', group: 'playback', get: (s) => s.stutterRate },
  { key: 'discovery.tracker', label: 'searches the tracker answered with peers', unit: 'fraction', better: 'higher', group: 'discovery', get: (s) => s.discovery?.tracker },
  { key: 'discovery.overlay', label: 'searches the overlay answered with peers', unit: 'fraction', better: 'higher', group: 'discovery', get: (s) => s.discovery?.overlay },
  {
    key: 'p2pBytesPerPeer',
    label: 'bytes served by peers, per peer',
    unit: 'bytes',
    better: 'higher',
    group: 'other',
    get: (s) => (typeof s.bytes?.p2p === 'number' && s.peers > 0 ? s.bytes.p2p / s.peers : null),
  },
  { key: 'reportsLost', label: 'reports lost', unit: 'count', better: 'lower', group: 'other', get: (s) => s.reportsLost },
  { key: 'plays', label: 'plays', unit: 'count', better: 'none', group: 'other', get: (s) => s.plays },
];

export interface VariantStat {
  /** runs that had a value */
  n: number;
  /** null when no run had a value */
  mean: number | null;
  /** 95% interval of the mean; null below 2 values */
  ci: [number, number] | null;
  /** one per run with a value, in repetition order */
  values: number[];
  /** runs of the variant whose summary had no value for this metric */
  missing: number;
}

export interface BaseDiff {
  /** repetitions where both this variant and the base have a value (t), or paired units (bootstrap) */
  pairs: number;
  /** mean of (variant − base) over the pairs; null without pairs */
  meanDiff: number | null;
  ci: [number, number] | null;
  /** meanDiff over the base's mean on the same pairs; null when that is 0 or there are no pairs */
  relative: number | null;
  /** two-sided p-value of the paired t test; null below 2 pairs */
  p: number | null;
  verdict: Verdict;
}

export interface MetricResult {
  /** how this metric's intervals were made */
  method: Method;
  key: string;
  label: string;
  unit: Unit;
  better: Direction;
  group: MetricGroup;
  perVariant: Record<string, VariantStat>;
  /** every variant but the base */
  vsBase: Record<string, BaseDiff>;
}

export interface Comparison {
  kind: 'testbed-comparison';
  experiment: string;
  base: string;
  confidence: number;
  method: string;
  variants: { name: string; description?: string; runs: { repetition: number; runId: string; dir: string }[] }[];
  metrics: MetricResult[];
  createdAt: string;
  warnings: string[];
}

const CONFIDENCE = 0.95;
const BOOTSTRAP_METHOD =
  'Metrics made of plays and searches (shares, latency, stutters, tracker and overlay success): the estimate pooled over repetitions, ' +
  'with a 95% percentile bootstrap (2000 resamples) over units, a unit being one peer machine in one repetition; against the base, ' +
  'the same units are resampled in both variants, since each machine replayed the same script in both. Units are not independent ' +
  '(peers serve each other), and the interval covers the variation over machines given these workloads, not over other workloads. The other metrics:';

const METHOD =
  'Per variant, the mean over repetitions with a Student t interval; against the base, ' +
  'the mean of the differences between runs of the same repetition (same seeds and placement) with ' +
  'a paired Student t interval and p-value. `~` marks a difference whose interval contains 0.';

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const ci = (lo: number | null, hi: number | null): [number, number] | null => (lo === null || hi === null ? null : [lo, hi]);

function verdict(d: { n: number; lo: number | null; hi: number | null; mean: number }, better: Direction): Verdict {
  if (d.n < 2 || d.lo === null || d.hi === null) return '?';
  if (d.lo <= 0 && d.hi >= 0) return '~';
  if (better === 'none') return 'differs';
  return d.mean < 0 === (better === 'lower') ? 'better' : 'worse';
}

export function buildComparison(o: {
  experiment: string;
  base: string;
  variants: { name: string; description?: string }[];
  runs: RunSample[];
  warnings?: string[];
  /** default: bootstrap where every run has its units, else t */
  method?: Method;
}): Comparison {
  const names = o.variants.map((v) => v.name);
  if (new Set(names).size !== names.length) throw new Error(`variant names repeat: ${names.join(', ')}`);
  if (!names.includes(o.base)) throw new Error(`base variant ${o.base} is not among the variants (${names.join(', ')})`);
  const warnings = [...(o.warnings ?? [])];
  const runsOf = new Map(names.map((n) => [n, o.runs.filter((r) => r.variant === n).sort((a, b) => a.repetition - b.repetition)]));
  for (const r of o.runs) if (!runsOf.has(r.variant)) warnings.push(`run ${r.runId} belongs to no listed variant (${r.variant}) and is left out`);
  for (const [n, rs] of runsOf) {
    if (!rs.length) warnings.push(`variant ${n} has no run`);
    const seen = new Set<number>();
    for (const r of rs) {
      // two runs under one index would make pairs ambiguous: keep the first, say so
      if (seen.has(r.repetition)) warnings.push(`variant ${n} has two runs of repetition ${r.repetition}; ${r.runId} is left out`);
      seen.add(r.repetition);
    }
  }
  const unique = (rs: RunSample[]) => rs.filter((r, i) => rs.findIndex((x) => x.repetition === r.repetition) === i);
  const withUnits = o.runs.every((r) => r.units !== undefined);
  const method: Method = o.method ?? (withUnits ? 'bootstrap' : 't');
  if (method === 'bootstrap' && !withUnits) throw new Error("the bootstrap needs every run's raw reports (units); use the t method");
  /** `rep/machine` → that machine's plays and searches in that repetition of variant `n` */
  const unitsOf = (n: string) => new Map(unique(runsOf.get(n)!).flatMap((r) => [...(r.units ?? new Map<string, MachineUnit>())].map(([k, u]) => [`${r.repetition}/${k}`, u] as const)));
  const unitMaps = new Map(names.map((n) => [n, unitsOf(n)]));

  const metrics = METRICS.map((m): MetricResult => {
    const fn = UNIT_METRICS[m.key];
    if (method === 'bootstrap' && fn) return bootstrapMetric(m, fn);
    return tMetric(m);
  });

  /** percentile bootstrap over units: per variant its own units; against the base, the same machines of the same repetitions in both */
  function bootstrapMetric(m: MetricDef, fn: (us: readonly MachineUnit[]) => number | null): MetricResult {
    const perVariant: Record<string, VariantStat> = {};
    for (const n of names) {
      const values = unique(runsOf.get(n)!)
        .map((r) => m.get(r.summary))
        .filter(finite);
      const units = unitMaps.get(n)!;
      const keys = [...units.keys()];
      // one generator per metric and variant: the interval does not depend on which other metrics exist
      const b = bootstrap(
        keys.length,
        (idx) =>
          fn(
            pick(
              units,
              idx.map((i) => keys[i]),
            ),
          ),
        { confidence: CONFIDENCE, random: seededRandom(hashName(`${m.key}/${n}`)) },
      );
      perVariant[n] = { n: values.length, mean: b?.estimate ?? null, ci: b ? ci(b.lo, b.hi) : null, values, missing: unique(runsOf.get(n)!).length - values.length };
    }
    const vsBase: Record<string, BaseDiff> = {};
    const base = unitMaps.get(o.base)!;
    const baseReps = new Set(unique(runsOf.get(o.base)!).map((r) => r.repetition));
    for (const n of names) {
      if (n === o.base) continue;
      const other = unitMaps.get(n)!;
      const reps = new Set(
        unique(runsOf.get(n)!)
          .map((r) => r.repetition)
          .filter((x) => baseReps.has(x)),
      );
      // machines of the repetitions both ran; one that reported nothing in a variant is an empty unit there
      const keys = [...new Set([...base.keys(), ...other.keys()])].filter((k) => reps.has(Number(k.split('/')[0]))).sort();
      const diff = (idx: readonly number[]) => {
        const ks = idx.map((i) => keys[i]);
        const a = fn(pick(base, ks));
        const b = fn(pick(other, ks));
        return a === null || b === null ? null : b - a;
      };
      const d = bootstrap(keys.length, diff, { confidence: CONFIDENCE, random: seededRandom(hashName(`${m.key}/${n}-${o.base}`)) });
      const baseValue = fn(pick(base, keys));
      vsBase[n] = {
        pairs: keys.length,
        meanDiff: d?.estimate ?? null,
        ci: d ? ci(d.lo, d.hi) : null,
        relative: d && baseValue ? d.estimate / baseValue : null,
        p: d?.p ?? null,
        verdict: d ? verdict({ n: keys.length, lo: d.lo, hi: d.hi, mean: d.estimate }, m.better) : '?',
      };
    }
    return { method: 'bootstrap', key: m.key, label: m.label, unit: m.unit, better: m.better, group: m.group, perVariant, vsBase };
  }

  function tMetric(m: MetricDef): MetricResult {
    // per variant: repetition → value, for the runs that have one
    const byRep = new Map<string, Map<number, number>>();
    const perVariant: Record<string, VariantStat> = {};
    for (const n of names) {
      const rs = unique(runsOf.get(n)!);
      const vals = new Map<number, number>();
      for (const r of rs) {
        const v = m.get(r.summary);
        if (finite(v)) vals.set(r.repetition, v);
      }
      byRep.set(n, vals);
      const values = [...vals.values()];
      const iv = meanInterval(values, CONFIDENCE);
      const missing = rs.length - values.length;
      if (missing) warnings.push(`${m.key}: ${missing} of ${rs.length} runs of ${n} have no value and are left out`);
      perVariant[n] = { n: values.length, mean: values.length ? iv.mean : null, ci: ci(iv.lo, iv.hi), values, missing };
    }
    const vsBase: Record<string, BaseDiff> = {};
    const base = byRep.get(o.base)!;
    for (const n of names) {
      if (n === o.base) continue;
      const other = byRep.get(n)!;
      const reps = [...base.keys()].filter((k) => other.has(k)).sort((a, b) => a - b);
      const a = reps.map((k) => base.get(k)!);
      const b = reps.map((k) => other.get(k)!);
      const d = pairedDifference(a, b, CONFIDENCE);
      const baseMean = a.length ? a.reduce((s, x) => s + x, 0) / a.length : 0;
      vsBase[n] = {
        pairs: reps.length,
        meanDiff: reps.length ? d.mean : null,
        ci: ci(d.lo, d.hi),
        relative: reps.length && baseMean !== 0 ? d.mean / baseMean : null,
        p: d.p,
        verdict: verdict(d, m.better),
      };
    }
    return { method: 't', key: m.key, label: m.label, unit: m.unit, better: m.better, group: m.group, perVariant, vsBase };
  }

  return {
    kind: 'testbed-comparison',
    experiment: o.experiment,
    base: o.base,
    confidence: CONFIDENCE,
    method: method === 'bootstrap' ? `${BOOTSTRAP_METHOD} ${METHOD}` : METHOD,
    variants: o.variants.map((v) => ({
      name: v.name,
      ...(v.description !== undefined ? { description: v.description } : {}),
      runs: unique(runsOf.get(v.name)!).map((r) => ({ repetition: r.repetition, runId: r.runId, dir: r.dir })),
    })),
    metrics,
    createdAt: new Date().toISOString(),
    warnings,
  };
}
