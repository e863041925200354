/**
 * The full text of a large file, streamed to `<spoolDir>/full-text.txt`
 * (UTF-8) while it is decoded, so neither the worker nor main ever holds it
 * whole. The result keeps a preview; exports read the file.
 *
 * The file is written under a temporary name and renamed when complete, so
 * a crash or a restarted decode never leaves a truncated full text behind.
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { FULL_TEXT_FILE, type FullText } from '../../shared/extraction';
import type { ExtractInput } from '../extractors/types';
import { TextCounter, type TextStats } from './stats';
import type { TextSink } from './stream-decode';

/** Files above this size are streamed (QUARRY_STREAM_THRESHOLD, in bytes, overrides it: tests). */
const DEFAULT_THRESHOLD = 32 * 1024 * 1024;
/** Characters of text kept in the result: enough to read, small enough for the store and the UI. */
export const PREVIEW_CHARS = 1024 * 1024;

export function streamThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.QUARRY_STREAM_THRESHOLD);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_THRESHOLD;
}

/** Streaming needs somewhere to put the full text: the job's spool folder. */
export function shouldStream(input: ExtractInput): boolean {
  return Boolean(input.spoolDir) && input.size > streamThreshold();
}

/**
 * A re-run that no longer streams must not leave the previous run's full text behind.
 * Looked for first: almost every file has none, and `rm` of a missing file
 * (a libuv round trip, an lstat, an error built and dropped) cost 35-300 µs
 * per small file, more than extracting it (bench case 9).
 */
export async function removeStaleFullText(input: ExtractInput): Promise<void> {
  if (!input.spoolDir) return;
  const file = path.join(input.spoolDir, FULL_TEXT_FILE);
  if (existsSync(file)) await rm(file, { force: true });
}

/** Cuts a preview at a line end when one is near, never inside a surrogate pair. */
export function cutPreview(text: string, limit = PREVIEW_CHARS): string {
  if (text.length <= limit) return text;
  let end = limit;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  const nl = Math.max(text.lastIndexOf('\n', end - 1), text.lastIndexOf('\r', end - 1));
  if (nl >= end / 2) end = text[nl] === '\r' && text[nl + 1] === '\n' ? nl + 2 : nl + 1; // a CRLF stays whole
  return text.slice(0, end);
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

export interface FullTextDone {
  fullText: FullText;
  preview: string;
  stats: TextStats;
  lineEnding: ReturnType<TextCounter['lineEnding']>;
}

export class FullTextWriter implements TextSink {
  readonly counter = new TextCounter();
  private head = '';
  private error: Error | undefined;

  private constructor(
    private readonly file: string,
    private readonly out: WriteStream,
  ) {
    out.on('error', (e) => (this.error = e));
  }

  static async open(spoolDir: string): Promise<FullTextWriter> {
    await mkdir(spoolDir, { recursive: true });
    const file = path.join(spoolDir, FULL_TEXT_FILE);
    return new FullTextWriter(file, createWriteStream(`${file}.part`));
  }

  async write(text: string): Promise<void> {
    if (this.error) throw this.error;
    this.counter.add(text);
    // A little over the limit, so cutPreview can look for a line end.
    if (this.head.length <= PREVIEW_CHARS) this.head += text.slice(0, PREVIEW_CHARS + 1 - this.head.length);
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async discard(): Promise<void> {
    this.out.destroy();
    await rm(`${this.file}.part`, { force: true });
  }

  async finish(): Promise<FullTextDone> {
    this.out.end();
    await finished(this.out);
    await rename(`${this.file}.part`, this.file);
    const stats = this.counter.stats();
    const preview = cutPreview(this.head);
    return {
      fullText: {
        path: this.file,
        bytes: this.out.bytesWritten,
        chars: stats.chars,
        lines: stats.lines,
        previewChars: codePoints(preview),
        markdownIsText: true,
      },
      preview,
      stats,
      lineEnding: this.counter.lineEnding(),
    };
  }
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The warning that says plainly what is stored and where the rest is. */
export function previewWarning(full: FullText, sourceBytes: number): string {
  return (
    `This file is large (${MB(sourceBytes)}): the stored text is a preview of its first ` +
    `${full.previewChars.toLocaleString('en')} of ${full.chars.toLocaleString('en')} characters. ` +
    `The full text (${MB(full.bytes)}, UTF-8) is in ${full.path}; exports include all of it.`
  );
}
