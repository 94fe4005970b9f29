// A client's id is its machine's name and a random suffix, `<machine>-<8 hex>`, in every runtime
// (client/main.ts, runtime/sim/world.ts): a new id each time the program starts, on a machine the
// plan, the scripts and the credential (credential.ts) name.

/** the machine a client id names: the id without its random suffix */
export const machineOfClientId = (clientId: string): string => clientId.replace(/-[0-9a-f]{8}$/, '');
