#!/usr/bin/env node
import fs from 'node:fs';
// The `testbed` command. It first does whatever set-up is missing (bin/setup.js: Debian packages,
// npm packages, the Docker engine for the verbs that need it), so a fresh clone needs nothing
// else. The orchestrator runs from its TypeScript sources through tsx, so there is no build step
// between editing and running; the programs inside containers are compiled when their image is built.
import { ensureSetup } from './setup.js';

const verb = process.argv[2];
const DOCKER_VERBS = new Set(['run', 'up', 'down', 'status', 'compare', 'crosscheck', 'image']);
const wantsHelp = !verb || verb.startsWith('-') || verb === 'help' || process.argv.includes('--help') || process.argv.includes('-h');

/** the runtime an experiment runs on: --runtime, else the file's `runtime:` line, else docker */
function runtimeOf(args) {
  const i = args.indexOf('--runtime');
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith('--runtime='));
  if (eq) return eq.slice('--runtime='.length);
  const file = args.find((a) => /\.ya?ml$/.test(a));
  if (!file || !fs.existsSync(file)) return 'docker';
  return /^runtime:\s*['"]?(\w+)/m.exec(fs.readFileSync(file, 'utf8'))?.[1] ?? 'docker';
}

try {
  const args = process.argv.slice(3);
  // comparing finished runs, --dry-run, and runs of the simulation or on loopback need no engine
  const offline =
    ((verb === 'compare' || verb === 'crosscheck') && !args.some((a) => /\.ya?ml$/.test(a))) ||
    args.includes('--dry-run') ||
    (verb === 'crosscheck' && args.includes('--no-docker')) ||
    ((verb === 'run' || verb === 'compare') && runtimeOf(args) !== 'docker');
  ensureSetup({ docker: !wantsHelp && !offline && DOCKER_VERBS.has(verb) });
} catch (err) {
  process.stderr.write(`testbed: set-up: ${err.message}\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../orchestrator/cli/main.ts');
