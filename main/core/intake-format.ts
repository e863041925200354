/**
 * The format a new job shows while it waits, decided at intake: the
 * extension when it names a format (no read at all, so a folder of 100,000
 * files costs a map lookup each), and otherwise a sniff of the file's first
 * bytes. A file the sniff says no extractor handles is rejected at the drop,
 * with a reason a person can act on, instead of failing a second later. The
 * worker's own detection (64 KiB, the ZIP directory) still decides at run
 * time; a format it finds replaces this guess.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Format } from '../../shared/extraction.js';

/** What intake learns of a file: its format, a rejection, or nothing (the worker will tell). */
export type IntakeFormat = { format: Format } | { rejected: string } | null;

/**
 * Enough for the magic numbers and for detection's binary test, which looks
 * at 8,192 characters (UTF-16 takes two bytes each).
 */
const SNIFF_BYTES = 16 * 1024;
/** What detection calls a compound file (OLE2) whose streams it has not listed. */
const OLE2_MIME = 'application/x-ole-storage';

/**
 * Sniffs a file whose extension names no format. A file that cannot be read
 * here is left to its job (it fails with permission_denied or not_found,
 * which say more than a rejection would).
 */
export async function sniffFormat(filePath: string, size: number): Promise<IntakeFormat> {
  // Detection brings the text decoders (iconv, chardet): loaded only when a file needs them.
  const [{ detectFromHead }, { readAt }, { readZipDirectory }] = await Promise.all([
    import('../../workers/detect.js'),
    import('../../workers/read-at.js'),
    import('../../workers/zip-directory.js'),
  ]);
  let fh;
  try {
    fh = await open(filePath, 'r');
  } catch {
    return null;
  }
  try {
    const head = await readAt(fh, 0, Math.min(size, SNIFF_BYTES));
    const detection = await detectFromHead({
      head,
      size: Math.max(size, head.length),
      fileName: filePath,
      readZipDirectory: () => readZipDirectory(fh, size),
      // Never the whole file here: intake reads heads only, and the engine's process holds the user's work.
      readAll: async () => (size <= head.length ? head : null),
    });
    if (detection.format !== 'unknown') return { format: detection.format };
    // A compound file whose streams lie past the head (a .doc, .xls or .msg without its extension): the worker lists them.
    if (detection.mime === OLE2_MIME && size > head.length) return null;
    return { rejected: unsupportedReason(filePath, detection.mime) };
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

/** Why a file is refused, in words: what it looks like, and that its extension does not help. */
export function unsupportedReason(filePath: string, mime: string | undefined): string {
  const ext = path.extname(filePath);
  const name = ext ? `“${ext}” is not a file type Quarry reads` : 'it has no file extension';
  if (mime && mime !== 'application/octet-stream') return `unsupported file type (${mime}): no extractor handles it`;
  return `unrecognised format: binary content with no known signature, and ${name}`;
}
