// What goes from this machine to another Docker host of a multi-host testbed, through the engine
// API alone (no registry, no shell on the other machine): images by `docker save` / `docker load`,
// and the read-only files a container mounts (workload scripts), copied into the container
// before it starts, because a bind mount names a path on the engine's own machine.
import type Docker from 'dockerode';
import { pack } from 'tar-stream';

const has = (d: Docker, tag: string) =>
  d
    .getImage(tag)
    .inspect()
    .then(
      () => true,
      () => false,
    );

/** copy image `tag` from one engine to another unless it is there already; true when copied */
export async function shipImage(from: Docker, to: Docker, tag: string): Promise<boolean> {
  if (await has(to, tag)) return false;
  const tar = (await from.getImage(tag).get()) as NodeJS.ReadableStream;
  const res = (await to.loadImage(tar, { quiet: true })) as NodeJS.ReadableStream;
  const out = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((resolve, reject) =>
    to.modem.followProgress(res, (err: Error | null, o: { error?: string }[]) => (err ? reject(err) : resolve(o))),
  );
  const failed = out.find((o) => o.error);
  if (failed) throw new Error(`loading ${tag}: ${failed.errorDetail?.message ?? failed.error}`);
  if (!(await has(to, tag))) throw new Error(`loading ${tag}: the engine answered but has no such image afterwards`);
  return true;
}

/** a tar of files, each by its absolute path in the container, for putArchive at / */
export async function tarOf(files: { path: string; content: Buffer | string }[]): Promise<Buffer> {
  const p = pack();
  for (const f of files) p.entry({ name: f.path.replace(/^\/+/, ''), mode: 0o644 }, f.content);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
