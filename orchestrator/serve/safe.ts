// Path safety for `testbed serve`: a URL path becomes a file only if it names one inside the
// results folder, as the file system resolves it. A request is refused before it touches the
// disk when its path has an empty, `.` or `..` segment, or an encoded slash, backslash, dot or NUL
// (`%2F`, `%5C`, `%2E`, `%00`: a decoder further on must not be able to make a separator or a
// parent of them); what is left is resolved with realpath, symlinks and all, and must lie inside
// the results folder's own realpath.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { checkRunId } from '../plan/run-id.ts';

/** why a URL path was refused (400) */
export class BadPath extends Error {}

const ENCODED_SEPARATOR = /%(2f|5c|2e|00)/i;

/**
 * the segments of a raw URL path below `prefix` (`/runs/a/b.png` → ['a', 'b.png']), each
 * percent-decoded; `trailingSlash` says whether it named a folder
 */
export function urlSegments(rawUrl: string, prefix: string): { segments: string[]; trailingSlash: boolean } {
  const p = rawUrl.split(/[?#]/, 1)[0];
  if (!p.startsWith(prefix)) throw new BadPath(`not under ${prefix}`);
  const rest = p.slice(prefix.length);
  if (ENCODED_SEPARATOR.test(rest)) throw new BadPath('an encoded slash, backslash, dot or NUL');
  const trailingSlash = rest.endsWith('/');
  const raw = trailingSlash ? rest.slice(0, -1) : rest;
  if (!raw) return { segments: [], trailingSlash };
  const segments = raw.split('/').map((s) => {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw new BadPath('malformed percent-encoding');
    }
    if (d === '' || d === '.' || d === '..' || /[/\\\0]/.test(d)) throw new BadPath(`segment "${s}"`);
    return d;
  });
  return { segments, trailingSlash };
}

const isInside = (rootReal: string, real: string) => real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);

/**
 * the real path of `segments` below the results folder (`rootReal`: its realpath), or null when
 * there is nothing there or it resolves outside the folder (a symlink out of it)
 */
export async function resolveInside(rootReal: string, segments: string[]): Promise<string | null> {
  let real: string;
  try {
    real = await fs.realpath(path.join(rootReal, ...segments));
  } catch {
    return null;
  }
  return isInside(rootReal, real) ? real : null;
}

/**
 * A regular file inside the results folder, opened: the last step may not be a symlink
 * (O_NOFOLLOW), and the file actually opened is checked again through /proc/self/fd, so a
 * symlink swapped in between the realpath and the open (a container writes under results/) cannot
 * lead outside. null when there is none, or it is not a regular file (a FIFO would hang the read).
 */
export async function openInside(rootReal: string, real: string): Promise<{ handle: fs.FileHandle; size: number } | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = await handle.stat();
    const opened = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (st.isFile() && opened !== null && isInside(rootReal, opened)) return { handle, size: st.size };
  } catch {
    // gone meanwhile: as if it had never been there
  }
  await handle.close();
  return null;
}

/** a file's bytes if it resolves inside the results folder, else null */
export async function readInside(rootReal: string, file: string): Promise<Buffer | null> {
  const rel = path.relative(rootReal, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const real = await resolveInside(rootReal, rel ? rel.split(path.sep) : []);
  if (!real) return null;
  const f = await openInside(rootReal, real);
  if (!f) return null;
  try {
    return await f.handle.readFile();
  } catch {
    return null;
  } finally {
    await f.handle.close();
  }
}

/** a run id read from a results folder (live.json, plan.json), or null when it is not one: it goes into a Docker label filter */
export function runIdOf(x: unknown): string | null {
  if (typeof x !== 'string') return null;
  try {
    return checkRunId(x);
  } catch {
    return null;
  }
}

/** the `country` of a query: two letters (either case, given once), one of `known`; upper-cased. Else BadPath (400) */
export function countryOf(raw: unknown, known: readonly string[]): string {
  if (typeof raw !== 'string' || !/^[A-Za-z]{2}$/.test(raw)) throw new BadPath('country: give ?country= and a two-letter country code, once');
  const code = raw.toUpperCase();
  if (!known.includes(code)) throw new BadPath(`country ${code} is not one of the topology's (${known.join(', ')})`);
  return code;
}
