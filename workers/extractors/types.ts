/**
 * The contract between the worker entry and the per-format extractors.
 *
 * An extractor is a pure function of the file: it gets the path, the
 * detection and the options, reads the bytes through `input.read()`, and
 * returns result parts. The worker adds format, detection, extractor name
 * and version, defaults, and validation, so extractors stay small.
 */
import type { Readable } from 'node:stream';
import type { Detection, Entity, ExtractionResult, Format, Table } from '../../shared/extraction';

/** Options the worker understands (from ExtractTask.options; unknown keys ignored). */
export interface ExtractOptions {
  /** PDF (and later other) password. */
  password?: string;
  /** Forced text encoding, e.g. "windows-1252". */
  encoding?: string;
  /** Forced format, skipping detection. */
  format?: Format;
  /** Largest file accepted, in bytes (default 1 GiB). */
  maxBytes?: number;
  /** HTML: keep only <main>/<article> content. */
  mainContentOnly?: boolean;
  /** CSV: forced delimiter. */
  delimiter?: string;
  /** Upper bound for one parsing step (loading a PDF, OCR of an image), in ms (default 60 s). */
  stepTimeoutMs?: number;
  /** PDF: a document declaring more pages is refused as resource_limit (default 10,000; see extractors/pdf). */
  maxPages?: number;
  /** PDF: time one page may take, in ms, before the file fails as resource_limit (default 30 s). */
  pageBudgetMs?: number;
  /**
   * OCR of images and of PDF pages without a text layer (default true;
   * `ocr: false` skips it). Images are first probed for text, and a photo
   * without any is not read whole; `"always"` reads every image whole.
   */
  ocr: boolean | 'always';
  /** PDF: pages OCR'd at most per file (default 100); later scanned pages are left without text, with a warning. */
  ocrMaxPages?: number;
  /** PDF: OCR time per file, in ms (default 5 min); pages after it are left without text, with a warning. */
  ocrBudgetMs?: number;
  /** OCR language(s) shipped with the app, e.g. "eng" (default). */
  ocrLanguage?: string;
  /** How deep this file sits in archives: 0 for a file the user added, parent + 1 for a child. */
  depth: number;
  /** Archives at this depth or deeper are listed, not unpacked (default 3). */
  maxDepth?: number;
  /** Archive limits against zip bombs (defaults in extractors/zip). */
  maxEntries?: number;
  maxEntryBytes?: number;
  maxTotalBytes?: number;
  maxRatio?: number;
}

export interface ExtractInput {
  path: string;
  size: number;
  detection: Detection;
  options: ExtractOptions;
  /** The whole file; read once on first call. */
  read(): Promise<Buffer>;
  /**
   * The file as a stream, for formats parsed incrementally (a 500 MB IFC
   * must not be read whole). The worker hashes what passes through.
   */
  stream(opts?: { highWaterMark?: number }): Readable;
  /** Folder this job may write children to (archive entries, attachments); none = list only. */
  spoolDir?: string;
}

export interface ExtractContext {
  /** Progress in the extractor's own items (pages, rows...). The worker throttles it. */
  progress(processed: number, total: number): void;
}

export interface ExtractionParts {
  text: string;
  markdown?: string;
  metadata?: Record<string, unknown>;
  tables?: Table[];
  entities?: Entity[];
  pages?: NonNullable<ExtractionResult['pages']>;
  warnings?: string[];
  counters?: { items: number } & Record<string, number>;
  /** Text encoding actually used for the whole file (overrides the head-based guess). */
  encoding?: string;
  /** Files written under input.spoolDir, each to become a child job. */
  children?: NonNullable<ExtractionResult['children']>;
  /** Searchable only (see ExtractionResult's indexOnly): a model's string values. */
  indexOnly?: ExtractionResult['indexOnly'];
}

export interface Extractor {
  /** Stable identifier stored with each result. */
  name: string;
  /** Bump when output for the same file changes, so stored results can be re-run. */
  version: string;
  formats: readonly Format[];
  extract(input: ExtractInput, ctx: ExtractContext): Promise<ExtractionParts>;
}

/** Human label for messages: "PDF", "CSV", "Markdown"... */
export function formatLabel(format: Format): string {
  switch (format) {
    case 'text':
      return 'text';
    case 'markdown':
      return 'Markdown';
    case 'image':
      return 'image';
    case 'unknown':
      return 'unrecognised';
    case 'step':
      return 'STEP';
    case 'encrypted-ooxml':
      return 'encrypted Office';
    case 'ics':
      return 'iCalendar';
    case 'vcf':
      return 'vCard';
    default:
      return format.toUpperCase();
  }
}
