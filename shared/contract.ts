/**
 * The contract between the UI and the engine: every request channel with its
 * input and output schema, and every event the engine pushes. The Electron
 * preload, the main-process handlers, the browser bridge and the renderer's
 * client all use this one object; types are inferred from it, never repeated.
 *
 * Inputs are validated where they arrive (main or the bridge), so limits here
 * (array sizes, string lengths) are the boundary's limits.
 */
import { z } from 'zod';
import { definitionInputSchema, definitionSchema } from './definitions.js';
import { exportFilterSchema } from './export-filter.js';
import { resultPartQuerySchema, resultPartValueSchema } from './result-parts.js';
import { searchQuerySchema, searchResultSchema } from './search.js';
import { desktopCommandSchema, platformChannels } from './platform.js';
import { statsOverviewSchema } from './stats.js';
import { remoteSettingsInputSchema, remoteSettingsSchema, workersListSchema } from './workers.js';
import { BULK_ACTIONS, bulkOutcomeSchema, listIdsQuerySchema, listPageSchema, listQuerySchema, listTargetSchema } from './list-query.js';
import { failureActionSchema, jobEventSchema, jobFilterSchema, jobSchema, jobStatsSchema, jobStatusSchema } from './job.js';

const id = z.string().min(1).max(64);
const ids = z.array(id).min(1).max(1000);
const filePath = z.string().min(1).max(4096);

/** Parallel extractions the engine accepts (the settings field says so before asking). */
export const CONCURRENCY_MIN = 1;
export const CONCURRENCY_MAX = 256;

const bulkResult = z.object({
  jobs: z.array(jobSchema),
  errors: z.array(z.object({ id: z.string(), message: z.string() })),
});

const bulkFilterSchema = jobFilterSchema.omit({ limit: true, before: true, sort: true }).strict();

const watchSchema = z.object({
  id: z.string(),
  path: z.string(),
  jobOptions: z.record(z.string(), z.unknown()),
  debounceMs: z.number().int(),
  enabled: z.boolean(),
});

const scheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  cron: z.string(),
  paths: z.array(z.string()),
  jobOptions: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  lastRunAt: z.number().int().nullable(),
  nextRunAt: z.number().int().nullable(),
});

/**
 * What results are exported as: JSON Lines (everything), one JSON array, CSV
 * (one row a job), Markdown (a folder with one .md per file and an index) or
 * SQLite (a standalone database, schema in docs/export-sqlite.md), or
 * chunks (JSON Lines, one retrieval-sized chunk a line: main/core/export-chunks.ts).
 */
