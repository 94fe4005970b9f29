// The Docker engine, through dockerode. A clear error when it is not there: which socket, and how
// to start it on these machines.
import Docker from 'dockerode';
import { UserError } from '../cli/errors.ts';

let docker: Docker | null = null;

export function engine(): Docker {
  docker ??= new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  return docker;
}

export async function requireEngine(): Promise<Docker> {
  const d = engine();
  try {
    await d.ping();
  } catch (err) {
    throw new UserError(
      `the Docker engine is not reachable at ${process.env.DOCKER_SOCKET ?? '/var/run/docker.sock'} (${(err as Error).message}).\n` +
        `Install and start it: apt-get install -y docker.io iptables && (dockerd >/var/log/dockerd.log 2>&1 &)`,
    );
  }
  return d;
}
