/**
 * Intake: turns what a person dropped (files and folders) into new jobs, and
 * says what was rejected and why. Folders are walked recursively; symbolic
 * links are not followed (a link loop must not hang intake).
 */
import { constants, lstatSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import type { Rejection } from '../../shared/contract.js';
import { formatSchema, type Format } from '../../shared/extraction.js';
import type { FailureAction, Job } from '../../shared/job.js';
import { newOwnerId, type JobStore, type NewJob } from './store/job-store.js';
import { isSystemClutter } from '../../shared/system-files.js';
import { formatFromExtension } from '../../workers/extensions.js';
import { sniffFormat, type IntakeFormat } from './intake-format.js';
import { INSERT_ROWS } from './store/statements.js';

/** Dropped paths walked: a new job for each file found, and what was rejected. */
export interface ExpandedPaths {
  files: NewJob[];
  rejected: Rejection[];
}

export async function expandPaths(inputs: readonly string[], opts: WalkOptions = {}): Promise<ExpandedPaths> {
  const files: NewJob[] = [];
  const rejected = await walkPaths(inputs, (chunk) => void files.push(...chunk), opts);
  return { files, rejected };
}

export interface WalkOptions {
  /** The format the jobs' options force: every file is taken as that, nothing is sniffed or rejected for its format. */
  format?: Format;
}

/**
 * The first chunk a walk hands on is small, so the first files of a big
 * folder are queued (and start) within milliseconds; the rest go in larger
 * chunks, each one transaction: a multiple of the rows the store writes per
 * statement (INSERT_ROWS), so no chunk ends in rows inserted one by one.
 */
const FIRST_CHUNK = 64;
const CHUNK = 40 * INSERT_ROWS;

/**
 * Walks dropped paths, handing the files found to `take` in chunks while the
 * walk goes on (the last call has `last: true`), and returns what was rejected.
 */
export async function walkPaths(inputs: readonly string[], take: (files: NewJob[], last: boolean) => void, opts: WalkOptions = {}): Promise<Rejection[]> {
  const rejected: Rejection[] = [];
  let buffer: NewJob[] = [];
  let target = FIRST_CHUNK;
  // Several inputs may name the same file twice (a folder and a file in it); one cannot.
  const seen = inputs.length > 1 ? new Set<string>() : undefined;
  const addFiles: AddFiles = async (paths, sizes) => {
    const formats = await formatsOf(paths, sizes, opts.format);
    paths.forEach((abs, i) => {
      const size = sizes[i]!;
      const found = formats[i];
      if (size instanceof Error) rejected.push({ path: abs, reason: describeFsError(size) });
      else if (found && 'rejected' in found) rejected.push({ path: abs, reason: found.rejected });
      else addFile(abs, size, found?.format);
    });
  };
  const addFile = (abs: string, size: number, format: Format | undefined) => {
    if (seen?.has(abs)) return;
    seen?.add(abs);
    buffer.push(
      format ? { sourcePath: abs, fileName: path.basename(abs), sizeBytes: size, format } : { sourcePath: abs, fileName: path.basename(abs), sizeBytes: size },
    );
    if (buffer.length >= target) {
      take(buffer, false);
      buffer = [];
      target = CHUNK;
    }
  };
  for (const input of inputs) {
    const abs = path.resolve(input);
    let st;
    try {
      st = await stat(abs);
    } catch (err) {
      rejected.push({ path: input, reason: describeFsError(err) });
      continue;
    }
    if (st.isFile()) {
      const unreadable = await unreadableReason(abs);
      if (unreadable) rejected.push({ path: input, reason: unreadable });
      else await addFiles([abs], [st.size]);
    } else if (st.isDirectory()) {
      await walk(abs, addFiles, rejected, { slowDisk: false });
    } else {
      rejected.push({ path: input, reason: 'not a regular file or folder' });
    }
  }
  take(buffer, true);
  return rejected;
}

/** Hands on a folder's files (or one dropped file) with their sizes, or why a size could not be read. */
type AddFiles = (paths: readonly string[], sizes: ReadonlyArray<number | Error>) => Promise<void>;

/** At most this many files are sniffed at once (each holds a file open). */
const SNIFFS_AT_ONCE = 16;

/**
 * The files' formats at intake (intake-format.ts): forced by the jobs'
 * options, named by the extension, or sniffed from the first bytes, only
 * for the files whose extension says nothing.
 */
async function formatsOf(paths: readonly string[], sizes: ReadonlyArray<number | Error>, forced: Format | undefined): Promise<IntakeFormat[]> {
  if (forced) return paths.map(() => ({ format: forced }));
  const formats: IntakeFormat[] = paths.map((p) => {
    const format = formatFromExtension(p);
    return format ? { format } : null;
  });
  const unknown = paths.flatMap((_, i) => (formats[i] === null && typeof sizes[i] === 'number' ? [i] : []));
  for (let at = 0; at < unknown.length; at += SNIFFS_AT_ONCE) {
    const slice = unknown.slice(at, at + SNIFFS_AT_ONCE);
    const found = await Promise.all(slice.map((i) => sniffFormat(paths[i]!, sizes[i] as number)));
    slice.forEach((i, k) => (formats[i] = found[k]!));
  }
  return formats;
}

/**
 * Walks a folder. Files inside folders are not checked for readability one
 * by one: one that cannot be read fails its own job with permission_denied.
 */
async function walk(dir: string, addFiles: AddFiles, rejected: Rejection[], disk: Disk, listings = new Listings()): Promise<void> {
  const entries = await listings.get(dir);
  if (entries instanceof Error) {
    rejected.push({ path: dir, reason: describeFsError(entries) });
    return;
  }
  const subdirs = entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  listings.ahead(subdirs);
  const files = entries.filter((e) => e.isFile() && !isSystemClutter(e.name)).map((e) => path.join(dir, e.name));
  await addFiles(files, await sizesOf(files, disk));
  let next = 0;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      listings.ahead(subdirs, ++next);
      await walk(p, addFiles, rejected, disk, listings);
    } else if (e.isSymbolicLink()) rejected.push({ path: p, reason: 'symbolic link (not followed inside folders)' });
  }
}

