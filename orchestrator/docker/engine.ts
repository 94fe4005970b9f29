// The Docker engine, through dockerode. A clear error when it is not there: which socket, and how
// to start it on these machines.
import Docker from 'dockerode';
import { UserError } from '../errors.ts';

let docker: Docker | null = null;

/** the local engine's socket */
export const socketPath = () => process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';

export function engine(): Docker {
  docker ??= new Docker({ socketPath: socketPath() });
  return docker;
}

export async function requireEngine(): Promise<Docker> {
  const d = engine();
  try {
    await d.ping();
  } catch (err) {
    throw new UserError(
      `the Docker engine is not reachable at ${socketPath()} (${(err as Error).message}).\n` + `Install and start it: apt-get install -y docker.io iptables && (dockerd >/var/log/dockerd.log 2>&1 &)`,
    );
  }
  return d;
}
