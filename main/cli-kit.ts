/**
 * What every `quarry` command shares: output, errors a person can read, the
 * --db option, opening the store, printing jobs.
 */
import { rm } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import type { Job } from '../shared/job.js';
import { defaultDbPath, jobSpoolDir, spoolRootFor } from './core/paths.js';
import { JobStore } from './core/store/job-store.js';

export const out = (s: string): void => void process.stdout.write(s + '\n');
export const err = (s: string): void => void process.stderr.write(s + '\n');

/** An error already explained to the user: print its message, exit with its code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
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
/** Opens the store only (no pool) for commands that just read or edit jobs. */
export async function withStore<T>(db: string, fn: (store: JobStore) => T | Promise<T>): Promise<T> {
  const store = JobStore.open(db);
  // `delete` and `prune` remove jobs without an engine: their files (spool folder) go too, as with the engine.
  const removals: Array<Promise<void>> = [];
  store.on('removed', (id) => removals.push(rm(jobSpoolDir(spoolRootFor(db), id), { recursive: true, force: true }).catch(() => undefined)));
  try {
    return await fn(store);
  } finally {
    await Promise.all(removals);
    store.close();
  }
}

export function duration(job: Job): string {
  if (!job.startedAt) return '';
  const ms = (job.completedAt ?? Date.now()) - job.startedAt;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function printJobs(jobs: Job[], json: boolean): void {
  if (json) return out(JSON.stringify(jobs, null, 2));
  if (!jobs.length) return out('no jobs');
  out(['ID', 'STATUS', 'FORMAT', 'ATTEMPTS', 'TIME', 'FILE'].join('\t'));
  for (const j of jobs) {
    const attempts = `${j.retryCount + (j.startedAt ? 1 : 0)}/${j.maxRetries + 1}`;
    out([j.shortId, j.status, j.format ?? '-', attempts, duration(j) || '-', j.fileName ?? '-'].join('\t'));
    if (j.errorMessage && j.status !== 'completed') out(`\t${j.errorMessage}`);
  }
}

