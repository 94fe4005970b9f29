import type { Command } from 'commander';
import { ensureImages } from '../../image/build.ts';

export const order = 20;

export function register(program: Command): void {
  const image = program.command('image').description('container images of the testbed');
  image
    .command('build')
    .description('build the images every testbed container runs (no registry needed)')
    .action(async () => {
      const t0 = Date.now();
      const r = await ensureImages((line) => process.stderr.write(line + '\n'));
      process.stderr.write(`images ready in ${Math.round((Date.now() - t0) / 1000)} s\n`);
      process.stdout.write(`${r.node}\n`);
    });
}
