// The client's cache on disk: one file per track and quality, plus a small sidecar JSON with
// completeness and last use, so the index is rebuilt after a restart (core/cache.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { CacheEntryInfo, CacheStore } from '../core/cache.ts';

export class FileStore implements CacheStore {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }
  private data(key: string) {
    return path.join(this.dir, `${key}.bin`);
  }
  private meta(key: string) {
    return path.join(this.dir, `${key}.json`);
  }
  list(): CacheEntryInfo[] {
    const out: CacheEntryInfo[] = [];
    for (const f of fs.readdirSync(this.dir)) {
      if (!f.endsWith('.json')) continue;
      const key = f.slice(0, -5);
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
  save(key: string, buf: Buffer, complete: boolean, lastUsed: number): void {
    // data first, metadata last: an entry without metadata is not in the index
    fs.writeFileSync(this.data(key), buf);
    fs.writeFileSync(this.meta(key), JSON.stringify({ complete, lastUsed }));
  }
  load(key: string): Buffer | null {
    try {
      return fs.readFileSync(this.data(key));
    } catch {
      return null;
    }
  }
  readRange(key: string, offset: number, length: number): Buffer | null {
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
  touch(key: string, lastUsed: number): void {
    try {
      const m = JSON.parse(fs.readFileSync(this.meta(key), 'utf8'));
      fs.writeFileSync(this.meta(key), JSON.stringify({ ...m, lastUsed }));
    } catch {
      /* entry gone */
    }
  }
  remove(key: string): void {
    fs.rmSync(this.meta(key), { force: true });
    fs.rmSync(this.data(key), { force: true });
  }
}
