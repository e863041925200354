/**
 * What an export writes (issue 13, "export follows what the user is looking
 * at"): the same filters the jobs list, a batch and the search apply, or the
 * rows a person selected. Every field narrows; none given exports every
 * finished file. The store turns it into SQL (main/core/store/export-query.ts).
 */
import { z } from 'zod';
import { formatSchema } from './extraction.js';
import { jobStatusSchema } from './job.js';

/** Selected rows an export takes at once: a selection larger than this is a filter. */
export const MAX_EXPORT_IDS = 10_000;

export const exportFilterSchema = z
  .object({
    /** One status; without it, completed, partial and failed (a cancelled job has no result). */
    status: jobStatusSchema.optional(),
    /** Any of these statuses (the list's several-status filter); narrows with `status`. */
    statuses: z.array(jobStatusSchema).min(1).max(6).optional(),
    format: formatSchema.optional(),
    /** Any of these formats. */
    formats: z.array(formatSchema).min(1).max(64).optional(),
    /** A batch's or a container's id (or a 4+ character prefix): it and its files, at any depth. */
    batch: z.string().min(1).max(64).optional(),
    /** The list's text filter: in the file name or the error message, or the start of the id. */
    search: z.string().max(500).optional(),
    /** A full-text query (shared/search.ts' syntax): the files whose result matches. */
    query: z.string().max(1000).optional(),
    /** Created at or after / before these times (ms since the epoch). */
    createdFrom: z.number().int().optional(),
    createdTo: z.number().int().optional(),
    /** The file's size in bytes, inclusive bounds. */
    minSize: z.number().int().min(0).optional(),
    maxSize: z.number().int().min(0).optional(),
    /** Only these jobs (ids or prefixes), as selected in the list. */
    ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_EXPORT_IDS).optional(),
    /** Not these jobs (rows unticked in "all N matching"). */
    exclude: z.array(z.string().min(1).max(64)).min(1).max(MAX_EXPORT_IDS).optional(),
    /** Only jobs inserted up to this seq ("all N matching" stays those N when files arrive meanwhile). */
    maxSeq: z.number().int().min(0).optional(),
  })
  .strict();
export type ExportFilter = z.infer<typeof exportFilterSchema>;
