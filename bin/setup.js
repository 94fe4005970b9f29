#!/usr/bin/env node
// Set-up that the README's two commands do for themselves, each step only when it is missing and
// each saying what it does: Debian packages (the Docker engine, iptables, debootstrap for the base
// image, miniupnpc for the router tests, the build tools canvas needs for the charts, graphviz for
// the topology pictures, chromium for the browser test of `testbed serve`), the Docker
// engine started if it is not running, and the npm packages installed when they are missing or
// older than package-lock.json. Plain Node with no dependency: it runs before `npm ci` has.
//
//   node bin/setup.js [--docker] [--tests]     (npm test runs it first with both; bin/testbed.js calls ensureSetup)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages and the command or file that shows each is there */
const DEBIAN = [
  ['docker.io', () => has('dockerd')],
  ['iptables', () => has('iptables')],
  ['debootstrap', () => has('debootstrap')],
  ['miniupnpc', () => has('upnpc')],
  ['ca-certificates', () => fs.existsSync('/etc/ssl/certs/ca-certificates.crt')],
  ['build-essential', () => has('g++') && has('make')],
  ['pkg-config', () => has('pkg-config')],
  ['libcairo2-dev', () => pkgConfig('cairo')],
  ['libpango1.0-dev', () => pkgConfig('pangocairo')],
  ['libjpeg-dev', () => fs.existsSync('/usr/include/jpeglib.h')],
  ['libgif-dev', () => fs.existsSync('/usr/include/gif_lib.h')],
  ['librsvg2-dev', () => pkgConfig('librsvg-2.0')],
  ['graphviz', () => has('dot')],
  // the browser the test of `testbed serve` drives headless (orchestrator/serve/browser.int.test.ts):
  // for the tests only (--tests, npm test's set-up), not a download every user of `testbed` waits for
  ['chromium', () => has('chromium'), 'tests'],
];

const say = (line) => process.stderr.write(`setup: ${line}\n`);

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
function pkgConfig(lib) {
  return has('pkg-config') && spawnSync('pkg-config', ['--exists', lib], { stdio: 'ignore' }).status === 0;
}
function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function debianPackages(tests) {
  const missing = DEBIAN.filter(([, ok, only]) => (tests || only !== 'tests') && !ok()).map(([name]) => name);
  if (!missing.length) return;
  if (!isRoot() || !has('apt-get')) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}; install them (apt-get install -y ${missing.join(' ')}) or run this as root on Debian, where it installs them itself`);
  }
  say(`installing Debian packages: ${missing.join(' ')} (about a minute)`);
  run('apt-get', ['update', '-qq'], { DEBIAN_FRONTEND: 'noninteractive' });
  run('apt-get', ['install', '-y', '-qq', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
}

function dockerRunning() {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

function dockerEngine() {
  if (dockerRunning()) return;
  if (!has('dockerd')) throw new Error('the Docker engine (dockerd) is not installed');
  if (!isRoot()) throw new Error('the Docker engine is not running; start it (sudo dockerd &, or systemctl start docker) and try again');
  say('starting the Docker engine (dockerd, log in /var/log/dockerd.log)');
  const log = fs.openSync('/var/log/dockerd.log', 'a');
  const d = spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] });
  d.unref();
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (dockerRunning()) return;
    execFileSync('sleep', ['1']);
  }
  throw new Error('dockerd did not answer within 60 s; see /var/log/dockerd.log');
}

/** npm packages: installed by `npm ci` when node_modules is missing or older than the lock file */
function npmPackages() {
  const lock = path.join(ROOT, 'package-lock.json');
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  say(fs.existsSync(installed) ? 'package-lock.json changed: reinstalling the npm packages (npm ci)' : 'installing the npm packages (npm ci, about a minute: canvas builds from source)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { npm_config_loglevel: 'warn' });
}

/** everything a command needs; `docker`: the command talks to the engine; `tests`: what only the tests use too */
export function ensureSetup({ docker = false, tests = false } = {}) {
  debianPackages(tests);
  npmPackages();
  if (docker) dockerEngine();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureSetup({ docker: process.argv.includes('--docker'), tests: process.argv.includes('--tests') });
  } catch (err) {
    process.stderr.write(`setup: ${err.message}\n`);
    process.exit(1);
  }
}
