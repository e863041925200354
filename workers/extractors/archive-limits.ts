/**
 * Zip-bomb limits shared by the archive extractors (ZIP, tar, gzip): the
 * job's options over the defaults, and a guard on a decompressed stream.
 */
import { Transform } from 'node:stream';
import { ExtractionError } from '../../shared/extraction';
import type { ExtractOptions } from './types';
import { ZIP_LIMITS } from './zip';

export interface ArchiveLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
  maxDepth: number;
}

export function archiveLimits(o: ExtractOptions): ArchiveLimits {
  return {
    maxEntries: o.maxEntries ?? ZIP_LIMITS.maxEntries,
    maxEntryBytes: o.maxEntryBytes ?? ZIP_LIMITS.maxEntryBytes,
    maxTotalBytes: o.maxTotalBytes ?? ZIP_LIMITS.maxTotalBytes,
    maxRatio: o.maxRatio ?? ZIP_LIMITS.maxRatio,
    maxDepth: o.maxDepth ?? ZIP_LIMITS.maxDepth,
  };
}

/** Past this many decompressed bytes the ratio is checked (small files compress well legitimately). */
const RATIO_FLOOR = 1024 * 1024;

/**
 * Counts what a decompressor produces and fails it as resource_limit past
 * the total limit or the expansion ratio (decompressed / file size): a
 * gzip bomb stops here however its bytes are then used.
 */
export function decompressionGuard(fileSize: number, limits: ArchiveLimits, what: string): Transform & { bytes: number } {
  const guard = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      guard.bytes += chunk.length;
      if (guard.bytes > limits.maxTotalBytes) {
        return cb(new ExtractionError('resource_limit', `The ${what} expands past the ${limits.maxTotalBytes}-byte limit in total`));
      }
      if (guard.bytes > RATIO_FLOOR && guard.bytes / Math.max(1, fileSize) > limits.maxRatio) {
        return cb(new ExtractionError('resource_limit', `The ${what} expands more than ${limits.maxRatio}× (a zip bomb?)`));
      }
      cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  guard.bytes = 0;
  return guard;
}

export const human = (n: number) => (n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
