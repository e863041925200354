/**
 * The one containment check for a path that comes from outside (a download
 * name, a static file, an upload, an export target) and must stay inside a
 * root folder. Everything is compared by real path (links resolved), with
 * path.relative, so neither "..", an absolute name, a link pointing out,
 * nor a prefix trick ("/data/exports-old" beside "/data/exports") escapes.
 */
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export type Refusal = 'outside' | 'missing' | 'not_file';
export type Contained = { ok: true; path: string } | { ok: false; reason: Refusal };

/** True when `child` lies strictly below `root` (both absolute and resolved). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

const refuse = (reason: Refusal): Contained => ({ ok: false, reason });

/** The real path of `p`'s deepest existing ancestor, with the part that does not exist yet appended. */
async function realpathOfAncestor(p: string): Promise<string> {
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      return path.join(await realpath(dir), path.relative(dir, p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dir === path.dirname(dir)) throw err;
    }
  }
}

/**
 * `rel` under `root`, contained:
 * - 'read': an existing regular file, by its real path;
 * - 'write': where a file may be written. Its folder is created once it is
 *   known to be inside, and whatever already has the name must be a regular
 *   file (never a link to follow, nor a folder).
 */
export async function resolveInside(root: string, rel: string, mode: 'read' | 'write'): Promise<Contained> {
  if (rel.includes('\0')) return refuse('outside'); // fs calls throw on NUL rather than answer
  if (mode === 'write') await mkdir(root, { recursive: true });
  const realRoot = await realpath(root).catch(() => null);
  if (!realRoot) return refuse('missing');
  const wanted = path.resolve(realRoot, rel);
  if (!isInside(realRoot, wanted)) return refuse('outside');
  if (mode === 'read') {
    const real = await realpath(wanted).catch(() => null);
    if (!real) return refuse('missing');
    if (!isInside(realRoot, real)) return refuse('outside');
    return (await stat(real)).isFile() ? { ok: true, path: real } : refuse('not_file');
  }
  const dir = await realpathOfAncestor(path.dirname(wanted));
  if (dir !== realRoot && !isInside(realRoot, dir)) return refuse('outside');
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, path.basename(wanted));
  const existing = await lstat(target).catch(() => null);
  if (existing && !existing.isFile()) return refuse('not_file');
  return { ok: true, path: target };
}
