// Whether the access links got netem, read from what a peer's netsetup logged (it probes the
// kernel it runs on), and the sentence runs print and record when they did not.
import type { Plan } from '../plan/types.ts';
import type { Runtime } from '../runtime/types.ts';

export const NO_NETEM_NOTE =
  'access-link delay and jitter are held by the peer programs on receive (node-image/adapters/delay.ts: round trips grow as with netem, TCP windows do not see it, DNS and UPnP are not delayed); loss is made by iptables random drops; rates by htb (egress) and ifb + htb (ingress)';

/** null when the plan has no shaped peer to ask */
export async function netemStatus(rt: Runtime, plan: Plan): Promise<{ netem: boolean; note: string | null } | null> {
  const peer = plan.containers.find((c) => c.role === 'peer' && c.net.shaping);
  if (!peer) return null;
  const log = await rt.logs(peer.name).catch(() => '');
  const m = /\{"event":"netsetup".*"netem":(true|false)\}/.exec(log);
  if (!m) return null;
  const netem = m[1] === 'true';
  return { netem, note: netem ? null : `netem is missing in this kernel: ${NO_NETEM_NOTE}` };
}
