/**
 * What every `quarry` command shares: output, errors a person can read, the
 * --db option, opening the store (the engine is in cli-engine.ts),
 * printing jobs.
 */
import { statfsSync } from 'node:fs';
import path from 'node:path';
import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander';
import type { Job } from '../shared/job.js';
import { defaultDbPath } from './core/paths.js';
import { JobStore } from './core/store/job-store.js';

/**
 * Control characters (C0 but tab and newline where the layout uses them, DEL,
 * C1) and bidi and line-separator controls, as `\xHH` or `\uHHHH`: a file name
 * or message that carries an ESC sequence or a right-to-left override must not
 * recolour, move or reorder the user's terminal. Tab and newline of a single
 * value (a name, a message) are escaped too, so that it cannot break a table
 * row or forge a line of its own.
 */
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const LAYOUT_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const escapeChar = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** A value (file name, message) safe to print: every control character escaped. */
export const printable = (text: string): string => text.replace(CONTROLS, escapeChar);

/** Whole lines of text: the same, but their own tabs and newlines stay. */
const printableLines = (text: string): string => text.replace(LAYOUT_CONTROLS, escapeChar);

/**
 * Lines for stdout, written together once per turn of the event loop: a
 * pipe is written synchronously on Linux, and a line per file of a 10,000-file
 * run cost a system call each (a quarter of `quarry extract`'s time).
 */
let pendingOut: string[] = [];
function flushOut(): void {
  if (!pendingOut.length) return;
  const text = pendingOut.join('');
  pendingOut = [];
  process.stdout.write(text);
}

export const out = (s: string): void => {
  if (!pendingOut.length) setImmediate(flushOut);
  pendingOut.push(printableLines(s) + '\n');
};
/** Text as it is, with no newline added (a long text written in slices): escaped as `out` escapes. */
export const outText = (s: string): void => {
  if (!pendingOut.length) setImmediate(flushOut);
  pendingOut.push(printableLines(s));
};

/** A line whose parts the caller escaped already (printable), carrying its own terminal styling (ANSI). */
export const outStyled = (s: string): void => {
  if (!pendingOut.length) setImmediate(flushOut);
  pendingOut.push(s + '\n');
};

/** Errors go out at once, after what stdout had waiting (so the two keep their order on a terminal). */
export const err = (s: string): void => {
  flushOut();
  process.stderr.write(printableLines(s) + '\n');
};

/**
 * Exact JSON on stdout. JSON.stringify escapes C0 controls already; DEL, C1
 * and bidi controls are escaped the JSON way (`\u202e`), which parses back to
 * the very same string.
 */
export const json = (v: unknown): void =>
  void (flushOut(), process.stdout).write(
    JSON.stringify(v, null, 2).replace(
      /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ) + '\n',
  );

/** Commander's own messages (usage errors that echo what was typed) go through the same escaping. */
export const commanderOutput = {
  writeOut: (s: string) => void process.stdout.write(printableLines(s)),
  writeErr: (s: string) => void process.stderr.write(printableLines(s)),
};

/**
 * Ends the process once stdout and stderr have handed everything to the OS:
 * on a pipe, writes past the pipe's 64 KiB are queued, and process.exit()
 * alone would drop them (`quarry jobs --json | jq` got cut JSON). Exiting
 * explicitly, not by letting the event loop empty, so that a library handle
 * left open cannot keep the command from ending.
 */
export function exitWhenFlushed(code: number): void {
  flushOut();
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/** Runs a command line; its exit code. Every failure is one clear line (commander prints its own). */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  // `quarry jobs | head`: a reader that stops early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander already printed it
    if (e instanceof CliError) {
      if (!(e instanceof InterruptedError)) err(`quarry: ${printable(e.message)}`);
      return e.exitCode;
    }
    err(`quarry: ${printable(String((e as Error).message ?? e))}`);
    return 1;
  }
}

