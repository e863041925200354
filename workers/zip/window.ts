/**
 * Where the ZIP really lies inside a file. Self-extracting archives put a
 * program before it, and some tools (or a download gone wrong) leave bytes
 * after its end record; unzip, Python's zipfile and JSZip read both, while
 * yauzl insists the end record's comment end exactly at the end of the file
 * and the central directory sit where the end record says. So the end record
 * is found here (the last signature whose comment fits), and the archive is
 * read as the window from its first byte to the end of that comment.
 *
 * The start comes from the end record: the central directory ends where the
 * end record begins, so it starts at `eocd - cdSize`; if the record says
 * `cdOffset`, every offset in the archive is shifted by the difference (the
 * bytes prepended). A ZIP64 archive keeps its offsets elsewhere: only
 * trailing bytes are trimmed for it.
 */
const EOCD = 0x06054b50;
const EOCD_SIZE = 22;
export const MAX_TAIL = EOCD_SIZE + 0xffff;

export interface ZipWindow {
  start: number;
  end: number;
}

/** The window, given the file's last bytes (`tail`, which starts at `size - tail.length`); null: no end record. */
export function zipWindow(tail: Buffer, size: number): ZipWindow | null {
  // An end record whose comment reaches exactly the end of the file wins (as yauzl requires): a
  // comment may itself contain the signature, and must not be taken for the record.
  const at = findEocd(tail, (end) => end === tail.length) ?? findEocd(tail, (end) => end <= tail.length);
  if (at === null) return null;
  const tailStart = size - tail.length;
  const eocd = tailStart + at;
  const end = eocd + EOCD_SIZE + tail.readUInt16LE(at + 20);
  const cdSize = tail.readUInt32LE(at + 12);
  const cdOffset = tail.readUInt32LE(at + 16);
  if (cdOffset === 0xffffffff || cdSize === 0xffffffff) return { start: 0, end };
  const start = eocd - cdSize - cdOffset;
  return { start: start > 0 ? start : 0, end };
}

/** The last end-record signature (from the end) whose comment's end passes `fits`. */
function findEocd(tail: Buffer, fits: (commentEnd: number) => boolean): number | null {
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && fits(i + EOCD_SIZE + tail.readUInt16LE(i + 20))) return i;
  }
  return null;
}

/** What a person should hear about a window that is not the whole file. */
export function windowNote(w: ZipWindow, size: number): string | undefined {
  const parts: string[] = [];
  if (w.start > 0) parts.push(`${w.start} bytes before it (a self-extracting archive?)`);
  if (w.end < size) parts.push(`${size - w.end} bytes after its end record`);
  return parts.length ? `The file holds more than the ZIP archive: ${parts.join(' and ')}; the archive was read without them` : undefined;
}
