// The images of a plan on the other hosts of a multi-host testbed: copied there from this
// machine's engine before anything is made (docker/transfer.ts does the copy).
import { shipImage } from '../../docker/transfer.ts';
import type { Plan } from '../../plan/types.ts';
import type { Progress } from '../../progress/display.ts';
import { type Engine, label } from './engines.ts';

/** every image the plan's containers use, onto every engine but this machine's; `check` is asked before each */
export async function shipImages(plan: Plan, from: Engine, engines: readonly Engine[], progress: Progress, check: () => void): Promise<void> {
  const images = [...new Set(plan.containers.map((c) => c.image))];
  for (const e of engines.filter((x) => !x.local)) {
    for (const tag of images) {
      check();
      const t0 = Date.now();
      if (await shipImage(from.docker, e.docker, tag)) progress.line(`image ${tag} loaded on ${label(e)} in ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  }
}
