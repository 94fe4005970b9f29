// TCP sockets as protocol pipes (core/channel.ts). The only place the programs touch node:net.
import net from 'node:net';
import type { Dialer, Pipe } from '../core/channel.ts';

/**
 * @public also imported by the script orchestrator/linkcheck/linkcheck.ts runs inside a container
 * (an import in a string, which the dead-code check cannot follow)
 */
export function socketPipe(sock: net.Socket): Pipe {
  sock.setNoDelay(true);
  const closeCbs: ((reason: string) => void)[] = [];
  let closed = false;
  const fire = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const cb of closeCbs) cb(reason);
  };
  sock.on('error', (err) => fire(`socket error: ${err.message}`));
  sock.on('close', () => fire('connection closed'));
  sock.on('end', () => sock.end());
  return {
    remoteAddress: sock.remoteAddress ?? 'unknown',
    write: (bytes) => sock.write(bytes),
    onData: (cb) => void sock.on('data', cb),
    onDrain: (cb) => void sock.on('drain', cb),
    onClose: (cb) => void closeCbs.push(cb),
    close: () => {
      sock.destroy();
      fire('closed locally');
    },
  };
}

/** Dial with a bounded connect time: an unroutable address would otherwise hang for minutes. */
export const tcpDialer: Dialer = {
  dial(host, port, timeoutMs) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      const t = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(t);
        sock.removeAllListeners('error');
        resolve(socketPipe(sock));
      });
      sock.once('error', (err) => {
        clearTimeout(t);
        reject(err);
      });
    });
  },
};

export function listen(host: string, port: number, onPipe: (p: Pipe) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((sock) => onPipe(socketPipe(sock)));
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}
