// Writes the published JSON Schemas from their TypeScript sources (npm run schemas). Unit tests
// (orchestrator/report/summary.test.ts, run-info.test.ts) fail when a published file is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { runInfoSchema } from '../orchestrator/report/run-info.ts';
import { summarySchema } from '../orchestrator/report/summary.schema.ts';

const dir = path.resolve(import.meta.dirname, '../orchestrator/report');
for (const [file, schema] of [
  ['summary.schema.json', summarySchema],
  ['run.schema.json', runInfoSchema],
] as const) {
  const out = path.join(dir, file);
  fs.writeFileSync(out, JSON.stringify(schema, null, 2) + '\n');
  process.stderr.write(`wrote ${out}\n`);
}
