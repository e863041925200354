/**
 * The one result shape every extractor returns, whatever the format.
 *
 * Terminology:
 * - format: what the content is, detected from bytes first (magic numbers,
 *   text sniffing) and the file extension second.
 * - item: the unit an extractor counts for progress (a PDF page, a CSV row,
 *   a sheet, an entity...). `counters.items` feeds the job's progress.
 *
 * This module is pure (no node:, no DOM) so that workers, main and the
 * renderer all share it.
 */
import { z } from 'zod';

export const FORMATS = [
  'text',
  'markdown',
  'json',
  'xml',
  'csv',
  'tsv',
  'html',
  'pdf',
  'docx',
  'xlsx',
  'ods',
  'pptx',
  'eml',
  'msg',
  'image',
  'dxf',
  'ifc',
  'step',
  'zip',
  'encrypted-ooxml',
  'ics',
  'vcf',
  'tar',
  'gzip',
  'bzip2',
  'xz',
  '7z',
  'doc',
  'ppt',
  'xls',
  'mbox',
  'epub',
  'rtf',
  'odt',
  'odp',
  'unknown',
] as const;
export const formatSchema = z.enum(FORMATS);
export type Format = z.infer<typeof formatSchema>;

export const tableSchema = z.object({
  /** Where the table came from: "page 3", a sheet name, "table 2". */
  name: z.string().optional(),
  page: z.number().int().optional(),
  /** First row is the header when `hasHeader` is true. */
  rows: z.array(z.array(z.string())),
  hasHeader: z.boolean().default(true),
  /** The name of the table this one continues (a PDF table split across pages: same columns, no header of its own or the same one repeated). */
  continues: z.string().optional(),
});
export type Table = z.infer<typeof tableSchema>;

