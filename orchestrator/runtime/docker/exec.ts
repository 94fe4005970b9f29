// One running container, on whichever engine runs it: its log (whole, or followed line by line),
// a command run inside it, and its power (off as a power cut, on again).
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { demux } from '../../docker/firewall.ts';
import { demuxLines } from './containers.ts';

/** follow a container's log, line by line, until `signal` aborts or the container ends */
export async function followLog(docker: Docker, name: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  const stream = (await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: true, tail: 0 })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  demuxLines(docker, stream, onLine);
  await new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    signal.addEventListener('abort', () => {
      stream.destroy();
      resolve();
    });
  });
}

export async function logOf(docker: Docker, name: string): Promise<string> {
  return demux((await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
}

/** power a container off at once (SIGKILL, as a power cut) or on again; its networks and addresses stay */
export async function powerOf(docker: Docker, name: string, on: boolean): Promise<void> {
  const c = docker.getContainer(name);
  if (on) await c.start();
  else await c.stop({ t: 0 });
}

/** whether the container is running now (false once its program has ended) */
export function isRunning(docker: Docker, name: string): Promise<boolean> {
  return docker
    .getContainer(name)
    .inspect()
    .then((i) => i.State.Running === true)
    .catch(() => false);
}

export async function execIn(docker: Docker, name: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const e = await docker.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let so = '';
  let se = '';
  stdout.on('data', (b: Buffer) => (so += b));
  stderr.on('data', (b: Buffer) => (se += b));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name}: "${cmd.join(' ')}" did not finish within ${timeoutMs} ms`)), timeoutMs);
    stream.on('end', () => {
      clearTimeout(t);
      resolve();
    });
  });
  const info = await e.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout: so, stderr: se };
}
