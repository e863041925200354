/**
 * Main's side of large texts (shared/extraction.ts fullTextSchema): the
 * worker wrote the full text to a file in the job's spool folder and the
 * store holds a preview. Exports read the file in chunks, never whole;
 * dedup gives a reusing job its own link to the file, so deleting the
 * original job does not take the text from under it.
 */
import { copyFile, link, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FULL_TEXT_FILE, type ExtractionResult, type FullText } from '../../shared/extraction.js';

const CHUNK_BYTES = 1024 * 1024;

/** An open full-text file, or why it cannot be used (then exports fall back to the preview). */
export type FullTextSource = { ok: true; file: FileHandle } | { ok: false; note: string };

/**
 * Only a file where Quarry writes full texts is ever read: <spool>/<job id>/full-text.txt.
 * The path comes from the database, which must not be a way to export or
 * link any file on the machine.
 */
export function isFullTextPathOf(full: FullText, jobId: string): boolean {
  return path.basename(full.path) === FULL_TEXT_FILE && path.basename(path.dirname(full.path)) === jobId && path.isAbsolute(full.path);
}

export async function openFullText(full: FullText, jobId: string): Promise<FullTextSource> {
  const preview = `this export holds only the stored preview (${full.previewChars.toLocaleString('en')} of ${full.chars.toLocaleString('en')} characters)`;
  if (!isFullTextPathOf(full, jobId)) {
    return { ok: false, note: `The stored full text path ${full.path} is not this job's spool file: ${preview}.` };
  }
  let file: FileHandle;
  try {
    file = await open(full.path, 'r');
  } catch (err) {
    return { ok: false, note: `The full text file ${full.path} is missing (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): ${preview}.` };
  }
  try {
    const { size } = await file.stat();
    if (size === full.bytes) return { ok: true, file };
    await file.close();
    return { ok: false, note: `The full text file ${full.path} has ${size} bytes instead of ${full.bytes}: ${preview}.` };
  } catch (err) {
    await file.close();
    throw err;
  }
}

export type Write = (chunk: string) => Promise<void>;

/**
 * Writes JSON.stringify(value, null, indent), with every string equal to
 * `marker` replaced by the full text: streamed from the file and escaped
 * chunk by chunk (the decoder never cuts a character, so no chunk ends in
 * half a surrogate pair).
 */
export async function writeJsonWithFullText(value: unknown, marker: string, file: FileHandle, write: Write, indent?: number): Promise<void> {
  const parts = JSON.stringify(value, null, indent).split(JSON.stringify(marker));
  await write(parts[0]!);
  for (const part of parts.slice(1)) {
    await write('"');
    for await (const chunk of fullTextChunks(file)) await write(JSON.stringify(chunk).slice(1, -1));
    await write('"' + part);
  }
}

/**
 * The file's text in chunks (about 1 MB each). Decoded as a stream, so a
 * character cut by a read boundary comes out whole in the next chunk; reads
 * by position, so the same handle can be read again (text, then Markdown).
 */
export async function* fullTextChunks(file: FileHandle): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let pos = 0; ;) {
    const { bytesRead } = await file.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const text = decoder.decode(buf.subarray(0, bytesRead), { stream: true });
    if (text) yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/**
 * The file's bytes in chunks of at most `size`, each ending after an ASCII
 * white space byte where the chunk has one, else after its last whole
 * character: UTF-8 never uses bytes under 0x80 inside a character, so no
 * character is cut in two, and no word either unless a run without ASCII
 * white space fills a whole chunk (1 MiB of CJK text, say). Each chunk is a
 * view of one buffer, reused for the next: the indexer hands the bytes to
 * SQLite (which copies them) and never makes them JavaScript strings, so
 * streaming a 500 MB text leaves no garbage on the main thread's heap.
 * `from` is a byte offset where a character starts (the indexer resuming).
 */
export async function* fullTextByteChunks(file: FileHandle, from = 0, size = CHUNK_BYTES): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafe(size);
  let held = 0; // bytes carried over at buf's start
  for (let pos = from; ;) {
    let end = held;
    while (end < size) {
      const { bytesRead } = await file.read(buf, end, size - end, pos);
      if (bytesRead === 0) {
        // The end of the file: what is left is the last chunk.
        if (end > 0) yield buf.subarray(0, end);
        return;
      }
      pos += bytesRead;
      end += bytesRead;
    }
    const cut = chunkEnd(buf, end);
    yield buf.subarray(0, cut);
    held = end - cut;
    buf.copy(buf, 0, cut, end);
  }
}

/** Where a full chunk ends: after its last white space byte, else after its last whole character. */
function chunkEnd(buf: Buffer, end: number): number {
  for (let i = end - 1; i > 0; i--) {
    const b = buf[i]!;
    if (b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d || b === 0x0c || b === 0x0b) return i + 1;
  }
  // No white space at all: after the last whole character (its first byte is not 10xxxxxx and says its length).
  let i = end - 1;
  while (i > 0 && (buf[i]! & 0xc0) === 0x80) i--;
  const lead = buf[i]!;
  const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return i + length <= end || i === 0 ? end : i;
}

/**
 * A stored result reused for another job (same content): its full text is
 * linked (or copied) into that job's spool folder. Undefined when the file
 * is gone: the caller extracts again instead.
 */
export async function adoptFullText(result: ExtractionResult, fromJobId: string, spoolDir: string): Promise<ExtractionResult | undefined> {
  const full = result.fullText;
  if (!full) return result;
  if (!isFullTextPathOf(full, fromJobId)) return undefined;
  const target = path.join(spoolDir, FULL_TEXT_FILE);
  if (path.resolve(full.path) === path.resolve(target)) return result;
  await mkdir(spoolDir, { recursive: true });
  await rm(target, { force: true });
  try {
    await link(full.path, target);
  } catch {
    // Another file system, or links not allowed: a copy costs disk but works.
    try {
      await copyFile(full.path, target);
    } catch {
      return undefined;
    }
  }
  return {
    ...result,
    fullText: { ...full, path: target },
    warnings: result.warnings.map((w) => w.split(full.path).join(target)),
  };
}