export const exportFormatSchema = z.enum(['jsonl', 'json', 'csv', 'md', 'sqlite', 'chunks']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

/** How the chunks export cuts documents (shared/chunks.ts): the overlap must stay under the size. */
export const CHUNK_SIZE_MAX = 1_000_000;
export const exportChunkingSchema = z
  .object({
    size: z.number().int().min(1).max(CHUNK_SIZE_MAX),
    overlap: z.number().int().min(0).max(CHUNK_SIZE_MAX).optional(),
    unit: z.enum(['chars', 'tokens']).optional(),
  })
  .strict()
  .refine((c) => c.overlap === undefined || c.overlap < c.size, { message: 'the overlap must be smaller than the chunk size', path: ['overlap'] });
export type ExportChunking = z.infer<typeof exportChunkingSchema>;

/** A dropped path that did not become a job, and why (intake). */
export const rejectionSchema = z.object({ path: z.string(), reason: z.string() });
export type Rejection = z.infer<typeof rejectionSchema>;

/** The Electron IPC channel that carries every pushed event (main/ipc.ts sends, main/preload.ts listens). */
export const IPC_EVENT_CHANNEL = 'quarry:event';

export const channels = {
  'app.info': {
    input: z.object({}).strict(),
    output: z.object({
      version: z.string(),
      transport: z.enum(['electron', 'browser']),
      dbPath: z.string(),
      concurrency: z.number().int(),
      paused: z.boolean(),
      /** Electron can show a native folder dialog; the browser downloads instead. */
      canChooseFolder: z.boolean(),
    }),
  },
  'jobs.list': { input: jobFilterSchema.strict(), output: z.array(jobSchema) },
  'jobs.get': {
    input: z.object({ id }).strict(),
    output: z.object({ job: jobSchema, events: z.array(jobEventSchema) }),
  },
  'jobs.stats': { input: z.object({}).strict(), output: jobStatsSchema },
  /** Every machine that extracts for this queue: the local pool and the remote workers (shared/workers.ts). */
  'workers.list': { input: z.object({}).strict(), output: workersListSchema },
  /** Remote workers on or off with a Redis URL, and this machine's threads on or off: saved and applied at once (shared/workers.ts). */
  'settings.remote': { input: remoteSettingsInputSchema, output: remoteSettingsSchema },
  /** The statistics view: durations per format, failures by code, throughput over the last hour. */
  'stats.overview': { input: z.object({}).strict(), output: statsOverviewSchema },
  'jobs.addPaths': {
    input: z
      .object({
        paths: z.array(filePath).min(1).max(10_000),
        priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
        maxRetries: z.number().int().min(0).max(100).optional(),
        batch: z.enum(['auto', 'always', 'never']).optional(),
        /** The batch's name (a folder dropped in the browser arrives as separate uploads). */
        batchName: z.string().min(1).max(255).optional(),
        maxChildFailures: z.number().int().min(0).optional(),
        failureAction: failureActionSchema.optional(),
        definition: z.string().max(64).optional(),
        /** Start only after these jobs completed; if one fails, fail or skip (cancel) these. */
        dependsOn: z.array(id).max(1000).optional(),
        onDependencyFailure: z.enum(['fail', 'skip']).optional(),
        /** Not before this time (ms since the epoch): a delayed job. */
        runAt: z.number().int().min(0).optional(),
      })
      .strict(),
    output: z.object({
      added: z.number().int(),
      /** The batch the files were grouped under (a folder, several files), if any. */
      batch: jobSchema.nullable(),
      /** The first jobs added (at most 1000), for immediate display. */
      jobs: z.array(jobSchema),
      rejected: z.array(rejectionSchema),
    }),
  },
  'jobs.retry': { input: z.object({ ids }).strict(), output: bulkResult },
  /** A failed encrypted file, queued again with the password given in its Error tab (`--password` on the CLI). */
  'jobs.retryWithPassword': { input: z.object({ id, password: z.string().min(1).max(1024) }).strict(), output: jobSchema },
  'jobs.cancel': { input: z.object({ ids }).strict(), output: bulkResult },
  'jobs.delete': { input: z.object({ ids }).strict(), output: bulkResult },
  'engine.setConcurrency': {
    input: z.object({ concurrency: z.number().int().min(CONCURRENCY_MIN).max(CONCURRENCY_MAX) }).strict(),
    output: z.object({ concurrency: z.number().int() }),
  },
  'engine.pause': { input: z.object({}).strict(), output: z.object({ paused: z.literal(true) }) },
  'engine.resume': { input: z.object({}).strict(), output: z.object({ paused: z.literal(false) }) },
  'jobs.rerun': { input: z.object({ ids }).strict(), output: bulkResult },
  'jobs.setPriority': { input: z.object({ id, priority: z.number().int().min(-1_000_000).max(1_000_000) }).strict(), output: jobSchema },
  /** Retry, cancel, delete or re-run every job matching a filter. */
  'jobs.bulk': {
    input: z.object({ action: z.enum(['retry', 'cancel', 'delete', 'rerun']), filter: bulkFilterSchema }).strict(),
    output: z.object({ done: z.number().int(), errors: z.array(z.object({ id: z.string(), message: z.string() })) }),
  },
  /** The dashboard's list (shared/list-query.ts): a window of file jobs at an offset, any filter and sort, the exact count. */
  'list.query': { input: listQuerySchema, output: listPageSchema },
  /** The ids of a range of that list, in its order (a shift-click across rows not loaded). */
  'list.ids': { input: listIdsQuerySchema, output: z.array(z.string()) },
  /** A bulk action on a selection (ids) or on everything matching a filter; never touches running jobs; says what it skipped and why. */
  'list.bulk': { input: z.object({ action: z.enum(BULK_ACTIONS), target: listTargetSchema }).strict(), output: bulkOutcomeSchema },
  'jobs.rerunOutdated': { input: z.object({}).strict(), output: z.object({ count: z.number().int() }) },
  /** Retention: delete finished top-level jobs that finished more than `olderThanMs` ago. */
  'jobs.prune': {
    input: z.object({ olderThanMs: z.number().int().min(0), statuses: z.array(jobStatusSchema).max(6).optional() }).strict(),
    output: z.object({ deleted: z.number().int() }),
  },
  /** Automatic retention: finished jobs older than this many days are deleted (0 = never). */
  'settings.retention': {
    input: z.object({ days: z.number().int().min(0).max(36_500).optional() }).strict(),
    output: z.object({ days: z.number().int() }),
  },
  'batches.progress': {
    input: z.object({ id }).strict(),
    output: z.object({
      batch: jobSchema,
      counts: z.record(jobStatusSchema, z.number().int()),
      total: z.number().int(),
      progress: z.number().min(0).max(1),
      perSecond: z.number(),
      etaMs: z.number().nullable(),
    }),
  },
  'batches.pause': { input: z.object({ id }).strict(), output: jobSchema },
  'batches.resume': { input: z.object({ id }).strict(), output: jobSchema },
  'definitions.list': { input: z.object({}).strict(), output: z.array(definitionSchema) },
  'definitions.save': { input: z.object({ definition: definitionInputSchema }).strict(), output: definitionSchema },
  'watches.list': { input: z.object({}).strict(), output: z.array(watchSchema) },
  'watches.add': {
    input: z.object({ path: filePath, debounceMs: z.number().int().min(0).max(3_600_000).optional(), definition: z.string().max(64).optional() }).strict(),
    output: watchSchema,
  },
  'watches.remove': { input: z.object({ path: filePath }).strict(), output: z.object({ removed: z.literal(true) }) },
  'schedules.list': { input: z.object({}).strict(), output: z.array(scheduleSchema) },
  'schedules.add': {
    input: z
      .object({
        name: z.string().min(1).max(100),
        cron: z.string().min(1).max(200),
        paths: z.array(filePath).min(1).max(100),
        definition: z.string().max(64).optional(),
      })
      .strict(),
    output: scheduleSchema,
  },
  'schedules.setEnabled': { input: z.object({ name: z.string().min(1).max(100), enabled: z.boolean() }).strict(), output: scheduleSchema },
  'schedules.remove': { input: z.object({ name: z.string().min(1).max(100) }).strict(), output: z.object({ removed: z.literal(true) }) },
  /**
   * Native folder dialog (Electron); null when cancelled or not available.
   * `handle` stands for the picked folder in `results.export`: used once.
   */
  'dialog.chooseFolder': { input: z.object({}).strict(), output: z.object({ path: z.string().nullable(), handle: z.string().nullable() }) },
  /**
   * Writes finished results. With `folder` (Electron: the handle the dialog
   * just returned, never a path) they go to the picked folder; without it,
   * to the app's exports folder, from which the browser downloads `fileName`
   * (Markdown then comes as one combined file: a browser downloads no folder).
   * `filter` is what the person is looking at (shared/export-filter.ts).
   */
  'results.export': {
    input: z
      .object({
        format: exportFormatSchema,
        folder: z.string().min(1).max(64).optional(),
        filter: exportFilterSchema.optional(),
        /** Chunks only (`quarry export --format chunks --chunk-size N --overlap N`): target size, overlap, unit. */
        chunking: exportChunkingSchema.optional(),
      })
      .strict(),
    output: z.object({
      file: z.string(),
      fileName: z.string(),
      format: exportFormatSchema,
      jobs: z.number().int(),
      bytes: z.number().int(),
      /** Electron: the id `platform.revealExport` shows it by (main keeps the path; the window never sends one). */
      exportId: z.string().optional(),
    }),
  },
  /** Full-text search over extracted results: ranked hits with a snippet each, and the total (shared/search.ts). */
  'results.search': { input: searchQuerySchema.strict(), output: searchResultSchema },
  /** One part of a job's result; text and Markdown in slices (shared/result-parts.ts). */
  'results.get': { input: resultPartQuerySchema.strict(), output: resultPartValueSchema },
  /** Open and reveal originals and exports, the window's preferences main applies (shared/platform.ts). */
  ...platformChannels,
} as const;

export const events = {
  'job.changed': jobSchema,
  /** Several jobs' latest states at once: what a burst of job.changed becomes (main/core/event-coalescer.ts). */
  'jobs.changed': z.array(jobSchema),
  'job.removed': z.object({ id: z.string() }),
  /** A large intake: reload the list rather than expect one event per job. */
  'jobs.added': z.object({ count: z.number().int(), parentId: z.string().nullable() }),
  'job.progress': z.object({ jobId: z.string(), processed: z.number().int(), total: z.number().int() }),
  'stats.changed': jobStatsSchema,
  /** The queue was paused or resumed, or its concurrency changed (from any window, or the CLI). */
  'engine.changed': z.object({ paused: z.boolean(), concurrency: z.number().int() }),
  /** Electron main asks the window to do something (the menu, a notification's click): shared/platform.ts. */
  'desktop.command': desktopCommandSchema,
} as const;

export type Channel = keyof typeof channels;
export type EventName = keyof typeof events;
export type Input<C extends Channel> = z.input<(typeof channels)[C]['input']>;
export type Output<C extends Channel> = z.output<(typeof channels)[C]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const CHANNELS = Object.keys(channels) as Channel[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(channels, name);
}

/** Errors as they cross a transport: a code a program can test, a message a person can read. */
export const ERROR_KINDS = ['invalid_input', 'unknown_channel', 'not_found', 'invalid_state', 'unauthorized', 'internal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
export const wireErrorSchema = z.object({
  kind: z.enum(ERROR_KINDS),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;

export class ContractError extends Error {
  override name = 'ContractError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly issues?: WireError['issues'],
  ) {
    super(message);
  }
  toWire(): WireError {
    return { kind: this.kind, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** Parses a channel's input, turning zod's report into a readable ContractError. */
export function parseInput<C extends Channel>(channel: C, raw: unknown): z.output<(typeof channels)[C]['input']> {
  const r = channels[channel].input.safeParse(raw ?? {});
  if (r.success) return r.data as z.output<(typeof channels)[C]['input']>;
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
  throw new ContractError('invalid_input', `Invalid input for ${channel}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/**
 * A transport carries invocations and events: Electron IPC through the
 * preload, or HTTP + Server-Sent Events through the local bridge.
 */
export interface Transport {
  readonly kind: 'electron' | 'browser';
  invoke(channel: Channel, input: unknown): Promise<unknown>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /**
   * Turns dropped or picked files into paths the engine can read. `names`:
   * where a path is not the person's own (an upload's copy on the server),
   * the name they dropped it under, for what the window says about it.
   */
  filesToPaths(files: readonly File[]): Promise<{ paths: string[]; rejected: Rejection[]; names?: ReadonlyMap<string, string> }>;
  /** Lets the person save an exported file (the browser downloads it). */
  download?(fileName: string): Promise<void>;
  /**
   * Called after the event stream (re)connects: events may have been missed,
   * so the UI reloads what it shows. Transports that never miss events omit it.
   */
  onResync?(listener: () => void): () => void;
  /**
   * Told when the link to the engine is lost and when it is back: 'down'
   * (unreachable: the server stopped), 'unauthorized' (it answers but
   * refuses this page's key), 'up'. Transports whose engine lives and dies
   * with the window omit it.
   */
  onLink?(listener: (link: LinkState) => void): () => void;
}

export type LinkState = 'up' | 'down' | 'unauthorized';

/**
 * What the Electron preload exposes as `window.quarry` (contextBridge): the
 * contract's channels and events only, plus the path of a dropped file.
 */
export interface PreloadApi {
  invoke(channel: Channel, input: unknown): Promise<unknown>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /** webUtils.getPathForFile: '' for files that have no path on disk. */
  pathForFile(file: File): string;
}

/** HTTP routes of the browser bridge (all under the same origin, token cookie required). */
export const BRIDGE_ROUTES = {
  invoke: '/api/invoke/', // POST /api/invoke/<channel>, JSON body = input; JSON reply or WireError
  events: '/api/events', // GET, Server-Sent Events: "event: <name>\ndata: <json>"
  upload: '/api/upload', // POST ?name=<relative path>, raw bytes; reply { path }
  download: '/api/download/', // GET /api/download/<fileName>
  original: '/api/original/', // GET or HEAD /api/original/<jobId>: that job's stored source file, as an attachment under its name
} as const;
