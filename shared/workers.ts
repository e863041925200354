/**
 * The machines that extract for this queue (the Workers view, `quarry
 * workers`): the owner's own pool, and each remote worker from its heartbeat.
 */
import { z } from 'zod';

export const workerInfoSchema = z.object({
  name: z.string(),
  /** The owner's own extraction host, or a `quarry worker` reached through Redis. */
  kind: z.enum(['local', 'remote']),
  host: z.string(),
  threads: z.number().int().nonnegative(),
  version: z.string(),
  extractorVersions: z.record(z.string(), z.string()),
  /** Some extractor's version differs from the owner's: its results may differ from a local run's. */
  versionMismatch: z.boolean(),
  /** Ids of the jobs it runs now. */
  running: z.array(z.string()),
  /** Since its last heartbeat, ms (0 for the local pool). */
  heartbeatAgeMs: z.number().nonnegative(),
  /** Heard from lately: its threads count. */
  alive: z.boolean(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type WorkerInfo = z.infer<typeof workerInfoSchema>;

export const workersListSchema = z.object({
  /** Remote workers are on (the engine was given a Redis URL, shown without its password). */
  redis: z.string().nullable(),
  workers: z.array(workerInfoSchema),
});
export type WorkersList = z.infer<typeof workersListSchema>;
