import { readdirSync } from 'node:fs';
import type { Command } from 'commander';

// Every verb of the CLI lives in its own module in this folder and exports
// `register(program)` and `order` (its place in --help). They are found by listing the folder so
// that adding a verb touches no shared file.
export interface CommandModule {
  register(program: Command): void;
  order: number;
}

const here = new URL('.', import.meta.url);
const files = readdirSync(here).filter((f) => /\.(ts|js)$/.test(f) && !/^index\.|\.test\./.test(f) && !f.endsWith('.d.ts'));
const modules = (await Promise.all(files.map((f) => import(new URL(f, here).href)))) as CommandModule[];

export const commands = modules.sort((a, b) => a.order - b.order).map((m) => m.register);
