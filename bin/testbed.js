#!/usr/bin/env node
// The `testbed` command. It first does whatever set-up is missing (bin/setup.js: Debian packages,
// npm packages, the Docker engine for the verbs that need it), so a fresh clone needs nothing
// else. The orchestrator runs from its TypeScript sources through tsx, so there is no build step
// between editing and running; the programs inside containers are compiled when their image is built.
import { ensureSetup } from './setup.js';

const verb = process.argv[2];
const DOCKER_VERBS = new Set(['run', 'up', 'down', 'status', 'compare', 'image']);
const wantsHelp = !verb || verb.startsWith('-') || verb === 'help' || process.argv.includes('--help') || process.argv.includes('-h');
try {
  // comparing finished runs and --dry-run need no engine
  const offline = (verb === 'compare' && !process.argv.slice(3).some((a) => /\.ya?ml$/.test(a))) || process.argv.includes('--dry-run');
  ensureSetup({ docker: !wantsHelp && !offline && DOCKER_VERBS.has(verb) });
} catch (err) {
  process.stderr.write(`testbed: set-up: ${err.message}\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../orchestrator/cli/main.ts');
