/**
 * One part of a job's stored result (shared/result-parts.ts). Text and
 * Markdown come in slices; a spooled full text (main/core/full-text.ts) is
 * streamed from its file up to the end of the slice, never read whole, and
 * when the file cannot be used the stored preview answers, with a note.
 */
import type { ResultPartQuery, ResultPartValue } from '../../shared/result-parts.js';
import type { Job } from '../../shared/job.js';
import { NotFoundError } from './errors.js';
import type { FileHandle } from 'node:fs/promises';
import { chunkDocument } from '../../shared/chunks.js';
import { CHUNK_DEFAULTS } from './export-chunks.js';
import { fullTextChunks, openFullText } from './full-text.js';
import type { JobStore, StoredResult } from './store/job-store.js';

const DEFAULT_SLICE_CHARS = 100_000;
const DEFAULT_PAGES = 50;
const DEFAULT_CHUNKS = 200;

type TextSlice = Extract<ResultPartValue, { part: 'text' | 'markdown' }>;

export async function readResultPart(store: JobStore, q: ResultPartQuery): Promise<ResultPartValue> {
  const job = store.resolve(q.id);
  const result = resultOf(store, job);
  const doc = result.document;
  switch (q.part) {
    case 'text':
    case 'markdown':
      return textSlice(job, result, q.part, q.offset ?? 0, q.limit ?? DEFAULT_SLICE_CHARS);
    case 'tables':
      return { part: 'tables', tables: doc.tables };
    case 'metadata':
      return { part: 'metadata', metadata: doc.metadata };
    case 'entities':
      return { part: 'entities', entities: doc.entities };
    case 'warnings':
      return { part: 'warnings', warnings: doc.warnings };
    case 'pages': {
      const all = doc.pages ?? [];
      const offset = q.offset ?? 0;
      return { part: 'pages', pages: all.slice(offset, offset + (q.limit ?? DEFAULT_PAGES)), offset, total: all.length };
    }
    case 'chunks': {
      const size = q.chunkSize ?? CHUNK_DEFAULTS.size;
      const overlap = Math.min(q.overlap ?? CHUNK_DEFAULTS.overlap, size - 1);
      const all = chunksOf(job.id, result, size, overlap);
      const offset = q.offset ?? 0;
      return { part: 'chunks', chunks: all.slice(offset, offset + (q.limit ?? DEFAULT_CHUNKS)), offset, total: all.length, size, overlap };
    }
    case 'summary':
      return {
        part: 'summary',
        format: doc.format,
        detection: doc.detection,
        extractor: doc.extractor,
        counters: doc.counters,
        chars: doc.fullText?.chars ?? result.text.length,
        spooled: !!doc.fullText,
        createdAt: result.createdAt,
      };
  }
}

/**
 * The last document's chunks, kept while it is paged through: chunking a long
 * document costs far more than slicing it, and a reader asks page after page
 * of the same one. A new result of the job (a re-run) has another creation
 * time or another text, and is chunked anew.
 */
let lastChunks: { key: string; markdown: string; chunks: ReturnType<typeof chunkDocument> } | undefined;

function chunksOf(id: string, result: StoredResult, size: number, overlap: number): ReturnType<typeof chunkDocument> {
  const key = `${id}\0${result.createdAt}\0${size}\0${overlap}`;
  if (lastChunks?.key !== key || lastChunks.markdown !== result.markdown) {
    const chunks = chunkDocument({ markdown: result.markdown, pages: result.document.pages }, { size, overlap });
    lastChunks = { key, markdown: result.markdown, chunks };
  }
  return lastChunks.chunks;
}

function resultOf(store: JobStore, job: Job): StoredResult {
  const result = store.result(job.id);
  if (!result) throw new NotFoundError(`Job ${job.shortId} (${job.fileName ?? job.kind}) has no result: it is ${job.status}.`);
  return result;
}

async function textSlice(job: Job, result: StoredResult, part: 'text' | 'markdown', offset: number, limit: number): Promise<TextSlice> {
  const full = result.document.fullText;
  const stored = part === 'text' ? result.text : result.markdown;
  if (!full || (part === 'markdown' && !full.markdownIsText)) return storedSlice(part, stored, offset, limit);
  const source = await openFullText(full, job.id);
  if (!source.ok) return { ...storedSlice(part, stored, offset, limit), note: source.note };
  try {
    const { text, done } = await sliceOfChunks(fullTextChunks(source.file), offset, limit);
    return { part, text, offset, total: full.chars, done, spooled: true };
  } finally {
    await source.file.close();
  }
}

/**
 * The whole text (or Markdown) in chunks, for a reader that wants all of it
 * (the CLI's `show --text`): a spooled text streamed from its file once,
 * not slice after slice from its start. The note says why only the stored
 * preview could be read, when that happened.
 */
export async function textChunks(store: JobStore, id: string, part: 'text' | 'markdown', onNote: (note: string) => void): Promise<AsyncGenerator<string>> {
  const job = store.resolve(id);
  const result = resultOf(store, job);
  const full = result.document.fullText;
  const stored = part === 'text' ? result.text : result.markdown;
  if (full && (part === 'text' || full.markdownIsText)) {
    const source = await openFullText(full, job.id);
    if (source.ok) return fileChunks(source.file);
    onNote(source.note);
  }
  return (async function* () {
    yield stored;
  })();
}

async function* fileChunks(file: FileHandle): AsyncGenerator<string> {
  try {
    yield* fullTextChunks(file);
  } finally {
    await file.close();
  }
}

function storedSlice(part: 'text' | 'markdown', text: string, offset: number, limit: number): TextSlice {
  return { part, text: text.slice(offset, offset + limit), offset, total: text.length, done: offset + limit >= text.length, spooled: false };
}

/** Characters [offset, offset + limit) of a stream of chunks, read no further than the slice (and one chunk to tell whether more follows). */
export async function sliceOfChunks(chunks: AsyncIterable<string>, offset: number, limit: number): Promise<{ text: string; done: boolean }> {
  const end = offset + limit;
  const pieces: string[] = [];
  let pos = 0;
  for await (const chunk of chunks) {
    if (pos >= end) return { text: pieces.join(''), done: false };
    const from = Math.max(0, offset - pos);
    const to = Math.min(chunk.length, end - pos);
    if (from < to) pieces.push(chunk.slice(from, to));
    pos += chunk.length;
    if (pos > end) return { text: pieces.join(''), done: false };
  }
  return { text: pieces.join(''), done: true };
}
