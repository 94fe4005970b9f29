// What a benchmark run leaves behind for the regression gate: named measures with their samples,
// and the machine they were taken on (numbers from different machines are never compared).
import os from 'node:os';
import { execa } from 'execa';

type Better = 'lower' | 'higher';

export interface Measure {
  /** stable across runs: the gate matches measures of different runs by this name */
  name: string;
  unit: string;
  better: Better;
  /** repeated observations of one run; the gate compares their distribution, never one number */
  samples: number[];
  /** relative change that counts as a regression once significant; DEFAULT_THRESHOLD when absent */
  threshold?: number;
  /**
   * a figure of a deterministic computation on fixed input (the simulation's answer): it does not
   * vary, so it is not tested for significance; any change of it is a change of behaviour
   */
  exact?: boolean;
}

export interface Machine {
  /** what the gate groups by: cores, memory and OS, e.g. "2c-24g-linux" */
  kind: string;
  cores: number;
  memGiB: number;
  kernel: string;
  /** the Docker engine's version, or null when none answered */
  docker: string | null;
}

export interface RunRecord {
  commit: string;
  date: string;
  machine: Machine;
  measures: Measure[];
  /** set by `testbed bench accept`: the gate's window starts here (an intended change) */
  baseline?: boolean;
}

/** 10 %: below that a timing on a shared machine moves by itself from night to night */
export const DEFAULT_THRESHOLD = 0.1;

function machineKind(cores: number, memGiB: number, platform: string): string {
  return `${cores}c-${memGiB}g-${platform}`;
}

export async function machineInfo(): Promise<Machine> {
  const cores = os.cpus().length;
  // rounded so that the few MiB the kernel reserves differently on the same hardware do not split the kind
  const memGiB = Math.round(os.totalmem() / 2 ** 30);
  let docker: string | null = null;
  try {
    const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 });
    docker = r.stdout.trim() || null;
  } catch {
    docker = null;
  }
  return { kind: machineKind(cores, memGiB, os.platform()), cores, memGiB, kernel: os.release(), docker };
}

/** the checked-out commit, or "unknown" outside a git work tree (a tarball of the sources) */
export async function currentCommit(cwd: string): Promise<string> {
  try {
    const r = await execa('git', ['rev-parse', 'HEAD'], { cwd });
    const dirty = (await execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd })).stdout.trim() !== '';
    return r.stdout.trim() + (dirty ? '-dirty' : '');
  } catch {
    return 'unknown';
  }
}

/** one observation of a named measure; a benchmark repeated n times gives n of each */
export interface Point {
  name: string;
  unit: string;
  better: Better;
  value: number;
  threshold?: number;
  exact?: boolean;
}

/** pools the points of repeated runs into one measure per name, in first-seen order */
export function collect(runs: Point[][]): Measure[] {
  const byName = new Map<string, Measure>();
  for (const run of runs)
    for (const p of run) {
      if (!Number.isFinite(p.value)) continue;
      let m = byName.get(p.name);
      if (!m)
        byName.set(p.name, (m = { name: p.name, unit: p.unit, better: p.better, samples: [], ...(p.threshold !== undefined ? { threshold: p.threshold } : {}), ...(p.exact ? { exact: true } : {}) }));
      m.samples.push(p.value);
    }
  return [...byName.values()];
}
