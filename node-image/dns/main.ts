// The testbed's DNS resolver program. Config (JSON, inline or a file path) per node-image/dns/rules.ts.
import fs from 'node:fs';
import { logger, numberOption, parseOptions, requireOption } from '../adapters/args.ts';
import { type DnsConfig, PAPER_RULES, validateConfig } from './rules.ts';
import { startDns } from './server.ts';

const P = 'dns';
const opts = parseOptions(P, {
  name: { default: 'dns', help: 'name for logs' },
  config: { help: 'JSON config or a path to one: {domain, dcs:{name:{address,port}}, countries:[{cidr,country}], rules?}' },
  listen: { default: '0.0.0.0', help: 'address to listen on' },
  port: { default: '53', help: 'UDP port' },
});
const raw = requireOption(P, opts, 'config');
const cfg = JSON.parse(raw.trim().startsWith('{') ? raw : fs.readFileSync(raw, 'utf8')) as DnsConfig;
cfg.rules ??= PAPER_RULES;
cfg.domain ??= 'spotify.test';
validateConfig(cfg);
const log = logger(P, opts.name!);
const srv = await startDns(cfg, opts.listen!, numberOption(P, opts, 'port'), log);
process.stdout.write(`READY dns ${opts.name}\n`);
process.on('SIGTERM', () => {
  srv.close();
  process.exit(0);
});
