/**
 * Writing children (archive entries, e-mail attachments) under the task's
 * spoolDir. Names come from untrusted files, so each path component is
 * sanitised by shared/names.ts ("..", drive letters, reserved Windows names,
 * control, bidi and reserved characters, over-long names), names are made unique
 * (case-insensitively, as on Windows and macOS), files are created with
 * 'wx' (never overwriting or following an existing link), and the final
 * path is checked to lie inside spoolDir.
 */
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExtractionError } from '../shared/extraction';
import { sanitizeComponent, sanitizeRelative } from '../shared/names';

export interface Child {
  path: string;
  name: string;
  size: number;
}

/** The rules live in shared/names.ts, so uploads and exports in main sanitise names the same way. */
export { sanitizeComponent, sanitizeRelative };

function withSuffix(rel: string, n: number): string {
  const dir = path.posix.dirname(rel);
  const base = path.posix.basename(rel);
  const ext = path.posix.extname(base);
  const stem = ext && ext !== base ? base.slice(0, -ext.length) : base;
  const name = `${stem} (${n})${ext && ext !== base ? ext : ''}`;
  return dir === '.' ? name : `${dir}/${name}`;
}

export class Spool {
  private readonly used = new Set<string>();
  readonly root: string;
  readonly children: Child[] = [];
  bytesWritten = 0;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private claim(rel: string): string {
    let candidate = rel;
    for (let n = 2; this.used.has(candidate.toLowerCase()); n++) candidate = withSuffix(rel, n);
    this.used.add(candidate.toLowerCase());
    return candidate;
  }

  private target(rel: string): string {
    const full = path.resolve(this.root, ...rel.split('/'));
    if (!full.startsWith(this.root + path.sep)) throw new ExtractionError('internal', `Refused to write outside the spool folder: ${rel}`);
    return full;
  }

  /**
   * Writes one child. `data` is the bytes, or a function that opens the
   * stream(s) to pipe in once the file is ready (so no error can arrive
   * before anyone listens); `limit` caps the bytes written (the partial
   * file is removed past it, and on any error).
   */
  async write(displayName: string, data: Buffer | (() => Promise<Readable[]>), opts: { limit?: number; fallback?: string } = {}): Promise<Child> {
    await mkdir(this.root, { recursive: true });
    let rel = this.claim(sanitizeRelative(displayName, opts.fallback));
    let full = this.target(rel);
    await mkdir(path.dirname(full), { recursive: true });
    // 'wx' refuses an existing file or link; a name taken by an earlier run of this job gets a suffix.
    let fh;
    for (let n = 2; ; n++) {
      try {
        fh = await open(full, 'wx');
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw err;
        rel = this.claim(withSuffix(rel, n));
        full = this.target(rel);
      }
    }
    let size = 0;
    try {
      if (Buffer.isBuffer(data)) {
        if (opts.limit !== undefined && data.length > opts.limit) {
          throw new ExtractionError('resource_limit', `"${displayName}" is larger than the ${opts.limit}-byte limit`);
        }
        await fh.writeFile(data);
        size = data.length;
        await fh.close();
      } else {
        const limit = opts.limit ?? Infinity;
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            size += chunk.length;
            if (size > limit) cb(new ExtractionError('resource_limit', `"${displayName}" expands past the ${limit}-byte limit`));
            else cb(null, chunk);
          },
        });
        const streams = await data();
        await pipeline([...streams, counter, fh.createWriteStream()]);
      }
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(full, { force: true });
      throw err;
    }
    this.bytesWritten += size;
    const child = { path: full, name: displayName, size };
    this.children.push(child);
    return child;
  }
}