export const entitySchema = z.object({
  /** e.g. "link", "email", "heading", "IFCWALL", "LINE". */
  type: z.string(),
  value: z.string(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
export type Entity = z.infer<typeof entitySchema>;

export const detectionSchema = z.object({
  format: formatSchema,
  /** How the format was decided: "magic", "container", "sniff", "extension". */
  method: z.enum(['magic', 'container', 'sniff', 'extension', 'forced', 'none']),
  mime: z.string().optional(),
  encoding: z.string().optional(),
});
export type Detection = z.infer<typeof detectionSchema>;

/**
 * A text too large to keep in the job store (a 500 MB log, a huge CSV): the
 * worker streams the full decoded text, as UTF-8, to a file in the job's
 * spool folder, and the result's `text` holds only a preview of it. Exports
 * read the file, so they still carry every character.
 */
export const fullTextSchema = z.object({
  /** Absolute path of the UTF-8 file (inside the job's spool folder, removed with the job). */
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Code points and lines, counted as `counters` counts them. */
  chars: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
  /** Characters of the full text that the stored `text` preview holds. */
  previewChars: z.number().int().nonnegative(),
  /**
   * The result's Markdown is this same text (plain text): it is not stored a
   * second time, and exports stream the file for it too. False for a CSV,
   * whose Markdown is its table preview.
   */
  markdownIsText: z.boolean(),
});
export type FullText = z.infer<typeof fullTextSchema>;

/** File name of the full text inside a job's spool folder. */
export const FULL_TEXT_FILE = 'full-text.txt';

export const extractionResultSchema = z.object({
  format: formatSchema,
  detection: detectionSchema,
  /** Name and version of the extractor, recorded for re-runs when it improves. */
  extractor: z.object({ name: z.string(), version: z.string() }),
  text: z.string(),
  markdown: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  tables: z.array(tableSchema),
  entities: z.array(entitySchema),
  /** Per page (PDF) or per slide / sheet, when the format has such units. */
  pages: z
    .array(
      z.object({
        number: z.number().int(),
        text: z.string(),
        /** Set when the page's text was read by OCR (a scanned PDF page): the engine, language and mean word confidence (0-100). */
        ocr: z.object({ engine: z.string(), language: z.string(), confidence: z.number() }).optional(),
      }),
    )
    .optional(),
  /** Things the user should know: a malformed CSV row, an empty document... */
  warnings: z.array(z.string()),
  /**
   * Files the extractor wrote under the task's spoolDir (archive entries, e-mail
   * attachments): each becomes a child job of this one.
   */
  children: z.array(z.object({ path: z.string(), name: z.string(), size: z.number().int().nonnegative() })).optional(),
  counters: z.object({ items: z.number().int().nonnegative() }).catchall(z.number()),
  /** Set when `text` is a preview and the full text lives in a file (see fullTextSchema). */
  fullText: fullTextSchema.optional(),
  /**
   * Text the search index holds beside the document's own, and nothing else
   * shows or exports: every string value of an IFC or STEP model (label
   * "model strings"), which its readable text summarises. A hit in it names
   * the label instead of a page.
   */
  indexOnly: z.object({ label: z.string().max(100), text: z.string() }).optional(),
});
export type ExtractionResult = z.infer<typeof extractionResultSchema>;

/**
 * Extractors hand the full-text descriptor over in `metadata.fullText`,
 * because the worker entry assembles results field by field; main lifts it
 * to the result's own `fullText` field before storing.
 */
export function liftFullText(result: ExtractionResult): ExtractionResult {
  const { fullText, ...metadata } = result.metadata;
  const parsed = fullTextSchema.safeParse(fullText);
  if (!parsed.success) return result;
  return { ...result, metadata, fullText: parsed.data };
}

/** Error codes an extraction can end with; the category drives retries. */
export const ERROR_CODES = {
  unsupported_format: 'permanent',
  corrupt_file: 'permanent',
  /** A parser threw on this file's bytes (TypeError, assertion...): permanent, the same bytes fail the same way. */
  extractor_error: 'permanent',
  encrypted: 'permanent',
  file_not_found: 'permanent',
  permission_denied: 'permanent',
  not_a_file: 'permanent',
  too_large: 'permanent',
  resource_limit: 'permanent',
  file_busy: 'retryable',
  timeout: 'retryable',
  worker_crashed: 'retryable',
  /** The extraction host process died with this file in flight: it runs again, alone (see main/core/host). */
  host_crashed: 'retryable',
  /** This file killed the extraction host twice: never retried automatically. */
  extractor_crashed: 'permanent',
  internal: 'retryable',
  cancelled: 'permanent',
  dependency_failed: 'permanent',
  too_many_failures: 'permanent',
  unknown_step: 'permanent',
  invalid_definition: 'permanent',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorCategory = 'retryable' | 'permanent';
export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export function categoryOf(code: ErrorCode): ErrorCategory {
  return ERROR_CODES[code];
}

/**
 * A structured error that survives the trip from a worker thread to main:
 * workers throw it; the pool turns whatever arrives back into one.
 */
/**
 * How a person gives a password, for the messages of encrypted files: the
 * CLI's option and the app's place for it (the file's Error tab offers
 * "Retry with password", renderer/features/detail/PasswordRetry.tsx).
 */
/**
 * An `encrypted` error's details say `password: 'required'` (none was given)
 * or `'incorrect'` (the one given does not open it) only where a password
 * can open the file; the window offers "Retry with password" on those alone.
 */
export type PasswordNeed = 'required' | 'incorrect';

export const GIVE_PASSWORD = 'give it with --password, or in the app with "Retry with password" on the file\'s Error tab';

export class ExtractionError extends Error {
  override name = 'ExtractionError';
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
  get category(): ErrorCategory {
    return categoryOf(this.code);
  }
}

/** What crosses the thread boundary for an error (Error objects lose fields). */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The message a worker posts on its progress port. The worker closes the port when it is done. */
export interface ProgressMessage {
  processed: number;
  total: number;
}

/** The task the main thread sends to the extraction worker: paths, never bytes. */
export interface ExtractTask {
  path: string;
  /** Per-job options, e.g. { password, mainContentOnly, encoding }. */
  options: Record<string, unknown>;
  /** A folder this job may write extracted entries and attachments to (see `children`). */
  spoolDir?: string;
  /** Shared memory the worker writes Date.now() into when it starts the task (its time limit counts from then). */
  started?: Float64Array;
}

/**
 * The worker's second task (piscina `name: 'hash'`): the file's sha256, read
 * as a stream, so main can reuse a stored result for identical content
 * before paying for an extraction.
 */
export type HashOutcome = { ok: true; sha256: string; size: number } | { ok: false; error: SerializedError };

/** What the extraction worker returns: errors as values, so no field is lost in transit. */
export type WorkerOutcome =
  | {
      ok: true;
      result: ExtractionResult;
      /** sha256 of the file's bytes, hex. */ sha256?: string;
      /** When a worker thread began this file (Date.now()): a job's duration starts here, not when it was claimed and queued. */
      startedAt?: number;
      /** When it finished the file: a file of a group waits for the rest of its group before its result travels back. */
      finishedAt?: number;
      /** A remote worker that ran it ("name@host", set by the owner's dispatcher); absent: this machine. */
      ranBy?: string;
    }
  | { ok: false; error: SerializedError };

/**
 * The worker's group task (piscina `name: 'runMany'`): several small files in
 * one thread hop. `state` is shared memory: state[0] is the index of the
 * file being extracted (-1 before the first), so main knows which file was
 * running if the thread dies or hangs; state[1 + i] = 1 tells the worker to
 * skip file i (it was cancelled before its turn).
 */
export interface GroupTask {
  tasks: ExtractTask[];
  state: Int32Array;
}

/** One outcome per task (null: skipped, cancelled), and the worker's time spent on them. */
export interface GroupOutcome {
  outcomes: Array<WorkerOutcome | null>;
  ms: number;
}
