// Benchmarks: numbers written to bench/out/<name>.json (and printed), never asserted in tests.
// `npm run bench [-- name ...]` runs the named ones (default: all that need no Docker).
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
export const benchmarks: Record<string, { docker: boolean; run: () => Promise<unknown> }> = {
  protocol: { docker: false, run: async () => (await import('./protocol.ts')).run() },
  'docker-scale': { docker: true, run: async () => (await import('./docker-scale.ts')).run(process.argv.slice(3)) },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted.slice(0, 1) : Object.keys(benchmarks).filter((n) => !benchmarks[n].docker);
fs.mkdirSync(path.join(here, 'out'), { recursive: true });
for (const name of names) {
  const b = benchmarks[name];
  if (!b) throw new Error(`unknown benchmark "${name}"; valid: ${Object.keys(benchmarks).join(', ')}`);
  process.stderr.write(`== ${name}\n`);
  const result = { benchmark: name, at: new Date().toISOString(), ...((await b.run()) as object) };
  const file = path.join(here, 'out', `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.stderr.write(`written to ${path.relative(process.cwd(), file)}\n`);
}
