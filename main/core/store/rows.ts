/**
 * Rows to jobs and back: the store's types and the mapping from SQLite rows,
 * checked by the shared zod schema (rows outlive code versions).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ErrorCode, ExtractionResult, Format } from '../../../shared/extraction.js';
import { jobSchema, type FailureAction, type Job, type ResultSummary } from '../../../shared/job.js';

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

export function rowToJob(r: Row): Job {
  return jobSchema.parse({
    seq: r.seq,
    id: r.id,
    shortId: String(r.id).slice(0, 8),
    kind: r.kind,
    source: r.source,
    sourcePath: r.source_path,
    fileName: r.file_name,
    sizeBytes: r.size_bytes,
    contentHash: r.content_hash,
    format: r.format,
    options: parseJson(r.options) ?? {},
    status: r.status,
    priority: r.priority,
    total: r.total,
    processed: r.processed,
    successful: r.successful,
    failed: r.failed,
    retryCount: r.retry_count,
    maxRetries: r.max_retries,
    nextRetryAt: r.next_retry_at,
    timeoutMs: r.timeout_ms,
    errorCode: r.error_code,
    errorCategory: r.error_category,
    errorMessage: r.error_message,
    errorDetails: parseJson(r.error_details),
    resultSummary: parseJson(r.result_summary),
    parentId: r.parent_id,
    blocked: r.blocked,
    runAt: r.run_at,
    maxChildFailures: r.max_child_failures,
    failureAction: r.failure_action,
    onDependencyFailure: r.on_dependency_failure,
    warning: r.warning,
    definition: r.definition,
    definitionVersion: r.definition_version,
    stepIndex: r.step_index,
    reusedFrom: r.reused_from,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    updatedAt: r.updated_at,
  });
}

export function rowToResult(r: Row): StoredResult {
  return {
    jobId: String(r.job_id),
    format: String(r.format),
    extractor: String(r.extractor),
    extractorVersion: String(r.extractor_version),
    text: String(r.text),
    markdown: String(r.markdown),
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
