/**
 * Intake: turns what a person dropped (files and folders) into new jobs, and
 * says what was rejected and why. Folders are walked recursively; symbolic
 * links are not followed (a link loop must not hang intake).
 */
import { constants, lstatSync } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import type { Rejection } from '../../shared/contract.js';
import type { FailureAction, Job } from '../../shared/job.js';
import type { JobStore, NewJob } from './store/job-store.js';

/** Dropped paths walked: a new job for each file found, and what was rejected. */
export interface ExpandedPaths {
  files: NewJob[];
  rejected: Rejection[];
}

export async function expandPaths(inputs: readonly string[]): Promise<ExpandedPaths> {
  const files: NewJob[] = [];
  const rejected: Rejection[] = [];
  // Several inputs may name the same file twice (a folder and a file in it); one cannot.
  const seen = inputs.length > 1 ? new Set<string>() : undefined;
  const addFile = (abs: string, size: number) => {
    if (seen?.has(abs)) return;
    seen?.add(abs);
    files.push({ sourcePath: abs, fileName: path.basename(abs), sizeBytes: size });
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
      else addFile(abs, st.size);
    } else if (st.isDirectory()) {
      await walk(abs, addFile, rejected, { slowDisk: false });
    } else {
      rejected.push({ path: input, reason: 'not a regular file or folder' });
    }
  }
  return { files, rejected };
}

/**
 * Walks a folder. Files inside folders are not checked for readability one
 * by one: one that cannot be read fails its own job with permission_denied.
 */
async function walk(dir: string, addFile: (p: string, size: number) => void, rejected: Rejection[], disk: Disk): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    rejected.push({ path: dir, reason: describeFsError(err) });
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(dir, e.name));
  const sizes = await sizesOf(files, disk);
  files.forEach((p, i) => {
    const size = sizes[i]!;
    if (size instanceof Error) rejected.push({ path: p, reason: describeFsError(size) });
    else addFile(p, size);
  });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, addFile, rejected, disk);
    else if (e.isSymbolicLink()) rejected.push({ path: p, reason: 'symbolic link (not followed inside folders)' });
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

/** Queues what a person dropped: one job per file, under a batch when it is a folder or several files. */
export async function intakePaths(store: JobStore, paths: readonly string[], opts: AddPathsOptions = {}): Promise<Intake> {
  const { files, rejected } = await expandPaths(paths);
  const { batch: mode = 'auto', maxChildFailures, failureAction, batchName, ...jobOpts } = opts;
  const folder = paths.length === 1 && files.length > 0 && files[0]!.sourcePath !== path.resolve(paths[0]!);
  const asBatch = !opts.parentId && files.length > 0 && (mode === 'always' || (mode === 'auto' && (files.length > 1 || folder)));
  if (!asBatch) {
    const ids = store.insert(files, { defaults: jobOpts });
    return { batch: null, count: ids.length, jobs: ids.slice(0, 1000).map((id) => store.get(id)!), rejected };
  }
  const name = batchName ?? (folder ? path.basename(path.resolve(paths[0]!)) : `${files.length} files`);
  const { batch, childIds } = store.addBatch(
    {
      fileName: name,
      sourcePath: folder ? path.resolve(paths[0]!) : undefined,
      source: opts.source,
      priority: opts.priority,
      maxChildFailures,
      failureAction,
      // What its files run, for display (a batch itself never runs a pipeline).
      definition: opts.definition,
      definitionVersion: opts.definitionVersion,
    },
    files,
    jobOpts,
  );
  return { batch: store.get(batch.id)!, count: childIds.length, jobs: childIds.slice(0, 1000).map((id) => store.get(id)!), rejected };
}
