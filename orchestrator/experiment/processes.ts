// The protocol programs as processes on this machine (node-image/, run from source with tsx): what the
// local runtime (local-run.ts) starts, and the tests that talk to one program over real TCP.
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { execa, type ResultPromise } from 'execa';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = ['--import', 'tsx'];

/** a TCP port on 127.0.0.1 that nothing listens on now */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export type Proc = ResultPromise<{ buffer: false; reject: false }>;

/**
 * Start a program of node-image/ (its path from the repository's root, then its arguments); resolve
 * once it prints READY. Its other stdout lines go to `onLine`; the last 4 KB of its stderr is in
 * the error when it dies first, and in `stderr()` after.
 */
// returns the process in a box: a subprocess is itself thenable, and `await` would unwrap it
export async function startProgram(
  args: string[],
  onLine: (line: string) => void,
  timeoutMs = 60_000,
  o: { detached?: boolean; onSpawn?: (pid: number) => void; env?: Record<string, string> } = {},
): Promise<{ p: Proc; stderr: () => string }> {
  // detached: a process group of its own, so that a Ctrl-C at the terminal reaches the
  // orchestrator only, which then stops the programs in order (clients first, then servers)
  const p = execa(process.execPath, [...TSX, ...args], { cwd: ROOT, buffer: false, reject: false, stdin: 'ignore', stderr: 'pipe', detached: o.detached ?? false, env: o.env }) as Proc;
  if (p.pid !== undefined) o.onSpawn?.(p.pid);
  let stderr = '';
  p.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const rl = readline.createInterface({ input: p.stdout! });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      // nobody will hold it once this start has failed
      p.kill('SIGKILL');
      reject(new Error(`${args[0]} did not become ready within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    rl.on('line', (line) => {
      if (line.startsWith('READY ')) {
        clearTimeout(t);
        resolve();
      } else onLine(line);
    });
    void p.then((r) => {
      clearTimeout(t);
      reject(new Error(`${args[0]} exited (${r.exitCode ?? r.signal}) before it was ready\n${stderr}`));
    });
  });
  return { p, stderr: () => stderr };
}
