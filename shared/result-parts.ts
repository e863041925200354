/**
 * One job's result, a part at a time (issue 13): the text and Markdown in
 * slices with their total size, so a 500 MB spooled text is never sent (or
 * read) whole; tables, metadata, entities, pages, warnings and a summary.
 */
import { z } from 'zod';
import { detectionSchema, entitySchema, formatSchema, tableSchema } from './extraction.js';

export const RESULT_PARTS = ['text', 'markdown', 'tables', 'metadata', 'entities', 'pages', 'warnings', 'summary', 'chunks'] as const;
export const resultPartSchema = z.enum(RESULT_PARTS);
export type ResultPart = z.infer<typeof resultPartSchema>;

/** The largest slice of text one call returns (characters). */
export const MAX_SLICE_CHARS = 1_000_000;

export const resultPartQuerySchema = z.object({
  id: z.string().min(1).max(64),
  part: resultPartSchema,
  /** For text and Markdown: characters (UTF-16 units) to skip; for pages and chunks: how many to skip. */
  offset: z.number().int().min(0).optional(),
  /** For text and Markdown: characters to return; for pages and chunks: how many. */
  limit: z.number().int().min(1).max(MAX_SLICE_CHARS).optional(),
  /** For chunks (shared/chunks.ts): target size in characters, and the overlap. */
  chunkSize: z.number().int().min(1).max(MAX_SLICE_CHARS).optional(),
  overlap: z.number().int().min(0).max(MAX_SLICE_CHARS).optional(),
});
export type ResultPartQuery = z.input<typeof resultPartQuerySchema>;

const textSlice = z.object({
  part: z.enum(['text', 'markdown']),
  text: z.string(),
  offset: z.number().int(),
  /**
   * The whole text's size in characters. For a spooled full text (over 32 MB)
   * it is the descriptor's count of code points: a text with characters
   * outside the BMP has a few more UTF-16 units, so read until `done`.
   */
  total: z.number().int(),
  /** The slice reaches the end of the text. */
  done: z.boolean(),
  /** Read from the job's spool file (the stored text is only a preview). */
  spooled: z.boolean(),
  /** Why the full text could not be read, when only the stored preview was. */
  note: z.string().optional(),
});

export const resultPartValueSchema = z.discriminatedUnion('part', [
  textSlice.extend({ part: z.literal('text') }),
  textSlice.extend({ part: z.literal('markdown') }),
  z.object({ part: z.literal('tables'), tables: z.array(tableSchema) }),
  z.object({ part: z.literal('metadata'), metadata: z.record(z.string(), z.unknown()) }),
  z.object({ part: z.literal('entities'), entities: z.array(entitySchema) }),
  z.object({
    part: z.literal('pages'),
    pages: z.array(z.object({ number: z.number().int(), text: z.string() })),
    offset: z.number().int(),
    total: z.number().int(),
  }),
  z.object({ part: z.literal('warnings'), warnings: z.array(z.string()) }),
  z.object({
    part: z.literal('chunks'),
    chunks: z.array(
      z.object({
        index: z.number().int(),
        text: z.string(),
        start: z.number().int(),
        end: z.number().int(),
        source: z.enum(['pages', 'markdown']),
        pages: z.tuple([z.number().int(), z.number().int()]).optional(),
        headingPath: z.array(z.string()),
      }),
    ),
    offset: z.number().int(),
    total: z.number().int(),
    size: z.number().int(),
    overlap: z.number().int(),
  }),
  z.object({
    part: z.literal('summary'),
    format: formatSchema,
    detection: detectionSchema,
    extractor: z.object({ name: z.string(), version: z.string() }),
    counters: z.record(z.string(), z.number()),
    /** Characters of the whole text (the spooled one's, when spooled). */
    chars: z.number().int(),
    spooled: z.boolean(),
    createdAt: z.number().int(),
  }),
]);
export type ResultPartValue = z.infer<typeof resultPartValueSchema>;
