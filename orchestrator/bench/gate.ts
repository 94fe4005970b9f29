// The regression gate: the newest run against a window of earlier runs on the same kind of
// machine, measure by measure, the way Bencher thresholds a measure over a window of history and
// benchstat compares two sets of samples. Pure: records in, verdicts and text out.
//
// A measure regresses when both hold:
//   - the Mann-Whitney test says the newest samples and the window's pooled samples differ
//     (p < alpha): the move is not the noise of the machine, and
//   - the median moved the bad way by more than the measure's threshold: the move matters.
// Either alone flags too much: significance alone catches 1 % shifts that nobody cares about on a
// hundred samples, a threshold alone catches one noisy night.
//
// An exact measure (the simulation's answer on fixed input) is not noise at all: it is compared
// with the previous record's value, '=' when the same and 'changed' (which fails the gate) when
// not, from the first night on. A rank test of three equal samples against three could never
// decide it.
import { mannWhitney, smallestP } from './mann-whitney.ts';
import { DEFAULT_THRESHOLD, type Measure, type RunRecord } from './measures.ts';

export interface GateOptions {
  /** how many earlier records of the same machine kind to compare with */
  window: number;
  alpha: number;
}
const DEFAULT_GATE: GateOptions = { window: 10, alpha: 0.05 };

type Verdict = 'regressed' | 'improved' | '~' | '?' | '=' | 'changed';

interface MeasureVerdict {
  name: string;
  unit: string;
  better: Measure['better'];
  threshold: number;
  oldMedian: number | null;
  newMedian: number;
  /** relative change of the median, (new − old) / old; null when there is no old median or it is 0 */
  change: number | null;
  p: number | null;
  verdict: Verdict;
  /** why the verdict is '?' */
  note?: string;
  oldN: number;
  newN: number;
}

