#!/usr/bin/env node
// The `testbed` command. The orchestrator runs from its TypeScript sources through tsx, so there
// is no build step between editing and running; the programs inside containers are compiled
// when their image is built.
import { register } from 'tsx/esm/api';

register();
await import('../orchestrator/cli/main.ts');
