/**
 * The single-stream compressions Quarry reads (gzip, bzip2, xz): what the
 * magic bytes say, and a decompressing stream for each. Used by the tar
 * extractor (.tar.gz, .tar.bz2, .tar.xz) and the one-file extractor (.gz,
 * .bz2, .xz); both put the zip-bomb guard after it.
 */
import type { Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ExtractionError } from '../../shared/extraction';
import { zipError } from '../zip/archive';
import { Bunzip2 } from './bzip2';
import { unxz, xzError } from './xz';

export type Compression = 'gzip' | 'bzip2' | 'xz';

/** Which compression the first bytes announce, if any. */
export function compressionOf(head: Uint8Array): Compression | null {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  // "BZh", the level digit, then a block magic (π) or the end-of-stream magic (√π) of an empty file.
  if (head.length >= 10 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && head[3]! >= 0x31 && head[3]! <= 0x39) {
    const magic = Buffer.from(head.subarray(4, 10)).toString('hex');
    if (magic === '314159265359' || magic === '177245385090') return 'bzip2';
  }
  if (head.length >= 6 && [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00].every((b, i) => head[i] === b)) return 'xz';
  return null;
}

/** A decoder's failure as a typed error (the bzip2 and xz decoders throw typed ones already, unless a stream wrapper got there first). */
export function compressionError(kind: Compression, err: unknown, what: string): ExtractionError {
  if (err instanceof ExtractionError) return err;
  return kind === 'xz' ? xzError(err) : zipError(err, what);
}

export function decompressor(kind: Compression): Duplex {
  if (kind === 'gzip') return createGunzip();
  if (kind === 'bzip2') return new Bunzip2();
  return unxz();
}
