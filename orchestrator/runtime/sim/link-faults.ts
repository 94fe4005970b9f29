// Faults on the simulated network's links, armed on its clock: the peers drawn as the Docker
// runtime draws them (same seed, same order), so that a run's faulted peers are the same in both.
import { type Fault, isPeerFault } from '../../../node-image/core/faults.ts';
import { seededRandom } from '../../../node-image/core/random.ts';
import type { ScriptEvent } from '../../../node-image/core/script.ts';
import type { PeerPlacement } from '../../plan/plan.ts';
import { pickPeers } from '../../workload/churn.ts';
import type { SimClock } from './clock.ts';
import type { SimHost, SimNetwork } from './network.ts';

/** what of a run's input the link faults need (a SimInput is one) */
export interface LinkFaultInput {
  faults: readonly Fault[];
  placement: readonly PeerPlacement[];
  scripts: ReadonlyMap<string, readonly ScriptEvent[]>;
  seed: number;
  durationMs: number;
  topology: { peersPerHome: number };
}

/**
 * Link faults on the simulated network, with the peers drawn as the Docker runtime draws them
 * (same seed, same order): a cut link holds every segment until it is back, a slowed link runs at
 * its factor, and a restarted router drops every connection through it and forgets its mappings.
 */
export function armLinkFaults(input: LinkFaultInput, hosts: Map<string, SimHost>, net: SimNetwork, clock: SimClock): void {
  const random = seededRandom(input.seed ^ 0x11e7);
  const active = input.placement.filter((p) => (input.scripts.get(p.name)?.length ?? 0) > 0);
  for (const f of input.faults) {
    if (!isPeerFault(f) || f.kind === 'churn') continue;
    const until = Math.min(f.atMs + f.forMs, input.durationMs);
    const chosen = f.kind === 'router-restart' ? active.filter((p) => p.category !== 'noNat') : active;
    for (const p of pickPeers(chosen, f, random)) {
      const h = hosts.get(p.name)!;
      // the network's own times are real (network) ms
      if (f.kind === 'link-cut') clock.after(f.atMs, () => net.cut(h, clock.toReal(until)));
      else if (f.kind === 'link-rate') {
        clock.after(f.atMs, () => void (h.rateFactor = f.factor));
        clock.after(until, () => void (h.rateFactor = 1));
      } else {
        // the router is off for the window (nothing passes), then comes back with no NAT state:
        // every connection through it is reset, and its UPnP mappings are gone
        clock.after(f.atMs, () => net.cut(h, clock.toReal(until)));
        clock.after(until, () => {
          for (const pipe of [...h.pipes]) pipe.reset('connection reset: the home router restarted');
          for (let port = 4000; port < 4000 + input.topology.peersPerHome; port++) net.unlisten(h.publicAddress, port);
        });
      }
    }
  }
}
