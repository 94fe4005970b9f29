// Link faults (node-image/core/faults.ts) on a running Docker testbed: at their workload time the
// orchestrator changes the chosen peers' access links from inside their containers, and changes
// them back when the fault ends or, at the latest, when the workload ends (so that the clients can
// still hand in their last reports).
//
//   link-cut   DROP rules for everything in and out of the access interface: a pulled cable. No
//              FIN or RST reaches anyone; both ends find out by their keep-alives.
//   link-rate  the htb class of both directions (the interface's egress, ifb0 for the ingress) at
//              `factor` times the configured rate.
//
//   router-restart  the home router of each chosen peer is stopped at once (a power cut) and
//              started again when the fault ends: it comes back with no mapping and no NAT state.
//
// The peers are drawn with the run's seed, as for churn, so paired variants lose the same links.
import { type Fault, isPeerFault } from '../../node-image/core/faults.ts';
import { type Cmd, INGRESS_DEV, rateClass } from '../../node-image/netsetup/commands.ts';
import type { Progress } from '../progress/display.ts';
import { seededRandom } from '../util/random.ts';
import { pickPeers } from '../workload/churn.ts';

export interface ShapedPeer {
  name: string;
  /** its home router (none for a peer without NAT) */
  router?: string;
  country: string;
  iface: string;
  upKbit: number;
  downKbit: number;
}

export interface LinkFaultStep {
  /** workload ms */
  atMs: number;
  container: string;
  cmds: Cmd[];
  /** instead of commands: the container is powered off or on */
  power?: 'off' | 'on';
  /** for the progress line */
  what: string;
}

const cut = (iface: string, op: '-I' | '-D'): Cmd[] => [
  ['iptables', op, 'INPUT', ...(op === '-I' ? ['1'] : []), '-i', iface, '-m', 'comment', '--comment', 'tb-fault', '-j', 'DROP'],
  ['iptables', op, 'OUTPUT', ...(op === '-I' ? ['1'] : []), '-o', iface, '-m', 'comment', '--comment', 'tb-fault', '-j', 'DROP'],
];
const rates = (p: ShapedPeer, factor: number): Cmd[] => [rateClass(p.iface, Math.max(8, Math.round(p.upKbit * factor))), rateClass(INGRESS_DEV, Math.max(8, Math.round(p.downKbit * factor)))];

/** Every change the link faults make, in time order; none ends after `endMs`. */
export function planLinkFaults(faults: readonly Fault[], peers: readonly ShapedPeer[], seed: number, endMs: number): LinkFaultStep[] {
  const random = seededRandom(seed ^ 0x11e7);
  const steps: LinkFaultStep[] = [];
  for (const f of faults) {
    if (!isPeerFault(f) || f.kind === 'churn') continue;
    const until = Math.min(f.atMs + f.forMs, endMs);
    for (const p of pickPeers(peers, f, random)) {
      if (f.kind === 'link-cut') {
        steps.push({ atMs: f.atMs, container: p.name, cmds: cut(p.iface, '-I'), what: 'cut' });
        steps.push({ atMs: until, container: p.name, cmds: cut(p.iface, '-D'), what: 'restored' });
      } else if (f.kind === 'router-restart') {
        // a peer's router only: peers without NAT have none; two peers may share one
        if (!p.router || steps.some((x) => x.container === p.router && x.atMs === f.atMs)) continue;
        steps.push({ atMs: f.atMs, container: p.router, cmds: [], power: 'off', what: 'powered off' });
        steps.push({ atMs: until, container: p.router, cmds: [], power: 'on', what: 'powered on again (no mappings)' });
      } else if (f.kind === 'link-rate') {
        steps.push({ atMs: f.atMs, container: p.name, cmds: rates(p, f.factor), what: `at ${f.factor}× rate` });
        steps.push({ atMs: until, container: p.name, cmds: rates(p, 1), what: 'back at its rate' });
      }
    }
  }
  return steps.sort((a, b) => a.atMs - b.atMs);
}

type Exec = (container: string, cmd: string[]) => Promise<{ exitCode: number; stderr: string }>;

/**
 * Carry the steps out on the workload clock (`epoch` real ms = workload 0, `scale`). `finish()`
 * runs every step not yet run at once (the undos of faults still on at the end) and waits for all.
 */
export function runLinkFaults(
  exec: Exec,
  steps: readonly LinkFaultStep[],
  epoch: number,
  scale: number,
  progress: Progress,
  running: (container: string) => Promise<boolean> = async () => true,
  power: (container: string, on: boolean) => Promise<void> = async () => {},
): { finish(): Promise<void> } {
  const pending = new Set(steps);
  // one chain per container: a change and its undo never overlap
  const chains = new Map<string, Promise<void>>();
  const run = (s: LinkFaultStep) => {
    if (!pending.delete(s)) return;
    const step = async () => {
      if (s.power) {
        const failed = await power(s.container, s.power === 'on').then(
          () => null,
          (err: Error) => err.message,
        );
        return progress.line(failed ? `warning: link fault on ${s.container}: power ${s.power} failed: ${failed}` : `link fault: ${s.container} ${s.what}`);
      }
      for (const cmd of s.cmds) {
        const r = await exec(s.container, cmd).catch((err: Error) => ({ exitCode: -1, stderr: err.message }));
        if (r.exitCode === 0) continue;
        // a peer whose script has ended has stopped, or is stopping while the command runs (the
        // command is then cut short with no exit code): it has no link left to change
        if (/is not running/.test(r.stderr)) return progress.line(`link fault: ${s.container} skipped (its program has ended)`);
        // cut short (no code, or a signal's), or never started (126: the runtime could not exec
        // in a container that is stopping): give the container a few seconds to be seen stopped
        const cutShort = r.exitCode < 0 || r.exitCode >= 126;
        for (let i = 0; i < (cutShort ? 10 : 1); i++) {
          if (!(await running(s.container))) return progress.line(`link fault: ${s.container} skipped (its program has ended)`);
          if (cutShort) await new Promise((res) => setTimeout(res, 500));
        }
        return progress.line(`warning: link fault on ${s.container}: "${cmd.join(' ')}" failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
      }
      progress.line(`link fault: ${s.container} ${s.what}`);
    };
    chains.set(s.container, (chains.get(s.container) ?? Promise.resolve()).then(step));
  };
  const timers = steps.map((s) => setTimeout(() => run(s), Math.max(0, epoch + s.atMs / scale - Date.now())));
  return {
    async finish() {
      for (const t of timers) clearTimeout(t);
      // in time order: an undo never runs before the change it undoes
      for (const s of steps) run(s);
      await Promise.all(chains.values());
    },
  };
}