/** Folders whose listing is read ahead of the walk, at most. */
const READ_AHEAD = 4;

/**
 * Folder listings, read ahead of the walk: while one folder's files go into
 * the store (on the main thread), the next folders are listed in libuv's
 * thread pool, so the walk does not wait for the disk between folders. A
 * listing read ahead also starts its own first subfolder's, so a chain of
 * single folders (batch-001/scans) is read ahead too.
 */
class Listings {
  private readonly ahead_ = new Map<string, Promise<Dirent[] | Error>>();

  /** A folder's entries in name order, or why it could not be listed. */
  get(dir: string): Promise<Dirent[] | Error> {
    const listing = this.ahead_.get(dir) ?? this.read(dir, false);
    this.ahead_.delete(dir);
    return listing;
  }

  /** Starts listing the first of these folders (from `from` on), up to READ_AHEAD in flight or waiting. */
  ahead(dirs: readonly string[], from = 0): void {
    for (let i = from; i < dirs.length && this.ahead_.size < READ_AHEAD; i++) {
      if (!this.ahead_.has(dirs[i]!)) this.ahead_.set(dirs[i]!, this.read(dirs[i]!, true));
    }
  }

  private read(dir: string, cascade: boolean): Promise<Dirent[] | Error> {
    return readdir(dir, { withFileTypes: true }).then(
      (entries) => {
        entries.sort((a, b) => a.name.localeCompare(b.name));
        const first = cascade ? entries.find((e) => e.isDirectory()) : undefined;
        if (first) this.ahead([path.join(dir, first.name)]);
        return entries;
      },
      (err) => err as Error,
    );
  }
}

export interface Disk {
  /** A slice of synchronous calls took too long: asynchronous calls from now on. */
  slowDisk: boolean;
}
const SYNC_SLICE = 512;
const SYNC_SLICE_BUDGET_MS = 20;

/**
 * The files' sizes (lstat). On a local disk a synchronous lstat takes a few
 * microseconds, against about ten for each promise through libuv's thread
 * pool (100,000 files: 1.4 s), so they are made synchronously, a slice at a
 * time with the event loop free in between. A slice over its budget (a
 * network drive) switches the rest of the walk to parallel asynchronous
 * calls, which never hold the event loop up.
 */
export async function sizesOf(files: readonly string[], disk: Disk, budgetMs = SYNC_SLICE_BUDGET_MS): Promise<Array<number | Error>> {
  const sizes: Array<number | Error> = [];
  let i = 0;
  while (i < files.length && !disk.slowDisk) {
    const started = performance.now();
    for (const end = Math.min(files.length, i + SYNC_SLICE); i < end; i++) {
      try {
        sizes.push(lstatSync(files[i]!).size);
      } catch (err) {
        sizes.push(err as Error);
      }
    }
    if (performance.now() - started > budgetMs) disk.slowDisk = true;
    await yieldToEventLoop();
  }
  const rest = files.slice(i).map((p) =>
    lstat(p).then(
      (st) => st.size,
      (err) => err as Error,
    ),
  );
  return sizes.concat(await Promise.all(rest));
}

async function unreadableReason(p: string): Promise<string | undefined> {
  try {
    await access(p, constants.R_OK);
    return undefined;
  } catch (err) {
    return describeFsError(err);
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (not readable)';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    default:
      return (err as Error)?.message ?? String(err);
  }
}

