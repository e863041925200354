/**
 * Full-text search over extracted results (issue 13): the query a person
 * sends and the ranked hits that come back. The query syntax is described in
 * main/core/store/fts-query.ts; the index in main/core/store/search-index.ts.
 */
import { z } from 'zod';
import { formatSchema } from './extraction.js';
import { jobStatusSchema } from './job.js';

/**
 * Deep pages: past this offset, narrow the query instead. It also bounds
 * the hits a common word's query ranks (main/core/store/search.ts).
 */
export const MAX_SEARCH_OFFSET = 2_000;
export const MAX_SEARCH_LIMIT = 200;

export const searchQuerySchema = z.object({
  query: z.string().max(1000),
  format: formatSchema.optional(),
  status: jobStatusSchema.optional(),
  /** A batch's id (or an unambiguous prefix): its files, at any depth. */
  batch: z.string().min(1).max(64).optional(),
  /** Jobs created at or after / before these times (ms since the epoch). */
  createdFrom: z.number().int().optional(),
  createdTo: z.number().int().optional(),
  /** The file's size in bytes, inclusive bounds. */
  minSize: z.number().int().min(0).optional(),
  maxSize: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(20),
  offset: z.number().int().min(0).max(MAX_SEARCH_OFFSET).default(0),
});
export type SearchQuery = z.input<typeof searchQuerySchema>;

/** A snippet as pieces of text, the matched terms flagged: no markup to escape or inject. */
export const snippetSchema = z.array(z.object({ text: z.string(), hit: z.boolean() }));
export type Snippet = z.infer<typeof snippetSchema>;

export const searchHitSchema = z.object({
  jobId: z.string(),
  fileName: z.string().nullable(),
  sourcePath: z.string().nullable(),
  format: formatSchema.nullable(),
  status: jobStatusSchema,
  /** The page the hit is on; null for a hit in the file's name, path, metadata, or a text without pages. */
  page: z.number().int().nullable(),
  /** Where the hit is when it is in text the file holds but its extracted text does not show: "model strings" (every string value of an IFC or STEP model). */
  section: z.string().optional(),
  snippet: snippetSchema,
  /** bm25: lower is better. */
  score: z.number(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResultSchema = z.object({
  hits: z.array(searchHitSchema),
  /** Every matching row (page, or file), exact. */
  total: z.number().int(),
  /** Present when the hits were more than this: only the newest this many were ranked (a word found in most documents). */
  rankedAmong: z.number().int().optional(),
  /** Present when some files' results are not in the index yet (being indexed): the hits leave them out. */
  indexing: z.number().int().optional(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;
