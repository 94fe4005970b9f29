// The client's cache on disk: one file per track and quality, plus a small sidecar JSON with
// completeness and last use, so the index is rebuilt after a restart (core/cache.ts).
import fs from 'node:fs';
import path from 'node:path';
import { type CacheEntryInfo, type CacheKey, type CacheStore, cacheKey, keyQuality, keyTrack } from '../core/cache.ts';

export class FileStore implements CacheStore {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }
  /** a track's files are named for it, <track>-<quality>, so that a cache folder reads as what it holds */
  private name(key: CacheKey) {
    return `${keyTrack(key)}-${keyQuality(key)}`;
  }
  private data(key: CacheKey) {
    return path.join(this.dir, `${this.name(key)}.bin`);
  }
  private meta(key: CacheKey) {
    return path.join(this.dir, `${this.name(key)}.json`);
  }
  list(): CacheEntryInfo[] {
    const out: CacheEntryInfo[] = [];
    for (const f of fs.readdirSync(this.dir)) {
      const named = /^(\d+)-(q5|q9)\.json$/.exec(f);
      if (!named) continue;
      const key = cacheKey(Number(named[1]), named[2] as 'q5' | 'q9');
      try {
        const m = JSON.parse(fs.readFileSync(this.meta(key), 'utf8')) as { complete: boolean; lastUsed: number };
        const size = fs.statSync(this.data(key)).size;
        out.push({ key, size, complete: m.complete === true, lastUsed: Number(m.lastUsed) || 0 });
      } catch {
        // a half-written entry (crash mid-save) is dropped rather than trusted
        this.remove(key);
      }
    }
    return out;
  }
  save(key: CacheKey, buf: Buffer, complete: boolean, lastUsed: number): void {
    // data first, metadata last: an entry without metadata is not in the index
    fs.writeFileSync(this.data(key), buf);
    fs.writeFileSync(this.meta(key), JSON.stringify({ complete, lastUsed }));
  }
  load(key: CacheKey): Buffer | null {
    try {
      return fs.readFileSync(this.data(key));
    } catch {
      return null;
    }
  }
  readRange(key: CacheKey, offset: number, length: number): Buffer | null {
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.data(key), 'r');
      const buf = Buffer.alloc(length);
      const n = fs.readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    } catch {
      return null;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  touch(key: CacheKey, lastUsed: number): void {
    try {
      const m = JSON.parse(fs.readFileSync(this.meta(key), 'utf8'));
      fs.writeFileSync(this.meta(key), JSON.stringify({ ...m, lastUsed }));
    } catch {
      /* entry gone */
    }
  }
  remove(key: CacheKey): void {
    fs.rmSync(this.meta(key), { force: true });
    fs.rmSync(this.data(key), { force: true });
  }
}
