/**
 * The jobs list at scale (issue 14): a filter that combines status, format,
 * batch, text and a date range; a server-side sort on any column, both ways;
 * a window at an offset (the renderer scrolls through 100,000 rows by
 * fetching the windows around its viewport); and bulk actions on a selection
 * of ids or on everything matching a filter. The SQL lives in
 * main/core/store/list-query.ts.
 */
import { z } from 'zod';
import { formatSchema } from './extraction.js';
import { jobSchema, jobStatusSchema } from './job.js';

export const LIST_SORT_KEYS = ['name', 'format', 'status', 'size', 'duration', 'created', 'finished'] as const;
export const listSortKeySchema = z.enum(LIST_SORT_KEYS);
export type ListSortKey = z.infer<typeof listSortKeySchema>;

export const listSortSchema = z.object({ key: listSortKeySchema, dir: z.enum(['asc', 'desc']) }).strict();
export type ListSort = z.infer<typeof listSortSchema>;
export const DEFAULT_SORT: ListSort = { key: 'created', dir: 'desc' };

/** Which file jobs (never batch parents) a list, a count or a bulk action covers. Every field narrows. */
export const listFilterSchema = z
  .object({
    status: z.array(jobStatusSchema).min(1).max(6).optional(),
    format: z.array(formatSchema).min(1).max(64).optional(),
    /** A batch's id: its direct children. */
    batch: z.string().min(1).max(64).optional(),
    /** Text in the file name or the error message, or the start of the id. */
    text: z.string().min(1).max(200).optional(),
    /** Created at or after / before these times (ms since the epoch). */
    createdFrom: z.number().int().min(0).optional(),
    createdTo: z.number().int().min(0).optional(),
    /**
     * Only jobs inserted up to this seq: "all N matching" stays those N when
     * files arrive between the count and the action (the list's `maxSeq`).
     */
    upToSeq: z.number().int().min(0).optional(),
  })
  .strict();
export type ListFilter = z.infer<typeof listFilterSchema>;

/** Rows per window at most; the renderer asks for ~100 around its viewport. */
export const LIST_WINDOW_MAX = 1000;
/** Ids per call at most (a shift-click range). */
export const LIST_IDS_MAX = 10_000;

export const listQuerySchema = z
  .object({
    filter: listFilterSchema.default({}),
    sort: listSortSchema.default(DEFAULT_SORT),
    offset: z.number().int().min(0).default(0),
    /** 0: only the count. */
    limit: z.number().int().min(0).max(LIST_WINDOW_MAX).default(100),
    /** Counting costs a scan when the filter has text or a date: ask only when the list's shape changed. */
    withTotal: z.boolean().default(true),
  })
  .strict();
export type ListQuery = z.input<typeof listQuerySchema>;
export type ParsedListQuery = z.output<typeof listQuerySchema>;

export const listPageSchema = z.object({
  rows: z.array(jobSchema),
  /** Every job matching the filter (null when not asked). */
  total: z.number().int().nullable(),
  /** The newest job's seq when this was read: pass as `upToSeq` to act on exactly what was counted. */
  maxSeq: z.number().int(),
});
export type ListPage = z.infer<typeof listPageSchema>;

export const listIdsQuerySchema = z
  .object({
    filter: listFilterSchema.default({}),
    sort: listSortSchema.default(DEFAULT_SORT),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(LIST_IDS_MAX),
  })
  .strict();

export const BULK_ACTIONS = ['retry', 'cancel', 'delete', 'rerun'] as const;
export type ListBulkAction = (typeof BULK_ACTIONS)[number];

/** Jobs named by id, or everything matching a filter minus a few deselected rows. */
export const listTargetSchema = z.union([
  z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(LIST_IDS_MAX) }).strict(),
  z.object({ filter: listFilterSchema, except: z.array(z.string().min(1).max(64)).max(LIST_IDS_MAX).default([]) }).strict(),
]);
export type ListTarget = z.input<typeof listTargetSchema>;

/** Why a job was left alone; running jobs are never touched by a bulk action. */
export const SKIP_REASONS = ['running', 'pending', 'finished', 'completed', 'gone'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const bulkOutcomeSchema = z.object({
  action: z.enum(BULK_ACTIONS),
  done: z.number().int(),
  /** Left alone, by reason: e.g. { running: 3 }. */
  skipped: z.partialRecord(z.enum(SKIP_REASONS), z.number().int()),
  errors: z.array(z.object({ id: z.string(), message: z.string() })),
});
export type BulkOutcome = z.infer<typeof bulkOutcomeSchema>;

const PAST: Record<ListBulkAction, string> = { retry: 'retried', cancel: 'cancelled', delete: 'deleted', rerun: 'queued again' };
const WHY: Record<SkipReason, string> = {
  running: 'still running',
  pending: 'not started yet',
  finished: 'already finished',
  completed: 'already completed',
  gone: 'already deleted',
};

/** "412 retried, 3 skipped: still running": what a person reads after a bulk action. */
export function describeOutcome(o: BulkOutcome): string {
  const parts = [`${o.done.toLocaleString('en-US')} ${PAST[o.action]}`];
  const skipped = Object.entries(o.skipped).filter(([, n]) => n > 0) as Array<[SkipReason, number]>;
  const nSkipped = skipped.reduce((a, [, n]) => a + n, 0);
  if (nSkipped > 0)
    parts.push(
      `${nSkipped.toLocaleString('en-US')} skipped: ${skipped.map(([why, n]) => (skipped.length > 1 ? `${n.toLocaleString('en-US')} ${WHY[why]}` : WHY[why])).join(', ')}`,
    );
  if (o.errors.length > 0) parts.push(`${o.errors.length.toLocaleString('en-US')} failed: ${o.errors[0]!.message}`);
  return parts.join(', ');
}
