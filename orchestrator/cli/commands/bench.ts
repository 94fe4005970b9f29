import path from 'node:path';
import type { Command } from 'commander';
import { formatGate, gate, regressionLines } from '../../bench/gate.ts';
import { acceptNewest, defaultHistoryPath, type History, readHistory } from '../../bench/history.ts';
import { writeBenchReport } from '../../bench/report.ts';
import { UserError } from '../../errors.ts';

export const order = 65;

function load(file: string): History {
  const h = readHistory(file);
  if (h.bad.length) process.stderr.write(`${file}: skipped ${h.bad.length} unreadable line${h.bad.length === 1 ? '' : 's'} (${h.bad.map((b) => `line ${b.line}: ${b.reason}`).join('; ')})\n`);
  return h;
}

function windowSize(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--window ${s} is not a whole number of runs, 1 or more`);
  return n;
}

export function register(program: Command): void {
  const bench = program.command('bench').description('benchmark history (written by `npm run bench`): gate the newest run against earlier ones, accept a baseline, report trends; docs/benchmarks.md');
  const historyOption = ['--history <file>', 'the history file (default: $TESTBED_BENCH_HISTORY, else ~/.local/share/p2p-music-testbed/bench-history.jsonl)'] as const;

  bench
    .command('gate')
    .description('compare the newest run with the window of earlier runs on the same kind of machine; exit 1 when a measure regressed')
    .option(...historyOption)
    .option('--window <n>', 'earlier runs to compare with', '10')
    .action((o: { history?: string; window: string }) => {
      const file = o.history ?? defaultHistoryPath();
      const r = gate(load(file).records, { window: windowSize(o.window) });
      process.stdout.write(formatGate(r));
      const regressed = regressionLines(r);
      if (regressed.length) {
        process.stderr.write(`regressed (${regressed.length}):\n${regressed.map((l) => `  ${l}`).join('\n')}\nif the change is intended, \`testbed bench accept\` makes this run the new baseline\n`);
        process.exitCode = 1;
      }
    });

  bench
    .command('accept')
    .description('mark the newest run as a baseline: later runs are compared with it and the runs after it only (an intended change)')
    .option(...historyOption)
    .action((o: { history?: string }) => {
      const file = o.history ?? defaultHistoryPath();
      const r = acceptNewest(file);
      if (!r) throw new UserError(`${file} holds no run to accept: run \`npm run bench\` first`);
      process.stdout.write(`accepted ${r.commit} (${r.date}, ${r.machine.kind}) as the baseline in ${file}\n`);
    });

  bench
    .command('report')
    .description('write bench-report.md (the newest run against its window) and one trend plot per measure')
    .option(...historyOption)
    .option('--out <dir>', 'where bench-report.md and plots/ go', 'bench/out')
    .option('--window <n>', 'earlier runs to compare with', '10')
    .action(async (o: { history?: string; out: string; window: string }) => {
      const file = o.history ?? defaultHistoryPath();
      const h = load(file);
      const { plots } = await writeBenchReport(path.resolve(o.out), h.records, h.bad.length, { window: windowSize(o.window) });
      process.stdout.write(`wrote ${path.join(o.out, 'bench-report.md')} and ${plots.length} plot${plots.length === 1 ? '' : 's'} in ${path.join(o.out, 'plots')}\n`);
    });
}
