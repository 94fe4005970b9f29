// What `down` keeps while it removes a run from every engine the run spans, one resource after
// another (containers.ts, networks.ts, firewall.ts): what it removed, and what is left, as
// sentences. A failure is noted and the work goes on, so one stuck network or one unreachable
// host leaves nothing else behind.
import type { Progress } from '../../progress/display.ts';
import { type Engine, label } from './engines.ts';

export interface Teardown {
  progress: Progress;
  /** the engines of the run that answered */
  engines: Engine[];
  /** the same engines, other hosts first: this machine's objects carry the hosts list that finds them again */
  ordered: Engine[];
  /** what is left, and why */
  failures: string[];
  gone: { container: number; network: number; rule: number };
  /** runs `work`; counts one removed, or notes the failure */
  keepGoing(kind: keyof Teardown['gone'], what: string, work: () => Promise<unknown>): Promise<void>;
  /** ` on <host>` when the run spans several engines */
  where(e: Engine): string;
  /** what an engine lists; nothing, and a failure noted, when it cannot */
  listed<T>(e: Engine, what: string, p: Promise<T[]>): Promise<T[]>;
}

/** a removal over these engines; the hosts that did not answer are left, and named */
export function teardown(engines: Engine[], unreachable: string[], progress: Progress): Teardown {
  const failures: string[] = unreachable.map((u) => `${u}; what the run has there is left`);
  const gone = { container: 0, network: 0, rule: 0 };
  return {
    progress,
    engines,
    ordered: [...engines.filter((e) => !e.local), ...engines.filter((e) => e.local)],
    failures,
    gone,
    keepGoing: (kind, what, work) =>
      work().then(
        () => void gone[kind]++,
        (err: Error) => void failures.push(`${kind} ${what}: ${err.message}`),
      ),
    where: (e) => (engines.length > 1 ? ` on ${e.host ?? 'this machine'}` : ''),
    listed: <T>(e: Engine, what: string, p: Promise<T[]>) =>
      p.catch((err: Error) => {
        failures.push(`${label(e)}: could not list its ${what} (${err.message}); they are left`);
        return [] as T[];
      }),
  };
}
