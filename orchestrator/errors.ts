// Errors a user can act on, for every layer of the orchestrator: each carries its own message (a
// config error names the file, line and valid values; an engine error says what timed out and
// what to do), and the CLI prints it as it is. Anything else is a bug and keeps its stack, so it
// can be reported. Config, planning, runtimes and the CLI all import this module; it imports none.
export class UserFacingError extends Error {}

/** a mistake in what the user asked for, found by the CLI or a command */
export class UserError extends UserFacingError {
  override name = 'UserError';
}

export function formatError(err: unknown): string {
  if (err instanceof UserFacingError) return `testbed: ${err.message}`;
  return `testbed: unexpected error\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}
