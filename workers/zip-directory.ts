/**
 * Lists the entry names of a ZIP container without reading the whole file:
 * the end-of-central-directory record sits in the last 64 KiB, and points at
 * the central directory. Used by detection (docx vs xlsx vs plain zip) and,
 * later, by the zip/OOXML extractors.
 *
 * When there is no central directory (a truncated download), we fall back
 * to walking local file headers from the start, which is enough to name
 * the container type.
 */
import iconv from 'iconv-lite';
import { readAt, type PositionalReader } from './read-at';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** 'central' = read from the central directory; 'local' = recovered from local headers. */
  source: 'central' | 'local';
  /** True when the listing stopped early (size cap, or a damaged directory). */
  partial: boolean;
  comment?: string;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;
/** Central directories larger than this are read only in part (detection needs names, not all of them). */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

function decodeName(raw: Buffer, utf8Flag: boolean): string {
  // Bit 11 says UTF-8; otherwise the spec says CP437, though many tools write
  // UTF-8 anyway, so accept valid UTF-8 first.
  if (utf8Flag) return raw.toString('utf8');
  const asUtf8 = raw.toString('utf8');
  if (!asUtf8.includes('\uFFFD')) return asUtf8;
  return iconv.decode(raw, 'cp437');
}

/** Reads the central directory, or returns null when there is no EOCD record. */
export async function readZipDirectory(fh: PositionalReader, size: number): Promise<ZipDirectory | null> {
  const tailLen = Math.min(size, 22 + 0xffff);
  const tailStart = size - tailLen;
  const tail = await readAt(fh, tailStart, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;

  let total = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const commentLen = tail.readUInt16LE(eocd + 20);
  const comment = tail.subarray(eocd + 22, eocd + 22 + commentLen).toString('utf8') || undefined;

  // ZIP64: the real values live in the zip64 EOCD record, found via its locator.
  if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc >= 0 && tail.readUInt32LE(loc) === ZIP64_LOCATOR_SIG) {
      const z64Offset = Number(tail.readBigUInt64LE(loc + 8));
      const rec = await readAt(fh, z64Offset, 56);
      if (rec.length === 56 && rec.readUInt32LE(0) === ZIP64_EOCD_SIG) {
        total = Number(rec.readBigUInt64LE(32));
        cdSize = Number(rec.readBigUInt64LE(40));
        cdOffset = Number(rec.readBigUInt64LE(48));
      }
    }
  }

  let partial = false;
  if (cdOffset + cdSize > size) {
    // Directory points past the end: damaged or truncated. Read what exists.
    partial = true;
    cdSize = Math.max(0, size - cdOffset);
  }
  if (cdSize > MAX_DIRECTORY_BYTES) {
    partial = true;
    cdSize = MAX_DIRECTORY_BYTES;
  }
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  while (p + 46 <= cd.length && entries.length < total) {
    if (cd.readUInt32LE(p) !== CDH_SIG) {
      partial = true;
      break;
    }
    const flags = cd.readUInt16LE(p + 8);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const entryCommentLen = cd.readUInt16LE(p + 32);
    if (p + 46 + nameLen > cd.length) {
      partial = true;
      break;
    }
    entries.push({
      name: decodeName(cd.subarray(p + 46, p + 46 + nameLen), (flags & 0x800) !== 0),
      method: cd.readUInt16LE(p + 10),
      compressedSize: cd.readUInt32LE(p + 20),
      uncompressedSize: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
      encrypted: (flags & 1) !== 0,
    });
    p += 46 + nameLen + extraLen + entryCommentLen;
  }
  return { entries, source: 'central', partial, comment };
}

/**
 * Walks local file headers in `head` (the first bytes of the file). Stops at
 * an entry whose size is deferred to a data descriptor, since we cannot skip
 * its data without inflating it.
 */
export function walkLocalHeaders(head: Uint8Array): ZipDirectory {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const entries: ZipEntry[] = [];
  let p = 0;
  let partial = false;
  while (p + 30 <= buf.length && buf.readUInt32LE(p) === LFH_SIG) {
    const flags = buf.readUInt16LE(p + 6);
    const compressedSize = buf.readUInt32LE(p + 18);
    const nameLen = buf.readUInt16LE(p + 26);
    const extraLen = buf.readUInt16LE(p + 28);
    if (p + 30 + nameLen > buf.length) break;
    entries.push({
      name: decodeName(buf.subarray(p + 30, p + 30 + nameLen), (flags & 0x800) !== 0),
      method: buf.readUInt16LE(p + 8),
      compressedSize,
      uncompressedSize: buf.readUInt32LE(p + 22),
      localHeaderOffset: p,
      encrypted: (flags & 1) !== 0,
    });
    if (flags & 0x08) {
      partial = true;
      break;
    }
    p += 30 + nameLen + extraLen + compressedSize;
  }
  if (p < buf.length) partial = true;
  return { entries, source: 'local', partial };
}

/** Data of a stored (uncompressed) entry when it lies inside `head`; e.g. ODF's "mimetype". */
export function storedEntryFromHead(head: Uint8Array, entry: ZipEntry): string | null {
  if (entry.method !== 0) return null;
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const p = entry.localHeaderOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== LFH_SIG) return null;
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const end = start + entry.compressedSize;
  if (end > buf.length) return null;
  return buf.subarray(start, end).toString('latin1');
}
