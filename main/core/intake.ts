/**
 * Intake: turns what a person dropped (files and folders) into new jobs, and
 * says what was rejected and why. Folders are walked recursively; symbolic
 * links are not followed (a link loop must not hang intake).
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
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
import { walkInThread, type FsError } from './walk-thread.js';

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
 * Each commit writes every index page its rows touched, and the job ids
 * (random) touch most pages of their index: 10,000 rows a chunk spent about
 * 12% less of the main thread than 4,000 on a 100,000-file intake, and
 * still hold the thread for only about a tenth of a second.
 */
const FIRST_CHUNK = 64;
const CHUNK = 100 * INSERT_ROWS;

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
  // A chunk was handed on since the event loop last had a turn.
  let handed = false;
  const addFiles: AddFiles = async (paths, sizes, names) => {
    const formats = await formatsOf(paths, sizes, opts.format);
    for (let i = 0; i < paths.length; i++) {
      const abs = paths[i]!;
      const size = sizes[i]!;
      const found = formats[i];
      if (size instanceof Error) rejected.push({ path: abs, reason: describeFsError(size) });
      else if (found && 'rejected' in found) rejected.push({ path: abs, reason: found.rejected });
      else addFile(abs, names?.[i] ?? path.basename(abs), size, found?.format);
    }
    // The walk's thread is usually ahead, so nothing here would wait: the
    // scheduler (the first jobs start) and the window's requests get a turn
    // after each chunk.
    if (handed) {
      handed = false;
      await yieldToEventLoop();
    }
  };
  const addFile = (abs: string, name: string, size: number, format: Format | undefined) => {
    if (seen?.has(abs)) return;
    seen?.add(abs);
    buffer.push(format ? { sourcePath: abs, fileName: name, sizeBytes: size, format } : { sourcePath: abs, fileName: name, sizeBytes: size });
    if (buffer.length >= target) {
      take(buffer, false);
      buffer = [];
      target = CHUNK;
      handed = true;
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
      await walkFolder(abs, addFiles, rejected);
    } else {
      rejected.push({ path: input, reason: 'not a regular file or folder' });
    }
  }
  take(buffer, true);
  return rejected;
}

/** Hands on a folder's files (or one dropped file) with their sizes, or why a size could not be read, and their names when known. */
type AddFiles = (paths: readonly string[], sizes: ReadonlyArray<number | Error>, names?: readonly string[]) => Promise<void>;

/** At most this many files are sniffed at once (each holds a file open). */
const SNIFFS_AT_ONCE = 16;

/**
 * The files' formats at intake (intake-format.ts): forced by the jobs'
 * options, named by the extension, or sniffed from the first bytes, only
 * for the files whose extension says nothing.
 */
async function formatsOf(paths: readonly string[], sizes: ReadonlyArray<number | Error>, forced: Format | undefined): Promise<IntakeFormat[]> {
  if (forced) return paths.map(() => ({ format: forced }));
  const formats: IntakeFormat[] = new Array<IntakeFormat>(paths.length);
  const unknown: number[] = [];
  for (let i = 0; i < paths.length; i++) {
    const format = formatFromExtension(paths[i]!);
    formats[i] = format ? { format } : null;
    if (!format && typeof sizes[i] === 'number') unknown.push(i);
  }
  for (let at = 0; at < unknown.length; at += SNIFFS_AT_ONCE) {
    const slice = unknown.slice(at, at + SNIFFS_AT_ONCE);
    const found = await Promise.all(slice.map((i) => sniffFormat(paths[i]!, sizes[i] as number)));
    slice.forEach((i, k) => (formats[i] = found[k]!));
  }
  return formats;
}

/**
 * Walks a dropped folder: listed in a thread of its own (walk-thread.ts), so
 * the listing and the files' sizes overlap with the inserts on this thread.
 * Files inside folders are not checked for readability one by one: one that
 * cannot be read fails its own job with permission_denied.
 */
async function walkFolder(root: string, addFiles: AddFiles, rejected: Rejection[]): Promise<void> {
  for await (const folder of walkInThread(root)) {
    if (folder.error) {
      rejected.push({ path: folder.dir, reason: describeFsError(folder.error) });
      continue;
    }
    // The thread's folder paths are whole and normalised, its names plain
    // entries: joined by a separator, not path.join (which normalises each
    // path again), and the names passed on rather than taken back out of the
    // paths. With the loops below, the main thread's part of a walk of
    // 100,000 files went from about 100 to 50 ms of CPU.
    const prefix = folder.dir.endsWith(path.sep) ? folder.dir : folder.dir + path.sep;
    const paths: string[] = [];
    const sizes: Array<number | Error> = [];
    const names: string[] = [];
    folder.files.forEach((name, i) => {
      if (isSystemClutter(name)) return;
      names.push(name);
      paths.push(prefix + name);
      sizes.push(asSize(folder.sizes[i]!));
    });
    await addFiles(paths, sizes, names);
    for (const name of folder.links) rejected.push({ path: path.join(folder.dir, name), reason: 'symbolic link (not followed inside folders)' });
  }
}

/** A size from the walk's thread, or why it could not be read, as an Error (describeFsError reads its code). */
function asSize(size: number | FsError): number | Error {
  return typeof size === 'number' ? size : Object.assign(new Error(size.message), { code: size.code });
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
