/**
 * Export of finished jobs to files: JSON Lines (everything), JSON (one array)
 * or CSV (one row a job, the text in a column); Markdown (export-markdown.ts)
 * and SQLite (export-sqlite.ts) have modules of their own. What is exported
 * is what the person looks at (shared/export-filter.ts); by default every
 * finished file. Failed jobs are included with their error, so an export
 * accounts for every file; cancelled ones are not. A container (an e-mail,
 * an archive) has its own record as well as its entries, which name it in
 * `container`. Streams row by row, so a large store is exported without
 * holding it all.
 *
 * A result whose text is a preview (fullText, a large file) is exported with
 * its full text, streamed from the file a chunk at a time: the record is
 * serialised with placeholders, and each placeholder is replaced on the way
 * out by the file's text, escaped chunk by chunk (JSON, or CSV quoting).
 *
 * CSV cells that a spreadsheet would run as a formula (=, +, -, @, TAB, CR
 * first) are exported as text: extracted text is untrusted.
 */
import { randomUUID } from 'node:crypto';
import Papa from 'papaparse';
import type { ExportFormat } from '../../shared/contract.js';
import type { ExportFilter } from '../../shared/export-filter.js';
import type { FullText } from '../../shared/extraction.js';
import { isContainer, type Job } from '../../shared/job.js';
import { fullTextChunks, openFullText, writeJsonWithFullText, type Write } from './full-text.js';
import type { JobStore, StoredResult } from './store/job-store.js';
import type { ExportRow } from './store/export-query.js';
import { resolveInside } from './contain.js';
import { openWriter } from './export-writer.js';
import { exportMarkdown, type MarkdownLayout } from './export-markdown.js';
import { exportSqlite } from './export-sqlite.js';
import { exportChunks } from './export-chunks.js';
import type { ChunkOptions } from '../../shared/chunks.js';

export interface ExportSummary {
  /** The file written; for the Markdown folder, its index. */
  file: string;
  format: ExportFormat;
  jobs: number;
  bytes: number;
  /** A filter with a query: results still owed to the full-text index, which the export could not find (absent when none). */
  indexing?: number;
}

/** The formats written a record at a time by this module. */
type RecordFormat = Exclude<ExportFormat, 'md' | 'sqlite' | 'chunks'>;

export interface ExportOptions {
  filter?: ExportFilter;
  /** Markdown only: a folder of files with an index (the default), or one combined file (what a browser can download). */
  markdownLayout?: MarkdownLayout;
  /** Chunks only: target size, overlap and unit (export-chunks.ts). */
  chunking?: Partial<ChunkOptions>;
}

const CSV_COLUMNS = [
  'id',
  'file_name',
  'source_path',
  'format',
  'status',
  'kind',
  'container',
  'content_hash',
  'extractor',
  'title',
  'pages',
  'items',
  'tables',
  'entities',
  'warnings',
  'error',
  'text',
] as const;

export function exportRecord(job: Job, result: StoredResult | undefined) {
  return {
    id: job.id,
    fileName: job.fileName,
    sourcePath: job.sourcePath,
    format: job.format,
    status: job.status,
    /** 'container' for an e-mail or archive whose entries have records of their own. */
    kind: isContainer(job) ? ('container' as const) : ('file' as const),
    /** The container this file came out of (an attachment, an archive entry), or null for a file the person gave. */
    container: job.source === 'archive' ? job.parentId : null,
    /** A container's entries. */
    entries: isContainer(job) ? job.total : null,
    contentHash: job.contentHash,
    sizeBytes: job.sizeBytes,
    completedAt: job.completedAt ? new Date(job.completedAt).toISOString() : null,
    extractor: result ? { name: result.extractor, version: result.extractorVersion } : null,
    text: result?.text ?? '',
    markdown: result?.markdown ?? '',
    metadata: result?.document.metadata ?? {},
    tables: result?.document.tables ?? [],
    entities: result?.document.entities ?? [],
    pages: result?.document.pages ?? [],
    warnings: result?.document.warnings ?? [],
    counters: result?.document.counters ?? { items: 0 },
    error: job.errorCode ? { code: job.errorCode, category: job.errorCategory, message: job.errorMessage } : null,
  };
}

function csvFields(job: Job, result: StoredResult | undefined): string[] {
  const r = exportRecord(job, result);
  const title = typeof r.metadata.title === 'string' ? r.metadata.title : '';
  return [
    r.id,
    r.fileName ?? '',
    r.sourcePath ?? '',
    r.format ?? '',
    r.status,
    r.kind,
    r.container ?? '',
    r.contentHash ?? '',
    r.extractor ? `${r.extractor.name}@${r.extractor.version}` : '',
    title,
    String(r.pages.length || (r.counters.pages ?? '')),
    String(r.counters.items),
    String(r.tables.length),
    String(r.entities.length),
    r.warnings.join(' | '),
    r.error ? `${r.error.code}: ${r.error.message}` : '',
    r.text,
  ];
}

