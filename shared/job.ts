/**
 * The job model, shared by the store, the CLI, the IPC contract and the UI.
 *
 * Terminology:
 * - job: one unit of durable work, usually "extract this file".
 * - attempt: one run of a job in the pool; a job may take several (retries).
 * - terminal: completed, failed, cancelled or partial; only `retry` moves a
 *   terminal job again, and only terminal jobs may be deleted.
 * - due: pending and its next_retry_at (if any) has passed.
 *
 * The schemas double as row parsers: rows outlive code versions, so the store
 * checks what it reads.
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

export const errorCategorySchema = z.enum(['retryable', 'permanent']);

export const resultSummarySchema = z
  .object({
    items: z.number().int().nonnegative(),
    pages: z.number().int().optional(),
    tables: z.number().int().optional(),
    entities: z.number().int().optional(),
    warnings: z.number().int().optional(),
    chars: z.number().int().optional(),
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
  createdAt: z.number().int(),
  startedAt: z.number().int().nullable(),
  completedAt: z.number().int().nullable(),
  updatedAt: z.number().int(),
});
export type Job = z.infer<typeof jobSchema>;

export const jobEventSchema = z.object({
  id: z.number().int(),
  jobId: z.string(),
  at: z.number().int(),
  fromStatus: jobStatusSchema.nullable(),
  toStatus: jobStatusSchema,
  attempt: z.number().int(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export type JobEvent = z.infer<typeof jobEventSchema>;

export const jobStatsSchema = z.object({
  total: z.number().int(),
  byStatus: z.record(jobStatusSchema, z.number().int()),
  byFormat: z.record(z.string(), z.number().int()),
  bySource: z.record(z.string(), z.number().int()),
  /** Over completed (and partial) jobs, in milliseconds; null when none. */
  avgDurationMs: z.number().nullable(),
  itemsExtracted: z.number().int(),
});
export type JobStats = z.infer<typeof jobStatsSchema>;

/** Filters the dashboard, the CLI and the contract use to list jobs. */
export const jobFilterSchema = z.object({
  status: jobStatusSchema.optional(),
  format: formatSchema.optional(),
  parentId: z.string().optional(),
  search: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  /** Keyset cursor: the `seq` of the last row of the previous page. */
  before: z.number().int().optional(),
});
export type JobFilter = z.input<typeof jobFilterSchema>;
