// `testbed image build`: the images the testbed needs, made on this machine without a registry.
//   tb-base:<hash>  a Debian bookworm minbase (debootstrap) with iproute2, iptables, procps and
//                   miniupnpc, plus the host's node binary; imported with `docker import`.
//   tb-node:<hash>  FROM the base: node-image compiled to JavaScript, its runtime npm packages
//                   (installed on the host: nothing is downloaded inside Docker) and the entrypoint.
// Both are tagged by a hash of what goes into them, so a build is skipped when nothing changed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { requireEngine } from '../docker/engine.ts';
import { LABEL_PROJECT, PROJECT } from '../plan/types.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BASE_PACKAGES = ['iproute2', 'iptables', 'procps', 'miniupnpc'];
/** npm packages node-image imports at run time */
const RUNTIME_DEPS = ['@achingbrain/nat-port-mapper', 'dns-packet', 'execa'];

export type Progress = (line: string) => void;

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12);

async function imageExists(tag: string): Promise<boolean> {
  const d = await requireEngine();
  try {
    await d.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

function debianMirror(): string {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!fs.existsSync(f)) continue;
    const m = /URIs:\s*(\S+debian)\s*$/m.exec(fs.readFileSync(f, 'utf8')) ?? /^deb\s+(\S+debian)\s+bookworm/m.exec(fs.readFileSync(f, 'utf8'));
    if (m) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

/** build again from nothing under this tag, whatever exists, and leave the testbed's own tags alone */
interface Fresh {
  tag: string;
}

async function buildBase(progress: Progress, fresh?: Fresh): Promise<string> {
  const nodeBin = process.execPath;
  const tag = fresh?.tag ?? `tb-base:${hash(BASE_PACKAGES.join(','), process.version, 'bookworm-minbase')}`;
  if (!fresh && (await imageExists(tag))) return tag;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-rootfs-'));
  try {
    const t0 = Date.now();
    progress(`base image: debootstrap bookworm (${BASE_PACKAGES.join(', ')}), about a minute`);
    await execa('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, 'bookworm', dir, debianMirror()]);
    fs.copyFileSync(nodeBin, path.join(dir, 'usr/bin/node'));
    fs.chmodSync(path.join(dir, 'usr/bin/node'), 0o755);
    // apt caches are not needed in a container
    fs.rmSync(path.join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
    progress(`base image: importing (${Math.round((Date.now() - t0) / 1000)} s so far)`);
    const tar = execa('tar', ['-C', dir, '-c', '.'], { buffer: false, stdout: 'pipe' });
    const imp = execa('docker', ['import', '--change', `LABEL ${LABEL_PROJECT}=${PROJECT}`, '-', tag], { stdin: 'pipe' });
    tar.stdout!.pipe(imp.stdin!);
    await Promise.all([tar, imp]);
    progress(`base image ${tag} ready in ${Math.round((Date.now() - t0) / 1000)} s`);
    return tag;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

async function buildApp(base: string, progress: Progress, fresh?: Fresh): Promise<string> {
  const srcFiles = [...filesUnder(path.join(ROOT, 'node-image')), path.join(ROOT, 'package-lock.json')].filter((f) => !/\.test\.ts$|\/test\//.test(f));
  const tag = fresh?.tag ?? `tb-node:${hash(base, ...srcFiles.map((f) => `${path.relative(ROOT, f)}\0${fs.readFileSync(f, 'utf8')}`))}`;
  if (!fresh && (await imageExists(tag))) return tag;
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-ctx-'));
  try {
    const t0 = Date.now();
    progress('app image: compiling node-image');
    await execa('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', path.join(ctx, 'dist')], { cwd: ROOT });
    const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const deps = Object.fromEntries(RUNTIME_DEPS.map((d) => [d, rootPkg.dependencies[d]]));
    fs.writeFileSync(path.join(ctx, 'package.json'), JSON.stringify({ name: 'tb-node-image', private: true, type: 'module', dependencies: deps }, null, 2));
    progress('app image: installing runtime packages on the host');
    await execa('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: ctx });
    fs.copyFileSync(path.join(ROOT, 'node-image/Dockerfile'), path.join(ctx, 'Dockerfile'));
    fs.copyFileSync(path.join(ROOT, 'node-image/entrypoint.sh'), path.join(ctx, 'entrypoint.sh'));
    progress('app image: docker build');
    // a fresh build uses no layer of an earlier one and does not move tb-node:latest
    const tags = fresh ? ['--no-cache', '-t', tag] : ['-t', tag, '-t', 'tb-node:latest'];
    await execa('docker', ['build', '-q', '--network', 'none', '--build-arg', `BASE=${base}`, '--label', `${LABEL_PROJECT}=${PROJECT}`, ...tags, ctx]);
    progress(`app image ${tag} ready in ${Math.round((Date.now() - t0) / 1000)} s`);
    return tag;
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}

/** Build what is missing or stale; returns the image every container runs. */
export async function ensureImages(progress: Progress = () => {}): Promise<{ node: string; base: string }> {
  await requireEngine();
  const base = await buildBase(progress);
  const node = await buildApp(base, progress);
  return { node, base };
}

/**
 * Build one image again from nothing under `tag`, as on a machine that has none (a cold cache),
 * leaving the testbed's own tags untouched; the caller removes `tag` (`docker rmi`). 'app' compiles
 * node-image, installs its runtime packages and runs `docker build --no-cache` on the current base
 * (made first if missing: a caller timing the app alone calls ensureImages before); 'base' runs
 * debootstrap and `docker import` again. For the Docker benchmark (bench/docker-scale.ts).
 */
export async function buildFresh(which: 'base' | 'app', tag: string, progress: Progress = () => {}): Promise<void> {
  if (!/^tb-bench[a-z0-9-]*:[\w.-]+$/.test(tag)) throw new Error(`a fresh build goes under a tag of its own (tb-bench...:...), not ${tag}`);
  await requireEngine();
  if (which === 'base') await buildBase(progress, { tag });
  else await buildApp(await buildBase(progress), progress, { tag });
}