/** How the jobs of one intake are queued (Engine.addPaths, the contract's jobs.addPaths). */
export interface AddPathsOptions {
  priority?: number;
  maxRetries?: number;
  timeoutMs?: number;
  runAt?: number;
  options?: Record<string, unknown>;
  definition?: string;
  definitionVersion?: number;
  /** Where the jobs come from, for statistics (cli, app, watch, schedule...). */
  source?: string;
  /** auto: a batch for a folder or several files; always; never. */
  batch?: 'auto' | 'always' | 'never';
  maxChildFailures?: number;
  failureAction?: FailureAction;
  /** Put new jobs in this existing batch. */
  parentId?: string;
  /** The batch's name (default: the folder's name, or "N files"). */
  batchName?: string;
  /** Jobs that must complete first, and what happens to these if one fails. */
  dependsOn?: string[];
  onDependencyFailure?: 'fail' | 'skip';
}

export interface Intake {
  batch: Job | null;
  count: number;
  /** The first jobs added (at most 1000), for display. */
  jobs: Job[];
  rejected: Rejection[];
}

/**
 * Queues what a person dropped: one job per file, under a batch when it is a
 * folder or several files. Files are queued in chunks while the walk goes on
 * (walkPaths), so the first ones start at once; a batch is held open
 * ("filling") until the last chunk is in, so it cannot end early.
 */
export async function intakePaths(store: JobStore, paths: readonly string[], opts: AddPathsOptions = {}): Promise<Intake> {
  const queue = new ChunkedIntake(store, paths, opts);
  let rejected: Rejection[];
  try {
    rejected = await walkPaths(paths, (files, last) => queue.take(files, last), { format: forcedFormat(opts.options) });
  } finally {
    queue.end();
  }
  return queue.report(rejected);
}

/** The format the jobs' options force (the worker's `format` option), if it names one. */
function forcedFormat(options: Record<string, unknown> | undefined): Format | undefined {
  const parsed = formatSchema.safeParse(options?.format);
  return parsed.success && parsed.data !== 'unknown' ? parsed.data : undefined;
}

/** One intake's jobs, queued chunk by chunk: plain jobs, or children of a batch made with the first chunk. */
class ChunkedIntake {
  private started = false;
  private batchId: string | null = null;
  private folder = false;
  private count = 0;
  private readonly firstIds: string[] = [];
  private readonly jobOpts: NewJob;
  private readonly owner = newOwnerId();

  constructor(
    private readonly store: JobStore,
    private readonly paths: readonly string[],
    private readonly opts: AddPathsOptions,
  ) {
    // What the files' jobs share: the options that are not the batch's own.
    const jobOpts: AddPathsOptions = { ...opts };
    delete jobOpts.batch;
    delete jobOpts.maxChildFailures;
    delete jobOpts.failureAction;
    delete jobOpts.batchName;
    this.jobOpts = jobOpts;
  }

  take(files: NewJob[], last: boolean): void {
    if (!files.length) return;
    const ids = this.started ? this.insert(files) : this.begin(files, last);
    this.started = true;
    this.count += ids.length;
    // The first jobs added (at most 1000), for display.
    if (this.firstIds.length < 1000) this.firstIds.push(...ids.slice(0, 1000 - this.firstIds.length));
  }

  private insert(files: NewJob[]): string[] {
    return this.store.insert(files, this.batchId ? { defaults: this.jobOpts, parentId: this.batchId } : { defaults: this.jobOpts });
  }

  /**
   * The first chunk: batch or not. It holds every file found when the walk
   * ended within it, and more than one otherwise: the same rule as when
   * every file was known first.
   */
  private begin(first: NewJob[], last: boolean): string[] {
    const mode = this.opts.batch ?? 'auto';
    this.folder = this.paths.length === 1 && first[0]!.sourcePath !== path.resolve(this.paths[0]!);
    const several = first.length > 1 || !last;
    if (this.opts.parentId || !(mode === 'always' || (mode === 'auto' && (several || this.folder)))) return this.insert(first);
    const { batch, childIds } = this.store.addBatch(
      {
        fileName: this.batchName(last ? first.length : undefined),
        sourcePath: this.folder ? path.resolve(this.paths[0]!) : undefined,
        source: this.opts.source,
        priority: this.opts.priority,
        maxChildFailures: this.opts.maxChildFailures,
        failureAction: this.opts.failureAction,
        // What its files run, for display (a batch itself never runs a pipeline).
        definition: this.opts.definition,
        definitionVersion: this.opts.definitionVersion,
      },
      first,
      this.jobOpts,
      // Held open until the last chunk is in.
      last ? {} : { fillingOwner: this.owner },
    );
    this.batchId = batch.id;
    return childIds;
  }

  /** The folder's name, or "N files" (while the count is not known yet, "files being added"). */
  private batchName(count: number | undefined): string {
    if (this.opts.batchName) return this.opts.batchName;
    if (this.folder) return path.basename(path.resolve(this.paths[0]!));
    return count === undefined ? 'files being added' : `${count} files`;
  }

  /** All files are in: the batch may end now, named by its count. */
  end(): void {
    if (this.batchId) this.store.endFilling(this.batchId, this.batchName(this.count));
  }

  report(rejected: Rejection[]): Intake {
    const batch = this.batchId ? this.store.get(this.batchId)! : null;
    return { batch, count: this.count, jobs: this.firstIds.map((id) => this.store.get(id)!), rejected };
  }
}
