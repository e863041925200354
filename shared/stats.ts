/**
 * The statistics view's numbers (stats.overview): counts by status and
 * format, durations per format, failures by error code, and throughput over
 * the last hour. Asked for when the view opens and refreshed while it stays
 * open; never pushed (the sidebar's live counts are jobs.stats).
 */
import { z } from 'zod';
import { jobStatusSchema } from './job.js';

/** The throughput chart: finished file jobs per minute over the last hour. */
export const THROUGHPUT_BUCKETS = 60;
export const THROUGHPUT_BUCKET_MS = 60_000;

export const formatDurationsSchema = z.object({
  format: z.string(),
  /** Completed (and partial) file jobs of this format that have a start and an end. */
  count: z.number().int(),
  avgMs: z.number(),
  /** Nearest-rank percentiles: the smallest duration with at least p% of the jobs at or below it. */
  p50Ms: z.number(),
  p95Ms: z.number(),
});

export const statsOverviewSchema = z.object({
  /** When these were counted (ms since the epoch): the chart's right edge. */
  at: z.number().int(),
  /** File jobs (batch parents are not counted). */
  total: z.number().int(),
  byStatus: z.record(jobStatusSchema, z.number().int()),
  byFormat: z.record(z.string(), z.number().int()),
  /** Items (pages, rows, entities…) extracted by completed and partial jobs. */
  itemsExtracted: z.number().int(),
  durations: z.array(formatDurationsSchema),
  /** Failed file jobs by error code, most first. */
  failures: z.array(z.object({ code: z.string(), count: z.number().int() })),
  /** THROUGHPUT_BUCKETS minutes, oldest first; the last one ends at `at`. */
  throughput: z.object({
    bucketMs: z.number().int(),
    completed: z.array(z.number().int()),
    failed: z.array(z.number().int()),
  }),
});

export type FormatDurations = z.infer<typeof formatDurationsSchema>;
export type StatsOverview = z.infer<typeof statsOverviewSchema>;
