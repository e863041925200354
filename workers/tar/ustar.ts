/**
 * Tar headers (POSIX ustar, GNU and old v7 variants): 512-byte blocks, a
 * header block before each entry's data, the data padded to 512 bytes, two
 * zero blocks at the end. Parsed here rather than by a library so every
 * number read from the file is checked before it is used.
 *
 * Long names come in two extensions, both handled: a GNU 'L' entry whose
 * data is the next entry's name, and a pax 'x' entry whose "path" record is.
 * Names are never trusted: entries are written through spool.ts.
 */
export const BLOCK = 512;

export interface TarHeader {
  name: string;
  size: number;
  /** '0' file, '5' folder, '2' symlink, '1' hard link, 'L'/'x'/'g' extensions... */
  type: string;
  modified?: string;
}

function field(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString('utf8');
}

/** An octal number field; GNU base-256 (high bit set) for sizes of 8 GiB and more. */
function octal(block: Uint8Array, start: number, length: number): number {
  if (block[start]! & 0x80) {
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + block[i]!;
    return n;
  }
  const s = field(block, start, length).trim();
  return /^[0-7]*$/.test(s) ? (s ? parseInt(s, 8) : 0) : NaN;
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces. */
export function checksumValid(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  const stored = octal(block, 148, 8);
  if (!Number.isFinite(stored)) return false;
  let unsigned = 0;
  for (let i = 0; i < BLOCK; i++) unsigned += i >= 148 && i < 156 ? 32 : block[i]!;
  return unsigned === stored;
}

/** A ustar (POSIX or GNU) header with a valid checksum; old v7 archives, without the magic, are left to the extension. */
export function looksLikeTar(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  const magic = Buffer.from(block.subarray(257, 263)).toString('latin1');
  return (magic === 'ustar\0' || magic === 'ustar ') && checksumValid(block);
}

export const isZeroBlock = (block: Uint8Array) => block.every((b) => b === 0);

/** Parses a header block; null when its checksum or size field is damaged. */
export function parseHeader(block: Uint8Array): TarHeader | null {
  if (!checksumValid(block)) return null;
  const size = octal(block, 124, 12);
  if (!Number.isSafeInteger(size) || size < 0) return null;
  const magic = Buffer.from(block.subarray(257, 262)).toString('latin1');
  const prefix = magic === 'ustar' && block[262] === 0 ? field(block, 345, 155) : '';
  const name = field(block, 0, 100);
  const mtime = octal(block, 136, 12);
  const modified = Number.isFinite(mtime) && mtime > 0 && mtime < 1e11 ? new Date(mtime * 1000).toISOString() : undefined;
  return { name: prefix ? `${prefix}/${name}` : name, size, type: String.fromCharCode(block[156] || 0x30), modified };
}

/** The "path" record of a pax extended header ("<len> path=<value>\n" records). */
export function paxPath(data: Buffer): string | undefined {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) return undefined;
    const len = Number(data.toString('latin1', at, space));
    if (!Number.isSafeInteger(len) || len <= space - at || at + len > data.length) return undefined;
    const record = data.toString('utf8', space + 1, at + len - 1);
    if (record.startsWith('path=')) return record.slice(5);
    at += len;
  }
  return undefined;
}
