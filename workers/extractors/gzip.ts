/**
 * A gzip file that is not a tar archive: one compressed file, which becomes
 * one child named from the header's FNAME (its last path component) or the
 * file's own name without ".gz". The decompressed size and expansion ratio
 * are limited as for archives; zlib checks the CRC-32 and length trailer.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ExtractionError } from '../../shared/extraction';
import { Spool } from '../spool';
import { zipError } from '../zip/archive';
import { archiveLimits, decompressionGuard, human } from './archive-limits';
import type { Extractor } from './types';

interface GzipHeader {
  name?: string;
  comment?: string;
  modified?: string;
}

/** RFC 1952 header fields (FNAME and FCOMMENT are Latin-1, zero-terminated). */
export function gzipHeader(head: Buffer): GzipHeader {
  if (head.length < 10 || head[0] !== 0x1f || head[1] !== 0x8b) throw new ExtractionError('corrupt_file', 'Not a gzip file (no gzip signature)');
  const flags = head[3]!;
  const mtime = head.readUInt32LE(4);
  let at = 10;
  if (flags & 4) at += 2 + (head.length >= 12 ? head.readUInt16LE(10) : 0);
  const zeroTerminated = (): string | undefined => {
    const end = head.indexOf(0, at);
    if (end < 0) return undefined;
    const s = head.toString('latin1', at, end);
    at = end + 1;
    return s;
  };
  const name = flags & 8 ? zeroTerminated() : undefined;
  const comment = flags & 16 ? zeroTerminated() : undefined;
  return { name, comment, modified: mtime ? new Date(mtime * 1000).toISOString() : undefined };
}

/** FNAME's last component (it may carry a path, even a hostile one), else the file name minus .gz. */
function childName(header: GzipHeader, filePath: string): string {
  const fromHeader = header.name?.split(/[\\/]/).pop()?.trim();
  if (fromHeader) return fromHeader;
  const base = path.basename(filePath);
  return /\.gz$/i.test(base) ? base.slice(0, -3) : /\.tgz$/i.test(base) ? `${base.slice(0, -4)}.tar` : `${base}.out`;
}

export const gzipExtractor: Extractor = {
  name: 'gzip',
  version: '1.0.0',
  formats: ['gzip'],
  async extract(input) {
    const limits = archiveLimits(input.options);
    const fh = await open(input.path, 'r');
    let head: Buffer;
    try {
      const buf = Buffer.alloc(Math.min(input.size, 64 * 1024));
      head = buf.subarray(0, (await fh.read(buf, 0, buf.length, 0)).bytesRead);
    } finally {
      await fh.close();
    }
    const header = gzipHeader(head);
    const name = childName(header, input.path);
    const warnings: string[] = [];
    const tooDeep = input.options.depth >= limits.maxDepth;
    if (tooDeep) warnings.push(`gzip file nested ${input.options.depth} levels deep: checked, not unpacked (limit ${limits.maxDepth})`);
    const spool = input.spoolDir && !tooDeep ? new Spool(input.spoolDir) : null;
    const guard = decompressionGuard(input.size, limits, 'gzip file');
    const streams = () => [input.stream(), createGunzip(), guard];
    try {
      if (spool) await spool.write(name, async () => streams(), { fallback: 'decompressed', limit: limits.maxEntryBytes });
      else await pipeline([...streams(), new Writable({ write: (_c, _e, cb) => cb() })]);
    } catch (err) {
      throw err instanceof ExtractionError ? err : zipError(err, 'gzip file');
    }
    return {
      text: `${name}\t${human(guard.bytes)}`,
      markdown: `gzip file: **${name}**, ${human(guard.bytes)} decompressed`,
      metadata: {
        compression: 'gzip',
        originalName: header.name,
        ...(header.comment ? { comment: header.comment } : {}),
        ...(header.modified ? { modified: header.modified } : {}),
        uncompressedBytes: guard.bytes,
        unpacked: !!spool,
        depth: input.options.depth,
      },
      warnings,
      children: spool ? spool.children : undefined,
      counters: { items: 1, uncompressedBytes: guard.bytes, extracted: spool?.children.length ?? 0 },
    };
  },
};
