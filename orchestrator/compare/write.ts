// The comparison folder: comparison.json (schema: comparison.schema.json), comparison.md and
// plots/*.png, from the samples of every run. Both ways of comparing end here: a matrix just run
// (compare/matrix.ts) and runs that already exist (compare/load.ts).
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { buildComparison, type Comparison, comparisonSchema, type Method, type RunSample } from './model.ts';
import { comparisonCharts, comparisonMarkdown } from './render.ts';

export async function writeComparison(
  dir: string,
  o: { experiment: string; base: string; variants: { name: string; description?: string }[]; runs: RunSample[]; warnings?: string[]; method?: Method },
): Promise<Comparison> {
  // run folders are recorded relative to the comparison, so the folder can move as a whole
  const runs = o.runs.map((r) => ({ ...r, dir: path.relative(dir, path.resolve(r.dir)) || '.' }));
  const c = buildComparison({ ...o, runs });
  const ajv = new Ajv({ allErrors: true, strict: false });
  if (!ajv.validate(comparisonSchema, c)) throw new Error(`comparison does not match its schema: ${ajv.errorsText()}`);
  fs.mkdirSync(path.join(dir, 'plots'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'comparison.json'), JSON.stringify(c, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'comparison.md'), comparisonMarkdown(c));
  for (const [f, png] of Object.entries(await comparisonCharts(c, runs))) fs.writeFileSync(path.join(dir, 'plots', f), png);
  return c;
}
