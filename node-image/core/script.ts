// The workload script one client machine replays: a list of timed events in workload time.
// The orchestrator (orchestrator/workload) writes one script per peer machine; the client
// (node-image/client) reads it at start and executes each event when its scaled clock reaches
// `t`. A machine may see several users over a run (a family computer, a work desk): that is how
// users come back from other addresses, which is what Table I measures.
//
// File format: JSON Lines, one ScriptEvent per line, sorted by `t`. A first line
// `{"header": {...}}` may precede the events; parseScript skips it.

import type { Quality } from './reports.ts';

export type ScriptEvent =
  | { t: number; action: 'login'; user: string; country: string; quality: Quality; mobile?: boolean }
  /** start playing `track`; `next` is the following track of the playlist (lets prefetch work) */
  | { t: number; action: 'play'; track: number; access: 'playlist' | 'random'; next?: number }
  /** stop the current track before its end; the partial track stays in the cache, unserved */
  | { t: number; action: 'skip' }
  /** jump within the current track to `positionMs` of audio (workload ms) */
  | { t: number; action: 'seek'; positionMs: number }
  | { t: number; action: 'logout' }
  /** the machine loses its network abruptly for `durationMs` (workload ms): churn (core/faults.ts) */
  | { t: number; action: 'offline'; durationMs: number };