/**
 * OWASP's rule, as papaparse's escapeFormulae, but over the whole cell:
 * papaparse's own pattern ends in `.*$`, which misses a cell with a line break.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const CSV_OPTIONS = { newline: '\r\n', escapeFormulae: FORMULA_START } as const;

function csvRow(job: Job, result: StoredResult | undefined): string {
  return Papa.unparse([csvFields(job, result)], CSV_OPTIONS) + '\r\n';
}

/** The stored result as it reads without its full text: the preview, and a warning saying so. */
function previewOnly(result: StoredResult, full: FullText, note: string): StoredResult {
  // Without fullText, so it is written as any other record.
  const { fullText: _, ...rest } = result.document;
  const document = { ...rest, warnings: [...rest.warnings, note] };
  return { ...result, markdown: full.markdownIsText ? result.text : result.markdown, document };
}

/** One record whose text (and Markdown, when it is the text) streams from the full-text file. */
async function writeFullTextRecord(format: RecordFormat, job: Job, result: StoredResult, full: FullText, first: boolean, write: Write): Promise<void> {
  const source = await openFullText(full, job.id);
  if (!source.ok) return writeRecord(format, job, previewOnly(result, full, source.note), first, write);
  try {
    const streamText = async (escape: (s: string) => string) => {
      for await (const chunk of fullTextChunks(source.file)) await write(escape(chunk));
    };
    if (format === 'csv') {
      // Text is the last column: the other fields, then the text always quoted.
      const fields = csvFields(job, result).slice(0, -1);
      await write(Papa.unparse([fields], CSV_OPTIONS) + ',"');
      let first = true;
      await streamText((s) => {
        const escaped = (first && FORMULA_START.test(s) ? `'${s}` : s).replace(/"/g, '""');
        if (s) first = false;
        return escaped;
      });
      await write('"\r\n');
      return;
    }
    const marker = `quarry-full-text-${randomUUID()}`;
    const record = { ...exportRecord(job, result), text: marker, ...(full.markdownIsText ? { markdown: marker } : {}) };
    if (format === 'json' && !first) await write(',\n');
    await writeJsonWithFullText(record, marker, source.file, write);
    if (format === 'jsonl') await write('\n');
  } finally {
    await source.file.close();
  }
}

async function writeRecord(format: RecordFormat, job: Job, result: StoredResult | undefined, first: boolean, write: Write): Promise<void> {
  const full = result?.document.fullText;
  if (result && full) return writeFullTextRecord(format, job, result, full, first, write);
  if (format === 'csv') await write(csvRow(job, result));
  else if (format === 'json') await write((first ? '' : ',\n') + JSON.stringify(exportRecord(job, result)));
  else await write(JSON.stringify(exportRecord(job, result)) + '\n');
}

/** Writes the jobs the filter selects (every finished file by default) to `outDir`. */
export async function exportResults(store: JobStore, outDir: string, format: ExportFormat, opts: ExportOptions = {}): Promise<ExportSummary> {
  const { rows, indexing } = store.exportSelection(opts.filter);
  const summary = await writeExport(rows, outDir, format, opts);
  return indexing ? { ...summary, indexing } : summary;
}

async function writeExport(rows: Generator<ExportRow>, outDir: string, format: ExportFormat, opts: ExportOptions): Promise<ExportSummary> {
  if (format === 'md') return exportMarkdown(rows, outDir, opts.markdownLayout ?? 'folder');
  if (format === 'sqlite') return exportSqlite(rows, outDir, opts.filter ?? {});
  if (format === 'chunks') return exportChunks(rows, outDir, opts.chunking);
  const target = await resolveInside(outDir, `quarry-results.${format}`, 'write');
  if (!target.ok) throw new Error(`Cannot write quarry-results.${format} in ${outDir}: something that is not a file has that name.`);
  const file = target.path;
  const { write, close } = openWriter(file);
  let jobs = 0;
  if (format === 'csv') await write('\uFEFF' + Papa.unparse([CSV_COLUMNS as unknown as string[]]) + '\r\n');
  if (format === 'json') await write('[\n');
  for (const { job, result } of rows) {
    await writeRecord(format, job, result, jobs === 0, write);
    jobs++;
  }
  if (format === 'json') await write('\n]\n');
  return { file, format, jobs, bytes: await close() };
}
