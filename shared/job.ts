/**
 * The job model, shared by the store, the CLI, the IPC contract and the UI.
 *
 * Terminology (the words the code, its comments and its messages use):
 * - job: one unit of durable work, a row of the store; usually "extract this file".
 * - file job: a job that runs its file through a definition (kind "extract").
 * - batch: a job that runs nothing itself and ends when its children have
 *   (a folder, several files dropped together, a container's entries).
 * - child: a job inside a batch (its parent).
 * - container: a file that holds files (an archive, an e-mail): its job stores
 *   its own result and becomes the batch of its entries.
 * - definition: a named, versioned pipeline of steps that a file job runs.
 * - step: one stage of a definition: extract, transform or export.
 * - executor: what runs a claimed job for the scheduler (the pipeline), or one
 *   step of it (a step executor).
 * - extraction host: the child process that runs the pool, so a file that
 *   crashes extraction takes down only it ("the extraction process" in messages).
 * - pool: the worker threads, inside the extraction host, that read and parse files.
 * - group: small files sent to a worker thread together, as one task.
 * - intake: dropped or watched paths becoming jobs (walk the folders, insert the rows).
 * - spool: the folder beside the database where an extraction writes what a job
 *   produced besides its result (entries, attachments, a large file's full text).
 * - lease: how long a running job stays its owner's; renewed while it runs,
 *   recovered by another process once it expires.
 * - owner: the process that claimed a running job (host:pid:random).
 * - attempt: one run of a job; a job may take several (retries).
 * - retry: another attempt, automatic after a retryable error (with backoff,
 *   up to max_retries), or asked by a person for a failed, cancelled or partial job.
 * - rerun: a finished job run again, even a completed one (forced, or a newer extractor).
 * - dedup: a job reusing the stored result of a completed job with the same
 *   content and options instead of extracting again.
 * - terminal: completed, failed, cancelled or partial; only a retry or a rerun
 *   moves a terminal job again, and only terminal jobs may be deleted.
 * - due: pending, and its backoff and delayed start (if any) have passed.
 *
 * The schemas check what crosses the IPC boundary; the store maps its rows
 * without them (on its hot path, see main/core/store/rows.ts), and tests
 * parse its output with them.
 */
import { z } from 'zod';
import { errorCodeSchema, formatSchema } from './extraction.js';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'partial'] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'partial'];
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A container (an e-mail, an archive): a batch of its entries that keeps a result of its own (store/completion.ts). */
export function isContainer(job: { kind: string; resultSummary: unknown }): boolean {
  return job.kind === 'batch' && job.resultSummary !== null;
}

export const errorCategorySchema = z.enum(['retryable', 'permanent']);

export const FAILURE_ACTIONS = ['stop_all', 'continue', 'mark_warning'] as const;
export const failureActionSchema = z.enum(FAILURE_ACTIONS);
export type FailureAction = z.infer<typeof failureActionSchema>;

/**
 * Bits of `blocked`: why a pending job is held back. `filling` is a batch's
 * own: its files are still being added (a big folder is queued in chunks, and
 * its first files run meanwhile), so it cannot end yet.
 */
export const BLOCKED = { batchPaused: 1, waitingForDependencies: 2, filling: 4 } as const;

export const resultSummarySchema = z
  .object({
    items: z.number().int().nonnegative(),
    pages: z.number().int().optional(),
    tables: z.number().int().optional(),
    entities: z.number().int().optional(),
    warnings: z.number().int().optional(),
    chars: z.number().int().optional(),
    /** The text is a preview: the full text is in the spool folder (a file over 32 MB). */
    spooled: z.boolean().optional(),
    /** Entity types found, with counts (e.g. {link: 12, heading: 4}). */
    types: z.record(z.string(), z.number()).optional(),
    title: z.string().optional(),
  })
  .passthrough();
export type ResultSummary = z.infer<typeof resultSummarySchema>;

