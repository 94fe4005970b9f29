// The comparison folder: comparison.json (schema: comparison.schema.json), comparison.md,
// plots/*.png and comparison.html (comparison.md with the plots drawn interactively from the same
// chart configurations, self-contained as a run's report.html is), from the samples of every run. Both ways of comparing end here: a matrix just run
// (compare/matrix.ts) and runs that already exist (compare/load.ts).
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { render } from '../report/charts.ts';
import { reportHtml } from '../report/html.ts';
import { buildComparison, type Comparison, comparisonSchema, type Method, type RunSample } from './model.ts';
import { comparisonChartConfigs, comparisonMarkdown } from './render.ts';

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
  // each chart is built once: the PNG and comparison.html's canvas draw the same configuration
  const charts = comparisonChartConfigs(c, runs);
  for (const [f, config] of Object.entries(charts)) fs.writeFileSync(path.join(dir, 'plots', f), await render(config));
  const markdown = comparisonMarkdown(c, Object.keys(charts));
  fs.writeFileSync(path.join(dir, 'comparison.md'), markdown);
  fs.writeFileSync(
    path.join(dir, 'comparison.html'),
    reportHtml(markdown, {
      title: `${c.experiment}: ${c.variants.length} variants compared`,
      charts: Object.fromEntries(Object.entries(charts).map(([f, config]) => [`plots/${f}`, config])),
    }),
  );
  return c;
}