export interface GateResult {
  /**
   * 'regressed': a measure regressed or an exact one changed; 'no-history': nothing to compare
   * with; 'baseline': the newest run was accepted as a baseline
   */
  status: 'ok' | 'regressed' | 'empty' | 'no-history' | 'baseline';
  machineKind: string | null;
  newest: RunRecord | null;
  window: RunRecord[];
  measures: MeasureVerdict[];
  /** a sentence for a person when status is not ok/regressed */
  message?: string;
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * The earlier records the newest is compared with: same machine kind, from the newest baseline
 * on (an accepted change restarts the comparison), the last `size` of them.
 */
export function selectWindow(records: readonly RunRecord[], size: number): { newest: RunRecord | null; window: RunRecord[]; newestIsBaseline: boolean } {
  const newest = records.at(-1) ?? null;
  if (!newest) return { newest, window: [], newestIsBaseline: false };
  const same = records.slice(0, -1).filter((r) => r.machine.kind === newest.machine.kind);
  let from = 0;
  for (let i = same.length - 1; i >= 0; i--)
    if (same[i].baseline) {
      from = i;
      break;
    }
  return { newest, window: size > 0 ? same.slice(from).slice(-size) : [], newestIsBaseline: newest.baseline === true };
}

/** equal to the last few digits a JSON round trip and a fixed rounding leave */
const same = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/**
 * An exact measure against the last record that has it (`previous`, its samples): '=' or 'changed'.
 * Samples that differ within one run say the computation is not deterministic, which is a change too.
 */
function compareExact(measure: Measure, previous: readonly number[]): MeasureVerdict {
  const newMedian = median(measure.samples);
  const base = { name: measure.name, unit: measure.unit, better: measure.better, threshold: 0, newMedian, oldN: previous.length, newN: measure.samples.length, p: null };
  if (!previous.length) return { ...base, oldMedian: null, change: null, verdict: '?', note: 'not in the previous record (a new measure)' };
  const oldMedian = median(previous);
  const change = oldMedian === 0 ? null : (newMedian - oldMedian) / Math.abs(oldMedian);
  const spread = measure.samples.some((x) => !same(x, measure.samples[0]));
  if (spread) return { ...base, oldMedian, change, verdict: 'changed', note: `not deterministic: ${measure.samples.join(', ')} in one run` };
  return { ...base, oldMedian, change, verdict: same(newMedian, oldMedian) ? '=' : 'changed' };
}

function compareMeasure(measure: Measure, old: readonly number[], alpha: number): MeasureVerdict {
  const threshold = measure.threshold ?? DEFAULT_THRESHOLD;
  const newMedian = median(measure.samples);
  const base = { name: measure.name, unit: measure.unit, better: measure.better, threshold, newMedian, oldN: old.length, newN: measure.samples.length };
  if (!old.length) return { ...base, oldMedian: null, change: null, p: null, verdict: '?', note: 'not in the window (a new measure)' };
  const oldMedian = median(old);
  const change = oldMedian === 0 ? null : (newMedian - oldMedian) / Math.abs(oldMedian);
  if (!measure.samples.length) return { ...base, oldMedian, change, p: null, verdict: '?', note: 'no samples in the newest run' };
  const { p } = mannWhitney(measure.samples, old);
  if (smallestP(measure.samples.length, old.length) >= alpha)
    return { ...base, oldMedian, change, p, verdict: '?', note: `too few samples (${measure.samples.length} against ${old.length}) for any p below ${alpha}` };
  const worse = measure.better === 'lower' ? newMedian > oldMedian : newMedian < oldMedian;
  const moved = change === null ? newMedian !== oldMedian : Math.abs(change) > threshold;
  let verdict: Verdict = '~';
  if (p < alpha && worse && moved) verdict = 'regressed';
  else if (p < alpha && !worse && newMedian !== oldMedian) verdict = 'improved';
  return { ...base, oldMedian, change, p, verdict };
}

export function gate(records: readonly RunRecord[], options: Partial<GateOptions> = {}): GateResult {
  const o = { ...DEFAULT_GATE, ...options };
  const { newest, window, newestIsBaseline } = selectWindow(records, o.window);
  if (!newest) return { status: 'empty', machineKind: null, newest, window, measures: [], message: 'the history is empty: run `npm run bench` first' };
  const kind = newest.machine.kind;
  if (newestIsBaseline)
    return { status: 'baseline', machineKind: kind, newest, window: [], measures: [], message: `the newest run (${newest.commit}) is an accepted baseline: later runs are compared with it` };
  if (!window.length)
    return {
      status: 'no-history',
      machineKind: kind,
      newest,
      window,
      measures: [],
      message: `too little history: no earlier run on a ${kind} machine to compare ${newest.commit} with; the gate decides from the next run on`,
    };
  const measures = newest.measures.map((m) => {
    if (m.exact) {
      const previous = [...window].reverse().find((r) => r.measures.some((x) => x.name === m.name));
      return compareExact(m, previous?.measures.find((x) => x.name === m.name)?.samples ?? []);
    }
    return compareMeasure(
      m,
      window.flatMap((r) => r.measures.find((x) => x.name === m.name)?.samples ?? []),
      o.alpha,
    );
  });
  return { status: measures.some((m) => m.verdict === 'regressed' || m.verdict === 'changed') ? 'regressed' : 'ok', machineKind: kind, newest, window, measures };
}

/** the gate applied to every record in turn, each against its own earlier history: the trend's red points */
export function gateEach(records: readonly RunRecord[], options: Partial<GateOptions> = {}): GateResult[] {
  return records.map((_, i) => gate(records.slice(0, i + 1), options));
}

// four significant digits: a timing's noise is in the second or third
const num = (x: number) => (Math.abs(x) >= 10_000 ? x.toFixed(0) : String(Number(x.toPrecision(4))));
export const fmt = {
  value: (x: number | null, unit: string) => (x === null || !Number.isFinite(x) ? '-' : `${num(x)} ${unit}`),
  change: (c: number | null) => (c === null ? '-' : `${c > 0 ? '+' : ''}${(100 * c).toFixed(1)}%`),
  p: (p: number | null) => (p === null ? '-' : p < 0.001 ? p.toExponential(1) : p.toFixed(3)),
};

/** the commits a window spans, for a person */
export function span(w: readonly RunRecord[]): string {
  return w.length === 1 ? w[0].commit : `${w[0].commit} .. ${w.at(-1)!.commit}`;
}

/** one line per regressed measure, naming old and new median and p, and one per changed exact measure */
export function regressionLines(r: GateResult): string[] {
  return r.measures
    .filter((m) => m.verdict === 'regressed' || m.verdict === 'changed')
    .map((m) =>
      m.verdict === 'changed'
        ? `${m.name}: ${fmt.value(m.oldMedian, m.unit)} -> ${fmt.value(m.newMedian, m.unit)} (${fmt.change(m.change)}), an exact figure of the simulation that changed${m.note ? `: ${m.note}` : ''}: a change of behaviour; \`testbed bench accept\` if it is meant`
        : `${m.name}: ${fmt.value(m.oldMedian, m.unit)} -> ${fmt.value(m.newMedian, m.unit)} (${fmt.change(m.change)}, ${m.better} is better, threshold ${(100 * m.threshold).toFixed(0)}%), p = ${fmt.p(m.p)}`,
    );
}

/** the benchstat-like table printed by `testbed bench gate` */
export function formatGate(r: GateResult): string {
  if (r.message) return r.message + '\n';
  const head = `${r.newest!.commit} on ${r.machineKind} against ${r.window.length} earlier run${r.window.length === 1 ? '' : 's'} (${span(r.window)})`;
  const rows = [
    ['measure', 'old median', 'new median', 'change', 'p', 'verdict'],
    ...r.measures.map((m) => [m.name, fmt.value(m.oldMedian, m.unit), fmt.value(m.newMedian, m.unit), fmt.change(m.change), fmt.p(m.p), m.verdict + (m.note ? ` (${m.note})` : '')]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
  return [head, ...lines, '', '~: no difference beyond noise (p >= alpha) or one smaller than the threshold; =: an exact figure, the same as the previous run'].join('\n') + '\n';
}
