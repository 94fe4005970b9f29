import type { KnipConfig } from 'knip';

// `npm run deadcode` (part of `npm test`): fails on an unused file, an export or exported type
// nobody imports, or an unused or unlisted dependency. Tests (vitest's `**/*.test.ts`, found
// through vitest.config.ts) count as users. See docs/architecture.md, "Tooling".
const config: KnipConfig = {
  entry: [
    // the `testbed` command, npm test's set-up, `npm run schemas`
    'bin/*.{js,ts}',
    // bench/run.ts (`npm run bench`) and the stand-alone benchmarks run as `node --import tsx bench/X.ts`
    'bench/*.ts',
    // the protocol programs: each image role's command (plan/plan.ts, node-image/entrypoint.sh) and
    // the local runtime's processes (experiment/local-run.ts starts node-image/*/main.ts through tsx)
    'node-image/*/main.ts',
    'orchestrator/cli/main.ts',
    // every CLI verb: commands/index.ts finds them by listing its folder and imports each one
    'orchestrator/cli/commands/*.ts',
  ],
  project: ['{bin,bench,node-image,orchestrator,test}/**/*.{ts,js}', '*.ts'],
  // loaded through createRequire (orchestrator/compare/stats.ts, orchestrator/bench/mann-whitney.ts):
  // jstat ships no types, so it is required rather than imported, which knip does not follow
  ignoreDependencies: ['jstat'],
  // system programs run through execa/spawn, installed by bin/setup.js (Debian packages) or in the
  // node image, not npm packages
  ignoreBinaries: ['pkg-config', 'dockerd', 'ip', 'tc', 'iptables', 'upnpc', 'dot', 'debootstrap'],
};

export default config;
