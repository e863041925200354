/**
 * A folder's walk in a thread of its own, so that it overlaps with the
 * inserts on the main thread (intake.ts): while one chunk of files goes into
 * the store, the next folders are listed and their files' sizes read. On
 * the main thread the two took turns, and the walk (a listing and an lstat
 * per file) cost about a third of a big intake.
 *
 * The thread lists folders depth-first in name order, as the main thread's
 * walk does, and hands each folder's files on with their sizes (or why a
 * size could not be read), its symbolic links (not followed), or why the
 * folder could not be listed. It decides nothing else: clutter, formats and
 * rejections stay with intake.
 */
import { lstatSync, opendirSync, readdirSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** One folder as the thread saw it, or a part of a big one (its files in parts, its links with the last): names are relative to `dir`. */
export interface ListedFolder {
  dir: string;
  /** The folder could not be listed: why (an errno code and message). */
  error?: FsError;
  files: string[];
  /** Each file's size, or why its lstat failed. */
  sizes: Array<number | FsError>;
  links: string[];
}

export interface FsError {
  code?: string;
  message: string;
}

/**
 * The thread's code. Plain JavaScript run from source text: the engine runs
 * from bundles (dist/) and from TypeScript sources (tests), and source text
 * needs no file of its own beside either. Folders are posted a few at a time
 * (one message for many small folders costs less than one each).
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readdirSync, lstatSync } = require('node:fs');
const path = require('node:path');
const fsError = (err) => ({ code: err && err.code, message: String((err && err.message) || err) });
let pending = [];
let count = 0;
const flush = () => {
  if (pending.length) parentPort.postMessage(pending);
  pending = [];
  count = 0;
};
const walk = (dir) => {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    pending.push({ dir, error: fsError(err), files: [], sizes: [], links: [] });
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  let files = [];
  let sizes = [];
  const links = [];
  for (const e of entries) {
    if (e.isFile()) {
      files.push(e.name);
      try {
        sizes.push(lstatSync(path.join(dir, e.name)).size);
      } catch (err) {
        sizes.push(fsError(err));
      }
      // A big folder goes in parts: its first files need not wait for its last.
      if (files.length >= workerData.batch) {
        pending.push({ dir, files, sizes, links: [] });
        flush();
        files = [];
        sizes = [];
      }
    } else if (e.isSymbolicLink()) links.push(e.name);
  }
  pending.push({ dir, files, sizes, links });
  count += files.length + 1;
  // The first folder at once (the first jobs start from it), then a message per workerData.batch files or so.
  if (count >= workerData.batch || workerData.first) {
    workerData.first = false;
    flush();
  }
  for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
};
walk(workerData.root);
flush();
parentPort.postMessage(null);
`;

/** Files listed here before the thread starts: intake's first chunk (intake.ts) is 64. */
const FIRST_FILES_HERE = 64;

/** A folder with more entries than this is left to the thread. */
const MAX_ENTRIES_HERE = 2_000;

/** A folder listed here that took longer than this: the disk is slow, the thread lists the rest. */
const SLOW_FOLDER_MS = 20;

/** Files (and folders) a message holds, about: fewer messages, without holding the first folder back. */
const FILES_PER_MESSAGE = 512;

/**
 * Lists a folder tree in a thread, yielding its folders in walk order as they
 * come. A thread takes tens of milliseconds to start (more on a busy
 * machine): until its first folders arrive, folders are listed here, so the
 * first jobs of a big drop do not wait for it; the thread's listing of those
 * folders is then skipped. Should the thread fail, the walk goes on here.
 * Ending the iteration early (a thrown error) stops the thread.
 */
export async function* walkInThread(root: string): AsyncGenerator<ListedFolder> {
  const here = listHere(root);
  // The folders listed here, whose listing by the thread is skipped.
  const listedHere = new Set<string>();
  // A folder too big to list here came up: the thread lists everything from it on.
  let handedOver = false;
  // The first files are listed here before the thread is even created (which
  // costs this thread a few milliseconds): the first jobs start from them.
  for (let files = 0; files < FIRST_FILES_HERE;) {
    const r = here.next();
    if (r.done) return;
    if (!r.value) {
      handedOver = true;
      break;
    }
    listedHere.add(r.value.dir);
    files += r.value.files.length;
    yield r.value;
  }
  const thread = threadListing(root);
  // The thread's first answer, raced against the folders listed here meanwhile.
  let first: Promise<IteratorResult<ListedFolder>> | undefined = thread.next();
  let arrived = false;
  void first.then(
    () => (arrived = true),
    () => (arrived = true),
  );
  try {
    while (!arrived && !handedOver) {
      const started = performance.now();
      const r = here.next();
      if (r.done) return;
      if (!r.value) break;
      listedHere.add(r.value.dir);
      yield r.value;
      // A slow disk (a network drive): the rest waits for the thread rather than hold this one up.
      if (performance.now() - started > SLOW_FOLDER_MS) break;
      // Lets the thread's messages in.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    let fromThread = false;
    try {
      for (let r = await first; !r.done; r = await thread.next()) {
        first = undefined;
        if (listedHere.has(r.value.dir)) continue;
        fromThread = true;
        yield r.value;
      }
    } catch (err) {
      // The thread failed before it handed anything on: the walk goes on here.
      if (fromThread) throw err;
      for (const folder of listHere(root, Infinity)) if (!listedHere.has(folder!.dir)) yield folder!;
    }
  } finally {
    await thread.return(undefined);
  }
}

/**
 * A folder tree listed on this thread, one folder at a time, as the thread's
 * code lists it; `undefined` for a folder with more than `maxEntries` (its
 * files' sizes would hold this thread up): the thread lists it, in parts.
 */
function* listHere(dir: string, maxEntries = MAX_ENTRIES_HERE): Generator<ListedFolder | undefined> {
  let entries: Dirent[] | undefined;
  try {
    entries = readAtMost(dir, maxEntries);
  } catch (err) {
    yield { dir, error: fsError(err), files: [], sizes: [], links: [] };
    return;
  }
  if (!entries) {
    yield undefined;
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const folder: ListedFolder = { dir, files: [], sizes: [], links: [] };
  for (const e of entries) {
    if (e.isFile()) {
      folder.files.push(e.name);
      try {
        folder.sizes.push(lstatSync(path.join(dir, e.name)).size);
      } catch (err) {
        folder.sizes.push(fsError(err));
      }
    } else if (e.isSymbolicLink()) folder.links.push(e.name);
  }
  yield folder;
  for (const e of entries) if (e.isDirectory()) yield* listHere(path.join(dir, e.name), maxEntries);
}

/** A folder's entries, or undefined past `max` of them (read no further: a folder of 100,000 files takes a while to list). */
function readAtMost(dir: string, max: number): Dirent[] | undefined {
  if (max === Infinity) return readdirSync(dir, { withFileTypes: true });
  const d = opendirSync(dir);
  try {
    const entries: Dirent[] = [];
    for (let e = d.readSync(); e; e = d.readSync()) if (entries.push(e) > max) return undefined;
    return entries;
  } finally {
    d.closeSync();
  }
}

function fsError(err: unknown): FsError {
  return { code: (err as NodeJS.ErrnoException)?.code, message: String((err as Error)?.message ?? err) };
}

/** The thread's listing, folder by folder. */
async function* threadListing(root: string): AsyncGenerator<ListedFolder> {
  const worker = new Worker(SOURCE, { eval: true, workerData: { root, batch: FILES_PER_MESSAGE, first: true } });
  const queue: Array<ListedFolder[] | null> = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (m: ListedFolder[] | null) => {
    queue.push(m);
    notify();
  });
  worker.on('error', (err) => {
    failure = err;
    notify();
  });
  worker.on('exit', (code) => {
    if (code !== 0) failure ??= new Error(`the folder walk's thread stopped (exit code ${code})`);
    notify();
  });
  try {
    for (;;) {
      const next = queue.shift();
      if (next === null) return;
      if (next) {
        yield* next;
        continue;
      }
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    void worker.terminate();
  }
}
