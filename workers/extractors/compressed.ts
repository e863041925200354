/**
 * One compressed file that is not a tar archive (.gz, .bz2, .xz): it becomes
 * one child, named from the gzip header's FNAME (its last path component)
 * or the file's own name without its compression extension. The
 * decompressed size and expansion ratio are limited as for archives; each
 * decoder checks its own checksums (gzip CRC-32, bzip2 block CRCs, xz
 * CRC32/CRC64).
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExtractionError } from '../../shared/extraction';
import { compressionError, compressionOf, decompressor, type Compression } from '../compress';
import { Bunzip2 } from '../compress/bzip2';
import { Spool } from '../spool';
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

/** Compression extensions and what the decompressed file is called: "a.txt.bz2" → "a.txt", "a.tbz2" → "a.tar". */
const SUFFIXES: Array<[RegExp, string]> = [
  [/\.(gz|gzip|bz2|bz|bzip2|xz)$/i, ''],
  [/\.(tgz|tbz2|tbz|tb2|txz)$/i, '.tar'],
];

/** FNAME's last component (it may carry a path, even a hostile one), else the file name minus its compression extension. */
function childName(header: GzipHeader | null, filePath: string): string {
  const fromHeader = header?.name?.split(/[\\/]/).pop()?.trim();
  if (fromHeader) return fromHeader;
  const base = path.basename(filePath);
  for (const [re, to] of SUFFIXES) if (re.test(base) && base.replace(re, '')) return base.replace(re, to);
  return `${base}.out`;
}

const LABEL: Record<Compression, string> = { gzip: 'gzip file', bzip2: 'bzip2 file', xz: 'xz file' };

export const compressedExtractor: Extractor = {
  name: 'compressed',
  version: '1.1.0',
  formats: ['gzip', 'bzip2', 'xz'],
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
    const kind = compressionOf(head) ?? (input.detection?.format === 'bzip2' || input.detection?.format === 'xz' ? input.detection.format : 'gzip');
    const what = LABEL[kind];
    const header = kind === 'gzip' ? gzipHeader(head) : null;
    const name = childName(header, input.path);
    const warnings: string[] = [];
    const tooDeep = input.options.depth >= limits.maxDepth;
    if (tooDeep)
      warnings.push(`${what[0]!.toUpperCase()}${what.slice(1)} nested ${input.options.depth} levels deep: checked, not unpacked (limit ${limits.maxDepth})`);
    const spool = input.spoolDir && !tooDeep ? new Spool(input.spoolDir) : null;
    const guard = decompressionGuard(input.size, limits, what);
    const decoder = decompressor(kind);
    const streams = () => [input.stream(), decoder, guard];
    try {
      if (spool) await spool.write(name, async () => streams(), { fallback: 'decompressed', limit: limits.maxEntryBytes });
      else await pipeline([...streams(), new Writable({ write: (_c, _e, cb) => cb() })]);
    } catch (err) {
      throw compressionError(kind, err, what);
    }
    const trailing = decoder instanceof Bunzip2 ? decoder.trailingBytes : 0;
    if (trailing) warnings.push(`${trailing} byte${trailing === 1 ? '' : 's'} after the end of the bzip2 data ignored`);
    return {
      text: `${name}\t${human(guard.bytes)}`,
      markdown: `${what}: **${name}**, ${human(guard.bytes)} decompressed`,
      metadata: {
        compression: kind,
        ...(header ? { originalName: header.name } : {}),
        ...(header?.comment ? { comment: header.comment } : {}),
        ...(header?.modified ? { modified: header.modified } : {}),
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