export const jobSchema = z.object({
  /** Insertion order; the keyset cursor for listing. */
  seq: z.number().int(),
  id: z.string().uuid(),
  /** First 8 characters of the id: what people type (git-style prefixes work too). */
  shortId: z.string(),
  kind: z.string(),
  /** Where the job came from: cli, app, folder, archive, watch, schedule. */
  source: z.string(),
  sourcePath: z.string().nullable(),
  fileName: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  contentHash: z.string().nullable(),
  format: formatSchema.nullable(),
  options: z.record(z.string(), z.unknown()),
  status: jobStatusSchema,
  priority: z.number().int(),
  total: z.number().int(),
  processed: z.number().int(),
  successful: z.number().int(),
  failed: z.number().int(),
  retryCount: z.number().int(),
  maxRetries: z.number().int(),
  nextRetryAt: z.number().int().nullable(),
  timeoutMs: z.number().int().nullable(),
  errorCode: errorCodeSchema.nullable(),
  errorCategory: errorCategorySchema.nullable(),
  errorMessage: z.string().nullable(),
  errorDetails: z.record(z.string(), z.unknown()).nullable(),
  resultSummary: resultSummarySchema.nullable(),
  parentId: z.string().nullable(),
  /** Bits of BLOCKED: a pending job held back by a paused batch or unmet dependencies. */
  blocked: z.number().int(),
  /** A delayed job is not due before this time. */
  runAt: z.number().int().nullable(),
  /** Batches: failed children tolerated (0 = no limit) and what happens past that. */
  maxChildFailures: z.number().int(),
  failureAction: failureActionSchema,
  onDependencyFailure: z.enum(['fail', 'skip']),
  /** A finished job's caveat, e.g. a batch completed with failures under mark_warning. */
  warning: z.string().nullable(),
  definition: z.string().nullable(),
  definitionVersion: z.number().int().nullable(),
  stepIndex: z.number().int(),
  /** Dedup: the job whose stored result was reused for identical content. */
  reusedFrom: z.string().nullable(),
  createdAt: z.number().int(),
  startedAt: z.number().int().nullable(),
  completedAt: z.number().int().nullable(),
  updatedAt: z.number().int(),
});
export type Job = z.infer<typeof jobSchema>;

export const jobEventSchema = z.object({
  /** The event's place in its job's history, from 1 (the job's creation). */
  id: z.number().int(),
  jobId: z.string(),
  at: z.number().int(),
  fromStatus: jobStatusSchema.nullable(),
  toStatus: jobStatusSchema,
  attempt: z.number().int(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** Who ran the attempt: "local" (this machine's extraction host) or a remote worker ("name@host"); null when unknown or not run. */
  ranBy: z.string().nullable().optional(),
  /** The extractor that produced the attempt's result, with its version ("pdf 3.1.0"). */
  extractor: z.string().nullable().optional(),
});
export type JobEvent = z.infer<typeof jobEventSchema>;

export const jobStatsSchema = z.object({
  /** File jobs (batch parents are counted in `batches`). */
  total: z.number().int(),
  byStatus: z.record(jobStatusSchema, z.number().int()),
  byFormat: z.record(z.string(), z.number().int()),
  bySource: z.record(z.string(), z.number().int()),
  batches: z.record(jobStatusSchema, z.number().int()),
  /** Items (pages, rows, entities...) extracted by completed and partial jobs. */
  itemsExtracted: z.number().int(),
  /** Durations of the most recent finished jobs (up to 1,000), in ms; null when none. */
  avgDurationMs: z.number().nullable(),
  p50DurationMs: z.number().nullable(),
  p95DurationMs: z.number().nullable(),
  /** Jobs finished in the last minute and the last hour. */
  finishedLastMinute: z.number().int(),
  finishedLastHour: z.number().int(),
});
export type JobStats = z.infer<typeof jobStatsSchema>;

/** Filters the dashboard, the CLI and the contract use to list jobs. */
export const jobFilterSchema = z.object({
  status: jobStatusSchema.optional(),
  format: formatSchema.optional(),
  parentId: z.string().max(64).optional(),
  /** 'extract' (file jobs) or 'batch'. */
  kind: z.string().max(32).optional(),
  /** Text in the file name or the error message. */
  search: z.string().max(500).optional(),
  /** Created at or after / before these times (ms since the epoch). */
  createdFrom: z.number().int().optional(),
  createdTo: z.number().int().optional(),
  /** Jobs that exhausted their retries on a retryable error. */
  deadLetter: z.boolean().optional(),
  sort: z.enum(['newest', 'oldest']).default('newest'),
  limit: z.number().int().min(1).max(1000).default(100),
  /** Keyset cursor: the `seq` of the last row of the previous page. */
  before: z.number().int().optional(),
});
export type JobFilter = z.input<typeof jobFilterSchema>;
