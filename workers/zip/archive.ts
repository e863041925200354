/**
 * ZIP reading for every ZIP-based format (plain archives, DOCX/XLSX/PPTX,
 * ODS) over yauzl: entries are listed from the central directory, and read
 * one at a time with a byte cap, the declared sizes enforced (yauzl's
 * validateEntrySizes) and the CRC-32 checked, so neither a lying header nor
 * a corrupt deflate stream gets past here unnoticed.
 *
 * Names are decoded here but never trusted: writing entries to disk goes
 * through spool.ts, which sanitises them.
 */
import { closeSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ExtractionError } from '../../shared/extraction';
import { openChecked } from './checked-reader';
import { MAX_TAIL, windowNote, zipWindow } from './window';

export interface ArchiveEntry {
  /** Decoded name as stored (may contain "..", backslashes, absolute paths). */
  name: string;
  size: number;
  compressedSize: number;
  method: number;
  crc32: number;
  encrypted: boolean;
  directory: boolean;
  /** Unix symlink (from the external attributes): never followed nor written. */
  symlink: boolean;
  modified?: string;
  /** @internal */
  raw: yauzl.Entry;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32, continuing from `prev` (zlib.crc32 where Node has it). */
export function crc32(data: Uint8Array, prev = 0): number {
  if (typeof zlibCrc32 === 'function') return zlibCrc32(data, prev);
  let c = ~prev;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * yauzl's and zlib's messages ("Invalid comment length. Expected: 0. Found:
 * 22. … signature `PK☺☻` in the comment?", "invalid distance too far back"),
 * turned into a sentence a person can act on; the library's own text stays
 * in the details (`library`) for support.
 */
const ZIP_SENTENCES: Array<[RegExp, (what: string) => string]> = [
  [
    /end of central directory record signature not found/i,
    (w) => `Not a complete ${w}: no end-of-central-directory record (the file is truncated or not a ZIP)`,
  ],
  [
    /invalid comment length/i,
    (w) => `The ${w}'s closing record is inconsistent (its comment length is wrong, or bytes follow it), so its file list cannot be found`,
  ],
  [/invalid central directory file header signature|records in central dir|zip64 end of central directory/i, (w) => `The ${w}'s file list is damaged`],
  [
    /invalid local file header signature|file data overflows file bounds|relative header offset/i,
    (w) => `An entry of the ${w} is not where its file list says (the archive is damaged or truncated)`,
  ],
  [/unexpected EOF|unexpected end of file/i, (w) => `The ${w} is truncated: an entry ends before its data does`],
  [/lies outside the file/i, (w) => `The ${w} points outside the file: its offsets are damaged (or the file is truncated)`],
  [/multi-disk zip files/i, (w) => `The ${w} is one part of a split (multi-disk) archive; join the parts into one file first`],
  [/extra field length|zip64 extended information/i, (w) => `An entry's header in the ${w} is damaged (its extra fields do not fit)`],
];

export function zipError(err: unknown, what = 'ZIP archive'): ExtractionError {
  if (err instanceof ExtractionError) return err;
  const message = (err as Error)?.message ?? String(err);
  const library = { library: message };
  if (/strong encryption/i.test(message)) return new ExtractionError('encrypted', `The ${what} uses strong encryption, which cannot be opened`, library);
  const method = /unsupported compression method: (\d+)/i.exec(message)?.[1];
  if (method)
    return new ExtractionError(
      'unsupported_format',
      `An entry of the ${what} uses compression method ${method}, which cannot be decompressed here (only stored and deflate)`,
      library,
    );
  for (const [re, sentence] of ZIP_SENTENCES) if (re.test(message)) return new ExtractionError('corrupt_file', sentence(what), library);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (
    code === 'Z_DATA_ERROR' ||
    code === 'Z_BUF_ERROR' ||
    /invalid (code|block|distance|stored)|incorrect (header|data) check|too many length|distance too far/i.test(message)
  ) {
    return new ExtractionError('corrupt_file', `The ${what} has an entry whose compressed data is damaged`, library);
  }
  return new ExtractionError('corrupt_file', `The ${what} is damaged and cannot be read`, library);
}

function toEntry(raw: yauzl.Entry): ArchiveEntry {
  const nameBuf = raw.fileName as unknown as Buffer;
  const name = yauzl.getFileNameLowLevel(raw.generalPurposeBitFlag, nameBuf, raw.extraFields, false);
  const unixMode = (raw.externalFileAttributes >>> 16) & 0xffff;
  let modified: string | undefined;
  try {
    const d = raw.getLastModDate();
    if (!Number.isNaN(d.getTime())) modified = d.toISOString();
  } catch {
    modified = undefined;
  }
  return {
    name,
    size: raw.uncompressedSize,
    compressedSize: raw.compressedSize,
    method: raw.compressionMethod,
    crc32: raw.crc32,
    encrypted: raw.isEncrypted(),
    directory: name.endsWith('/') || name.endsWith('\\'),
    symlink: (unixMode & 0o170000) === 0o120000,
    modified,
    raw,
  };
}

export class Archive {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    readonly entries: ArchiveEntry[],
    /** More entries exist than were listed (see `open`'s maxEntries). */
    readonly truncatedListing: boolean,
    readonly comment: string,
    /** The archive's size in bytes. */
    private readonly size: number,
    /** Set when the file holds bytes before or after the archive, which were left out (see window.ts). */
    readonly note?: string,
  ) {}

  /** Opens a ZIP from memory or from a path (read on demand, never whole). */
  static async open(source: Buffer | string, opts: { maxEntries?: number; what?: string } = {}): Promise<Archive> {
    const what = opts.what ?? 'ZIP archive';
    const options: yauzl.Options = { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false };
    let zip: yauzl.ZipFile;
    let note: string | undefined;
    try {
      if (typeof source === 'string') {
        const { reader, size, window, fileSize } = await openChecked(source);
        if (window) note = windowNote(window, fileSize);
        zip = await yauzl.fromRandomAccessReaderPromise(reader as unknown as yauzl.RandomAccessReader, size, options).catch((err) => {
          closeSync(reader.fd); // yauzl never took the reader: the file is ours to close
          throw err;
        });
      } else {
        const window = zipWindow(source.subarray(Math.max(0, source.length - MAX_TAIL)), source.length);
        if (window) note = windowNote(window, source.length);
        zip = await yauzl.fromBufferPromise(window && note ? source.subarray(window.start, window.end) : source, options);
      }
    } catch (err) {
      throw zipError(err, what);
    }
    const max = opts.maxEntries ?? Infinity;
    const entries: ArchiveEntry[] = [];
    let truncated = false;
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('error', reject);
        zip.on('end', () => resolve());
        zip.on('entry', (raw: yauzl.Entry) => {
          if (entries.length >= max) {
            truncated = true;
            resolve();
            return;
          }
          entries.push(toEntry(raw));
          zip.readEntry();
        });
        zip.readEntry();
      });
    } catch (err) {
      zip.close();
      throw zipError(err, what);
    }
    const comment = Buffer.isBuffer(zip.comment) ? (zip.comment as Buffer).toString('utf8') : String(zip.comment ?? '');
    // yauzl keeps the archive's size (fd-slicer or buffer): where an entry's data may end.
    const size = Number((zip as unknown as { fileSize?: number }).fileSize ?? (typeof source === 'string' ? Infinity : source.length));
    return new Archive(zip, entries, truncated, comment, size, note);
  }

  get entryCount(): number {
    return this.zip.entryCount;
  }

  find(name: string): ArchiveEntry | undefined {
    return this.entries.find((e) => e.name === name) ?? this.entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
  }

  /** A stream of the entry's bytes; the caller checks CRC and size (see `read`). */
  async stream(entry: ArchiveEntry): Promise<Readable> {
    if (entry.encrypted) throw new ExtractionError('encrypted', `"${entry.name}" is encrypted (password-protected)`);
    if (!entry.raw.canDecodeFileData()) {
      throw new ExtractionError(
        'unsupported_format',
        `"${entry.name}" uses compression method ${entry.method}, which is not supported (only stored and deflate)`,
      );
    }
    // An entry whose data would lie past the end of the archive (a damaged
    // directory, a bogus ZIP64 offset) is refused here: yauzl's reader would
    // throw outside any callback for an offset past 2^53, ending the thread.
    const end = entry.raw.relativeOffsetOfLocalHeader + 30 + entry.raw.compressedSize;
    if (!Number.isSafeInteger(end) || end > this.size) {
      throw new ExtractionError('corrupt_file', `"${entry.name}" points past the end of the archive (its directory entry is damaged)`, {
        entry: entry.name,
        offset: entry.raw.relativeOffsetOfLocalHeader,
        archiveBytes: this.size,
      });
    }
    try {
      return await this.zip.openReadStreamPromise(entry.raw);
    } catch (err) {
      throw zipError(err);
    }
  }

  /**
   * The whole entry in memory, at most `maxBytes` (the declared size is
   * checked first, the real size while inflating), CRC-32 verified.
   */
  async read(entry: ArchiveEntry, maxBytes = 256 * 1024 * 1024): Promise<Buffer> {
    if (entry.size > maxBytes) {
      throw new ExtractionError('resource_limit', `"${entry.name}" expands to ${entry.size} bytes, over the ${maxBytes}-byte limit for one entry`, {
        entry: entry.name,
        size: entry.size,
        maxBytes,
      });
    }
    const stream = await this.stream(entry);
    const chunks: Buffer[] = [];
    let total = 0;
    let crc = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxBytes) {
          stream.destroy();
          throw new ExtractionError('resource_limit', `"${entry.name}" expands past the ${maxBytes}-byte limit for one entry`, { entry: entry.name, maxBytes });
        }
        crc = crc32(chunk, crc);
        chunks.push(chunk);
      }
    } catch (err) {
      throw zipError(err);
    }
    if (crc !== entry.crc32) {
      throw new ExtractionError('corrupt_file', `"${entry.name}" fails its CRC-32 check (stored ${entry.crc32.toString(16)}, computed ${crc.toString(16)})`, {
        entry: entry.name,
      });
    }
    return Buffer.concat(chunks, total);
  }

  /** An entry as text (UTF-8, BOM dropped), or undefined when the archive has no such entry. */
  async text(name: string, maxBytes?: number): Promise<string | undefined> {
    const entry = this.find(name);
    if (!entry) return undefined;
    const buf = await this.read(entry, maxBytes);
    const s = buf.toString('utf8');
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  }

  close(): void {
    try {
      this.zip.close();
    } catch {
      // already closed
    }
  }
}

/** Sum of declared expanded sizes: an early zip-bomb check before a library inflates everything. */
export function checkExpandedSize(archive: Archive, fileSize: number, what: string, limit = 1024 ** 3, maxRatio = 1000): void {
  const total = archive.entries.reduce((s, e) => s + e.size, 0);
  if (total > limit) {
    throw new ExtractionError(
      'resource_limit',
      `The ${what} expands to ${(total / 1024 ** 2).toFixed(0)} MiB, over the ${(limit / 1024 ** 2).toFixed(0)} MiB limit`,
      { expanded: total, limit },
    );
  }
  if (fileSize > 0 && total > 64 * 1024 * 1024 && total / fileSize > maxRatio) {
    throw new ExtractionError('resource_limit', `The ${what} expands ${Math.round(total / fileSize)}× (a zip bomb?); refused`, { expanded: total, fileSize });
  }
}
