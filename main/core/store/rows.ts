/**
 * Rows to jobs and back: the store's types and the mapping from SQLite rows.
 * The mapping trusts the row: the schema version (refused when newer, migrated
 * when older) and the table's CHECKs guarantee its shape, and this runs twice
 * per job on the scheduler's hot path, where a zod parse of every row cost
 * more than the UPDATE that produced it. Tests parse its output with the
 * shared zod schema (test/integration/store), and every payload is validated
 * again at the IPC boundary.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ErrorCode, ExtractionResult, Format } from '../../../shared/extraction.js';
import { type FailureAction, type Job, type ResultSummary } from '../../../shared/job.js';

export interface NewJob {
  kind?: string;
  /** Where it came from: cli, app, folder, archive, watch, schedule. */
  source?: string;
  sourcePath?: string;
  fileName?: string;
  sizeBytes?: number;
  format?: Format;
  options?: Record<string, unknown>;
  priority?: number;
  maxRetries?: number;
  timeoutMs?: number;
  parentId?: string;
  /** Not due before this time (ms since the epoch). */
  runAt?: number;
  /** Ids of jobs that must complete first. */
  dependsOn?: string[];
  onDependencyFailure?: 'fail' | 'skip';
  maxChildFailures?: number;
  failureAction?: FailureAction;
  definition?: string;
  definitionVersion?: number;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** Who ran the attempt that ended in this error ("local", or a remote worker): recorded in the job's history. */
  ranBy?: string;
}

export interface Progress {
  total: number;
  successful: number;
  failed: number;
}

export interface StoredResult {
  jobId: string;
  format: string;
  extractor: string;
  extractorVersion: string;
  text: string;
  markdown: string;
  document: Omit<ExtractionResult, 'text' | 'markdown'>;
  createdAt: number;
}

export type Row = Record<string, unknown>;

const parseJson = (v: unknown): any => (typeof v === 'string' ? JSON.parse(v) : null);

function mapJob(get: (column: string) => unknown): Job {
  return {
    seq: get('seq'),
    id: get('id'),
    shortId: String(get('id')).slice(0, 8),
    kind: get('kind'),
    source: get('source'),
    sourcePath: get('source_path'),
    fileName: get('file_name'),
    sizeBytes: get('size_bytes'),
    contentHash: get('content_hash'),
    format: get('format'),
    options: parseJson(get('options')) ?? {},
    status: get('status'),
    priority: get('priority'),
    total: get('total'),
    processed: get('processed'),
    successful: get('successful'),
    failed: get('failed'),
    retryCount: get('retry_count'),
    maxRetries: get('max_retries'),
    nextRetryAt: get('next_retry_at'),
    timeoutMs: get('timeout_ms'),
    errorCode: get('error_code'),
    errorCategory: get('error_category'),
    errorMessage: get('error_message'),
    errorDetails: parseJson(get('error_details')),
    resultSummary: parseJson(get('result_summary')),
    parentId: get('parent_id'),
    blocked: get('blocked'),
    runAt: get('run_at'),
    maxChildFailures: get('max_child_failures'),
    failureAction: get('failure_action'),
    onDependencyFailure: get('on_dependency_failure'),
    warning: get('warning'),
    definition: get('definition'),
    definitionVersion: get('definition_version'),
    stepIndex: get('step_index'),
    reusedFrom: get('reused_from'),
    createdAt: get('created_at'),
    startedAt: get('started_at'),
    completedAt: get('completed_at'),
    updatedAt: get('updated_at'),
  } as Job;
}

export function rowToJob(r: Row): Job {
  return mapJob((column) => r[column]);
}

/** What a completion changes in a job's row: all that completeMany reads back. */
export const FINISH_COLUMNS =
  'seq, status, updated_at, started_at, completed_at, format, content_hash, result_summary, total, processed, successful, failed, warning, reused_from, step_index';

/** A running job as claimed, with the columns its completion changed (FINISH_COLUMNS). */
export function withFinish(job: Job, r: Row): Job {
  return {
    ...job,
    status: r.status,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    format: r.format,
    contentHash: r.content_hash,
    resultSummary: parseJson(r.result_summary),
    total: r.total,
    processed: r.processed,
    successful: r.successful,
    failed: r.failed,
    warning: r.warning,
    reusedFrom: r.reused_from,
    stepIndex: r.step_index,
    errorCode: null,
    errorCategory: null,
    errorMessage: null,
    errorDetails: null,
  } as Job;
}

/**
 * The same mapping for rows read in better-sqlite3's raw mode (arrays of
 * values): the scheduler reads every claimed and finished job back, and
 * having the driver build a 45-key object per row first cost about as much
 * as the UPDATE. Pass the statement's columns().
 */
export function jobReader(columns: ReadonlyArray<{ name: string }>): (values: unknown[]) => Job {
  const index = new Map(columns.map((c, i) => [c.name, i]));
  return (values) => mapJob((column) => values[index.get(column)!]);
}

/**
 * What the results row's markdown column holds when the markdown is the text
 * itself (plain text, CSV, most small files): a zero-length BLOB, which no
 * markdown is (a stored markdown is TEXT). Storing the text twice made a
 * small file's result row too big to share a page with the next one, so each
 * completion wrote a page of its own to the WAL.
 */
export const MARKDOWN_IS_TEXT: Uint8Array = new Uint8Array(0);

export function rowToResult(r: Row): StoredResult {
  return {
    jobId: String(r.job_id),
    format: String(r.format),
    extractor: String(r.extractor),
    extractorVersion: String(r.extractor_version),
    text: String(r.text),
    markdown: r.markdown instanceof Uint8Array ? String(r.text) : String(r.markdown),
    document: JSON.parse(String(r.document)),
    createdAt: Number(r.created_at),
  };
}

/** A summary small enough to list: counts and the title, not the content. */
export function summarize(result: ExtractionResult): ResultSummary {
  const types: Record<string, number> = {};
  for (const e of result.entities) types[e.type] = (types[e.type] ?? 0) + 1;
  const title = result.metadata.title;
  return {
    items: result.counters.items,
    pages: result.pages?.length ?? (typeof result.counters.pages === 'number' ? result.counters.pages : undefined),
    tables: result.tables.length,
    entities: result.entities.length,
    warnings: result.warnings.length,
    chars: result.text.length,
    ...(result.fullText ? { spooled: true } : {}),
    types,
    ...(typeof title === 'string' && title ? { title } : {}),
  };
}

/** Identifies this process as a lease owner: host, pid and a random part. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** True when the owner is a process on this host that no longer exists. */
export function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pidText] = owner.split(':');
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid)) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
