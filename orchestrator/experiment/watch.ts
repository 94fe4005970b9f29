// A repetition's workload watched to its end where it runs as real programs (Docker's containers,
// local processes): the progress line and live.json from the data centres' sinks, a warning when a
// program other than a peer dies, and the end: every peer done, or the deadline, after which the
// peers still running are stopped by the caller. The runtime says how its programs stand; the
// simulation has no programs to wait for and runs to its own end.
import type { Experiment } from '../config/experiment.ts';
import type { Progress } from '../progress/display.ts';
import type { Repetition } from './session.ts';
import { fmtWorkload } from './workload.ts';

/** how a runtime's programs stand at one look */
export interface ProgramsNow {
  /** peer programs that have finished, of `peers` */
  finished: number;
  peers: number;
  /** peer programs still running: said when they are given up on at the deadline */
  running: number;
  /** every peer is done: the workload is over */
  done: boolean;
  /** a warning for each program other than a peer that died since the last look */
  died: string[];
}

/** clients drain their reports (up to 30 s) after their last event: how long past the workload's end they are waited for */
const DRAIN_MS = 120_000;

/**
 * Until the peers are done or the deadline: `look` is asked every `everyMs` how the programs stand
 * (`pastEnd`: the workload's real time is over), `epoch` the real time the workload began.
 */
export async function watchWorkload(
  r: { e: Pick<Experiment, 'durationMs' | 'timeScale'>; progress: Pick<Progress, 'line' | 'update'>; signal: AbortSignal; live: Repetition['live'] },
  epoch: number,
  o: { everyMs: number; look: (pastEnd: boolean) => ProgramsNow | Promise<ProgramsNow> },
): Promise<void> {
  const { e, progress, signal, live } = r;
  const realEnd = epoch + e.durationMs / e.timeScale;
  const deadline = realEnd + DRAIN_MS;
  while (!signal.aborted) {
    const now = Date.now();
    const s = await o.look(now > realEnd);
    for (const d of s.died) progress.line(`warning: ${d}`);
    const wt = Math.min(e.durationMs, Math.max(0, (now - epoch) * e.timeScale));
    // the data centres' sinks, read as they grow, on the progress line and the live page
    progress.update(`${fmtWorkload(wt)} of ${fmtWorkload(e.durationMs)} | ${live(wt)} | peer programs finished ${s.finished}/${s.peers}`);
    if (s.done) break;
    if (now > deadline) {
      progress.line(`warning: ${s.running} peers still running ${Math.round((now - realEnd) / 1000)} s after the workload's end; stopping them`);
      break;
    }
    await new Promise((res) => setTimeout(res, o.everyMs));
  }
  progress.line('workload finished');
}
