/**
 * What crosses Redis between the owner (the process that holds the job
 * store) and `quarry worker` processes. BullMQ carries the tasks and their
 * outcomes; everything a worker sends back is validated here like any other
 * input, since a worker is another machine.
 *
 * Names:
 * - task: one extraction, a BullMQ job in the `quarry-tasks` queue, whose
 *   BullMQ id is the Quarry job id (at most one live task per job);
 * - attempt token: a fresh random string per dispatch. An outcome counts only
 *   if it carries the token of the dispatch the owner waits for, so a late or
 *   duplicate outcome (a stalled worker, a re-sent task) is recognised and dropped;
 * - group task: small files claimed together travel as one BullMQ job
 *   (`group-<uuid>`) holding several tasks, each with its own job id and
 *   token; the worker answers with one outcome per file (task-groups.ts).
 */
import { z } from 'zod';
import { errorCodeSchema, extractionResultSchema } from '../../../shared/extraction.js';
import { SPOOL_MARKER_PATTERN } from './spool-marker.js';

export const TASKS_QUEUE = 'quarry-tasks';
/** Redis keys beside BullMQ's own (same prefix). */
export const keys = (prefix: string) => ({
  /** Pub/sub: a task to stop now (a person cancelled its job). */
  cancel: `${prefix}:quarry:cancel`,
  /** Hash: worker name -> its latest heartbeat (WorkerBeat, JSON). */
  workers: `${prefix}:quarry:workers`,
  /** Hash: Quarry job id -> the group task that holds it (an owner restarted finds it there). */
  groups: `${prefix}:quarry:groups`,
  /**
   * Key prefix: `<prefix><token>` is set when a file of a group task is
   * cancelled (a key per token, expiring after CANCELLED_TTL_S). A worker
   * checks its group's tokens before it starts them: a cancel published
   * while the group still waited in the queue reached no worker. A single
   * task's token is marked too (for SINGLE_CANCELLED_TTL_S, unless its
   * task could be taken out of the queue): a worker that took it just as
   * the cancel was published had not yet listed it as running.
   */
  cancelled: `${prefix}:quarry:cancelled:`,
});

/** How long a cancelled token is remembered: as long as BullMQ keeps a task an owner never came back for. */
export const CANCELLED_TTL_S = 7 * 86_400;
/**
 * A single task is taken out of the queue at its cancel, or is running on
 * the worker that took it (a stalled task is failed, never delivered again):
 * its mark is read within moments of the cancel, or never.
 */
export const SINGLE_CANCELLED_TTL_S = 3_600;

export const taskSchema = z.object({
  jobId: z.string().min(1),
  token: z.string().min(8),
  /** The job's source path as the owner sees it (a worker may map it, see path-map.ts). */
  path: z.string().min(1),
  options: z.record(z.string(), z.unknown()),
  /** The owner's spool folder for the job (archive entries, attachments, full texts). */
  spoolDir: z.string().min(1),
  sizeBytes: z.number().int().nonnegative().nullable(),
  timeoutMs: z.number().int().positive().optional(),
  small: z.boolean(),
  /** A suspect of a crash: the worker runs it with nothing else in its host. */
  alone: z.boolean(),
  progress: z.boolean(),
  /** Where the worker may fetch the file's bytes when it cannot see the path (file-endpoint.ts). */
  filesUrl: z.string().optional(),
  /** The file in the owner's spool root that proves a worker sees that folder (spool-marker.ts). */
  spoolMarker: z.string().regex(SPOOL_MARKER_PATTERN).optional(),
});
export type RemoteTask = z.infer<typeof taskSchema>;

/** An error message longer than this is cut by the worker before it is sent (the schema refuses longer ones). */
export const MAX_ERROR_MESSAGE = 20_000;

const serializedErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string().max(MAX_ERROR_MESSAGE),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A worker's answer: the extraction's outcome, who ran it, and with which extractor versions. */
export const outcomeSchema = z.object({
  /** The Quarry job (the task's own, echoed: a copy of a task under another BullMQ id still names its job). */
  jobId: z.string(),
  token: z.string(),
  worker: z.string().max(200),
  /** The worker's machine (its hostname), for the job's history. */
  host: z.string().max(200).optional(),
  outcome: z.union([
    z.object({
      ok: z.literal(true),
      result: extractionResultSchema,
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
    }),
    z.object({ ok: z.literal(false), error: serializedErrorSchema }),
    /** Over MAX_INLINE_RESULT_BYTES: the outcome waits as a file in the job's spool folder (large-result.ts). */
    z.object({ ok: z.literal(true), spooled: z.literal(true), bytes: z.number().int().nonnegative() }),
    /**
     * A group's file whose result would have passed the group's inline limit and could not go by file
     * (no shared spool, no file endpoint): the owner sends it again in a task of its own, not counted.
     */
    z.object({ ok: z.literal(false), again: z.literal(true) }),
  ]),
});
export type RemoteOutcome = z.infer<typeof outcomeSchema>;

/** Files in one group task at most (the owner sends fewer: see task-groups.ts). */
export const MAX_GROUP_TASKS = 256;

export const groupTaskSchema = z.object({ group: z.array(taskSchema).min(1).max(MAX_GROUP_TASKS) });
export type RemoteGroupTask = z.infer<typeof groupTaskSchema>;

/**
 * A group task's answer: one outcome per file, each with its own job id and
 * token. Each is validated on its own (outcomeSchema): one the owner cannot
 * read fails its file only, not the group's others.
 */
export const groupOutcomeSchema = z.object({ group: z.literal(true), outcomes: z.array(z.unknown()).max(MAX_GROUP_TASKS) });
/** Enough of an unreadable outcome to know which file it was for. */
export const outcomeIdentitySchema = z.object({ jobId: z.string(), token: z.string() });

export const progressSchema = z.object({
  /** The file's job (a group task's progress names which of its files moved). */
  jobId: z.string().optional(),
  token: z.string(),
  processed: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});

export const cancelSchema = z.object({ jobId: z.string(), token: z.string() });

/** A worker's heartbeat, written every HEARTBEAT_MS under keys().workers. */
export const workerBeatSchema = z.object({
  name: z.string().max(200),
  host: z.string().max(200),
  pid: z.number().int(),
  threads: z.number().int().positive(),
  version: z.string().max(50),
  extractorVersions: z.record(z.string(), z.string()),
  running: z.array(z.string()).max(10_000),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  at: z.number(),
});
export type WorkerBeat = z.infer<typeof workerBeatSchema>;

export const HEARTBEAT_MS = 2000;
/** A worker not heard of for this long is gone: its threads no longer count. */
export const WORKER_GONE_MS = 15_000;

/**
 * Above this, a result does not travel as a Redis value: the worker writes it
 * to the job's spool folder (visible or uploaded) and sends a reference.
 */
export const MAX_INLINE_RESULT_BYTES = 1024 * 1024;

/** A spooled outcome's file holds one of these (checked like an inline one). */
export const spooledOutcomeSchema = outcomeSchema.shape.outcome.options[0];
