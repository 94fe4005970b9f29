import type { Command } from 'commander';
import { UserError } from '../../errors.ts';
import { buildServer } from '../../serve/server.ts';

export const order = 62;

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      "serve the results folder to a browser, read-only: an index of every run, comparison and scaling folder (sortable, filterable), each run's report.html, comparison's and scaling experiment's page with interactive charts, each run's topology as a picture, their files, and a live page for each run in progress (starts, stops and writes nothing)",
    )
    .option('--results <dir>', 'the results folder', 'results')
    .option('--port <n>', 'the TCP port (0: any free one)', '4173')
    .option('--host <address>', 'the address to listen on; anything but 127.0.0.1 or ::1 exposes the results to whoever can reach that address', '127.0.0.1')
    .action(async (o: { results: string; port: string; host: string }) => {
      const port = Number(o.port);
      if (!/^\d+$/.test(o.port) || port > 65535) throw new UserError(`--port ${o.port} is not a TCP port; give a whole number from 0 to 65535`);
      const app = await buildServer(o.results, { host: o.host });
      try {
        await app.listen({ port, host: o.host });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UserError(`${o.host}:${port} is in use; give another --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError(`--host ${o.host} is not an address of this machine`);
        throw err;
      }
      const a = app.server.address();
      const where = typeof a === 'object' && a ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/` : String(a);
      const loopback = o.host === '127.0.0.1' || o.host === '::1' || o.host === 'localhost';
      process.stderr.write(`serving ${o.results} at ${where} (read-only; Ctrl-C stops)${loopback ? '' : `\nwarning: listening on ${o.host}: anyone who can reach it can read the results`}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          app.close().then(() => resolve());
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
