// Errors a user can act on carry their own message (a config error names the file, line and
// valid values); anything else is a bug and keeps its stack so it can be reported.
export class UserError extends Error {
  override name = 'UserError';
}

export function formatError(err: unknown): string {
  if (err instanceof UserError) return `testbed: ${err.message}`;
  if (err instanceof Error && (err as { userFacing?: boolean }).userFacing) return `testbed: ${err.message}`;
  return `testbed: unexpected error\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}
