// Run ids name everything a run creates (labels, network and bridge names, firewall comments,
// results folders), so every verb checks one the user gives against the same rule before doing
// anything, and code matches them literally, never as a pattern.
import { UserFacingError } from '../errors.ts';
export const RUN_ID_RULE = '4 to 8 lower-case letters or digits';
const RUN_ID = /^[a-z0-9]{4,8}$/;

export class RunIdError extends UserFacingError {}

export function checkRunId(id: string): string {
  if (!RUN_ID.test(id)) throw new RunIdError(`run id ${JSON.stringify(id)} is not valid: a run id is ${RUN_ID_RULE}`);
  return id;
}

/** a fresh run id: 6 lower-case letters and digits */
export function newRunId(): string {
  return Math.random().toString(36).slice(2, 8).padEnd(6, '0');
}