/** An error already explained to the user: print its message, exit with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Ctrl-C during a run: already explained on stderr, so it exits 130 without another line. */
export class InterruptedError extends CliError {
  constructor() {
    super('interrupted', 130);
  }
}

export function int(name: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}.`);
    return n;
  };
}

export const dbOption = () => new Option('--db <file>', 'job database (SQLite file)').default(defaultDbPath(), '$QUARRY_DB or the app’s data folder');

/** better-sqlite3's errors carry SQLite's result code (SQLITE_BUSY, SQLITE_FULL, ...). */
const sqliteCode = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
};

export const isStoreFailure = (e: unknown): boolean => sqliteCode(e) !== undefined;

/**
 * A failure of the job database, said so that a person knows what happened
 * and what to do, in one line. The jobs stay in the file: a job that was
 * running when the store failed goes back to the queue at the next run.
 */
export function storeFailure(e: unknown, db: string): CliError {
  const code = sqliteCode(e) ?? '';
  const why = (e as Error).message;
  const kept = 'Nothing queued was lost';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new CliError(
      `The job database ${db} is locked by another process (${why}). ${kept}: run the command again once that process is done with it (another quarry run, serve or the app).`,
    );
  }
  if (code === 'SQLITE_FULL' || (code.startsWith('SQLITE_IOERR') && diskFull(db))) {
    return new CliError(`The disk that holds the job database ${db} is full (${why}). ${kept}: free some space and run the command again.`);
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM') {
    return new CliError(
      `The job database ${db} cannot be written here (${why}): it or its folder is read-only. ${kept}: make both writable, or name another file with --db.`,
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return new CliError(`The job database ${db} is damaged or is not a Quarry database (${why}).`);
  return new CliError(`The job database ${db} failed (${why}). ${kept}: run the command again; if it fails again, check the disk.`);
}

/** A full disk shows as an I/O error where SQLite cannot grow its -shm file (SQLITE_IOERR_SHMSIZE), not as SQLITE_FULL. */
function diskFull(db: string): boolean {
  try {
    return statfsSync(path.dirname(path.resolve(db))).bavail === 0;
  } catch {
    return false;
  }
}

/**
 * Opens the store only, for commands that just read. `readOnly` commands fall
 * back to a read-only open where the file or its folder cannot be written (a
 * backup, a snapshot, a read-only share).
 */
export function withStore<T>(db: string, fn: (store: JobStore) => T | Promise<T>, { readOnly = false } = {}): Promise<T> {
  return explainStoreFailures(db, async () => {
    const store = openStore(db, readOnly);
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  });
}

/** Runs a command's work; a failure of the job database on the way is said as storeFailure says it. */
export async function explainStoreFailures<T>(db: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw isStoreFailure(e) ? storeFailure(e, db) : e;
  }
}

function openStore(db: string, readOnly: boolean): JobStore {
  try {
    return JobStore.open(db);
  } catch (e) {
    if (!readOnly || !cannotWrite(e)) throw e;
    return JobStore.open(db, { readonly: true });
  }
}

const cannotWrite = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^SQLITE_(READONLY|CANTOPEN|PERM)/.test(code) || ['EACCES', 'EPERM', 'EROFS'].includes(code));
};

export function duration(job: Job): string {
  if (!job.startedAt) return '';
  const ms = (job.completedAt ?? Date.now()) - job.startedAt;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function printJobs(jobs: Job[], asJson: boolean): void {
  if (asJson) return json(jobs);
  if (!jobs.length) return out('no jobs');
  out(['ID', 'STATUS', 'FORMAT', 'ATTEMPTS', 'TIME', 'FILE'].join('\t'));
  for (const j of jobs) {
    const attempts = `${j.retryCount + (j.startedAt ? 1 : 0)}/${j.maxRetries + 1}`;
    out([j.shortId, j.status, j.format ?? '-', attempts, duration(j) || '-', printable(j.fileName ?? '-')].join('\t'));
    if (j.errorMessage && j.status !== 'completed') out(`\t${printable(j.errorMessage)}`);
  }
}
