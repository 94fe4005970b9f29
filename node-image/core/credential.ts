// Who may log in as whom. The orchestrator makes a secret for each run and hands the data centres
// the secret and each machine its credential, an HMAC of the machine's name under it, as it hands
// them the rest of their configuration. A client's id is its machine's name and a random suffix
// (client/main.ts), so a data centre that holds the secret checks that a login comes from the
// machine its id names: a program on one machine can no longer log in under another machine's id,
// end that client's session and have its reports stored as that client's (docs/architecture.md,
// "Who may log in"). What it does not do: hide anything on the wire (the testbed's networks are
// its own), or tell apart two programs on the same machine, which share its credential.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { machineOfClientId } from './client-id.ts';

/** the environment variables the programs read them from (not the command line, which `ps` shows every process of a container) */
export const SECRET_ENV = 'TB_RUN_SECRET';
export const CREDENTIAL_ENV = 'TB_CREDENTIAL';

/** the machine's credential under the run's secret: 32 hex digits */
export function credentialFor(secret: string, machine: string): string {
  return createHmac('sha256', secret).update(machine).digest('hex').slice(0, 32);
}

/** null if `credential` is the one of the machine `clientId` names, else why the login is refused */
export function credentialProblem(secret: string, clientId: string, credential: string | undefined): string | null {
  if (credential === undefined) return 'no credential';
  const machine = machineOfClientId(clientId);
  const want = Buffer.from(credentialFor(secret, machine));
  const got = Buffer.from(credential);
  return got.length === want.length && timingSafeEqual(got, want) ? null : `not the credential of machine ${JSON.stringify(machine).slice(0, 80)}`;
}

/** a run's secret: made when its programs are started, kept only in their environment */
export const newRunSecret = (): string => randomBytes(32).toString('hex');

/**
 * What a program is given of the run's secret: the secret itself to a data centre, its machine's
 * credential to a client (`machine` is the name the client gets as --name), nothing to the rest.
 */
export function credentialEnv(role: 'dc' | 'peer' | string, machine: string, secret: string): Record<string, string> {
  if (role === 'dc') return { [SECRET_ENV]: secret };
  if (role === 'peer') return { [CREDENTIAL_ENV]: credentialFor(secret, machine) };
  return {};
}
