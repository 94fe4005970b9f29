// Faults on a run's timeline, in workload time from the run's start (Monday 00:00 UTC of the
// replayed week, or a trace's chosen start: docs/traces.md).
// They are part of a variant: an experiment or one of its variants lists them, and every runtime
// carries them out the same way, inside the programs, so that a fault is as reproducible as the
// workload:
//
//   tracker-outage  a data centre's tracker answers nobody for a while (the access point works)
//   dc-outage       a whole data centre is away: connections drop, new ones are refused, the
//                   tracker's memory is lost; its sink is durable, so nothing stored is lost
//   churn           a share of peers lose their network abruptly (no logout, no bye) and come
//                   back after the duration; the orchestrator picks them with the run's seed and
//                   puts an `offline` event in their workload script (core/script.ts)
//
//   link-cut        a share of peers' access links drop every packet (a pulled cable: no FIN,
//                   keep-alives find out); the orchestrator adds and removes the DROP rules
//   link-rate       a share of peers' access links run at `factor` times their rate, both ways
//   router-restart  the home routers of a share of peers lose power for the duration and start
//                   again with nothing: no UPnP mapping, no NAT state (clients map ports only at
//                   their own start, as the paper's do, so their mapping stays lost)
//
// These three change the network, so only runtimes that have one carry them out (Docker:
// orchestrator/experiment/link-faults.ts; the simulation: orchestrator/runtime/sim/world.ts).

import type { Clock, TimerHandle } from './clock.ts';

type DcFault = { kind: 'tracker-outage' | 'dc-outage'; atMs: number; forMs: number; dc?: string };
export type PeerFault =
  | { kind: 'churn' | 'link-cut' | 'router-restart'; atMs: number; forMs: number; share: number; country?: string }
  | { kind: 'link-rate'; atMs: number; forMs: number; share: number; country?: string; factor: number };
export type Fault = DcFault | PeerFault;

/** faults that take a share of peers (the others concern a data centre) */
export const isPeerFault = (f: Fault): f is PeerFault => f.kind === 'churn' || f.kind === 'link-cut' || f.kind === 'link-rate' || f.kind === 'router-restart';

/** The part of a data centre a fault touches. */
export interface FaultTarget {
  readonly name: string;
  setTrackerDown(down: boolean): void;
  setDown(down: boolean): void;
}

/**
 * Arm the data-centre faults that concern `dc` on `clock` (a clock whose workload time matches
 * the clients'). A fault whose window has already passed is skipped; one already under way starts now.
 */
export function armDcFaults(dc: FaultTarget, faults: readonly Fault[], clock: Clock): TimerHandle[] {
  const timers: TimerHandle[] = [];
  const now = clock.now();
  for (const f of faults) {
    if (isPeerFault(f) || (f.dc !== undefined && f.dc !== dc.name)) continue;
    const end = f.atMs + f.forMs;
    if (end <= now) continue;
    const set = f.kind === 'tracker-outage' ? (v: boolean) => dc.setTrackerDown(v) : (v: boolean) => dc.setDown(v);
    timers.push(
      clock.after(Math.max(0, f.atMs - now), () => set(true)),
      clock.after(end - now, () => set(false)),
    );
  }
  return timers;
}
