// The `testbed` CLI: one small file per verb under commands/ (docs/architecture.md, principle 9). Each
// file checks its flags and calls into the orchestrator; nothing else lives here.
import { Command, CommanderError } from 'commander';
import { formatError } from '../errors.ts';
import { commands } from './commands/index.ts';

const program = new Command('testbed').description('Emulated network testbed for peer-assisted music streaming (Spotify P2P, Goldmann & Kreitz 2011)').showHelpAfterError().exitOverride();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(formatError(err) + '\n');
  process.exit(1);
}
