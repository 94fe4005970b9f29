// Writes the published JSON Schemas from their TypeScript sources (npm run schemas). A unit test
// (orchestrator/report/summary.test.ts) fails when a published file is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { summarySchema } from '../orchestrator/report/summary.schema.ts';

const out = path.resolve(import.meta.dirname, '../orchestrator/report/summary.schema.json');
fs.writeFileSync(out, JSON.stringify(summarySchema, null, 2) + '\n');
process.stderr.write(`wrote ${out}\n`);
