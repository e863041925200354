/**
 * The durable job store: every read and write of jobs goes through here. This
 * class only composes the modules that do the work, one per concern:
 *
 * - statements.ts   every SQL statement, prepared once
 * - core.ts         transactions and their events, finding a job, the guarded status write
 * - insert.ts       new jobs and batches (the store's half of intake)
 * - transitions.ts  status changes: claim, fail, retryLater, release, recoverStale,
 *                   cancel, retry, rerun, delete, prune; lease, progress, priority
 * - completion.ts   complete and completeMany, one path; a container becoming a batch
 * - batch-rules.ts  what follows a change: dependencies, batches settling, cascades
 * - reads.ts        listings, history, results, statistics, batch progress
 * - list-query.ts   the jobs list: any filter and sort, a window at an offset, exact counts
 * - settings.ts     the engine's settings (queue paused, retention)
 * - search-index.ts the full-text index's rows, written with each result
 * - search.ts       full-text search (queries translated by fts-query.ts)
 * - export-query.ts the jobs an export writes (its filter as SQL)
 *
 * Every job it changes is announced ('changed', 'added', 'removed', 'abort')
 * only after the transaction commits.
 */
import { EventEmitter } from 'node:events';
import type { ExtractionResult, Format } from '../../../shared/extraction.js';
import type { SearchQuery, SearchResult } from '../../../shared/search.js';
import type { ExportFilter } from '../../../shared/export-filter.js';
import type { StatsOverview } from '../../../shared/stats.js';
import type { ListFilter, ListPage, ListQuery } from '../../../shared/list-query.js';
import type { Job, JobEvent, JobFilter, JobStats, JobStatus } from '../../../shared/job.js';
import { endFilling, setBatchPaused, startFilling } from './batch-rules.js';
import { complete, completeMany, type Completion, type CompletionDetails } from './completion.js';
import { StoreCore, type StoreEvents } from './core.js';
import { openDatabase, type Db, type OpenOptions } from './database.js';
import { countExportRows, exportRows, type ExportRow } from './export-query.js';
import { FinishCounter } from './finish-counter.js';
import { add, addBatch, insert } from './insert.js';
import * as listQuery from './list-query.js';
import * as reads from './reads.js';
import { search } from './search.js';
import {
  finishChunks,
  indexAllPending,
  indexChunk,
  indexPendingFor,
  pendingChunkJobs,
  pendingChunks,
  pendingResults,
  type PendingChunks,
} from './search-index.js';
import { statsOverview } from './stats-overview.js';
import type { JobError, NewJob, Progress, StoredResult } from './rows.js';
import { Settings } from './settings.js';
import * as transitions from './transitions.js';

export { JobNotFoundError } from '../errors.js';
export { newOwnerId, type JobError, type NewJob, type Progress, type StoredResult } from './rows.js';
export type { StoreEvents } from './core.js';

/** How long an export that selects by a search indexes owed results before it reads (ms). */
export const EXPORT_CATCH_UP_MS = 2_000;

export class JobStore extends EventEmitter<StoreEvents> {
  readonly db: Db;
  readonly settings: Settings;
  private readonly core: StoreCore;
  /** Jobs finished in the last minute and hour, counted as they finish (see FinishCounter). */
  private readonly finishes: FinishCounter;

  constructor(db: Db) {
    super();
    this.db = db;
    this.core = new StoreCore(db, (event, ...args) => this.emit(event, ...(args as never)));
    this.settings = new Settings(this.core.sql);
    this.finishes = new FinishCounter((from, to) => reads.finishesBySecond(this.core, from, to));
  }

  static open(file: string, opts: OpenOptions = {}): JobStore {
    return new JobStore(openDatabase(file, undefined, opts));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in a transaction; its events are announced only if it commits. */
  tx<T>(fn: () => T): T {
    return this.core.tx(fn);
  }

  // ---- intake (insert.ts) ---------------------------------------------------

  insert(jobs: readonly NewJob[], shared: { defaults?: NewJob; parentId?: string } = {}): string[] {
    return insert(this.core, jobs, shared);
  }

  add(jobs: readonly NewJob[]): Job[] {
    return add(this.core, jobs);
  }

  /** A batch and its children; `fillingOwner`: more children follow, the batch is held open (startFilling) until endFilling. */
  addBatch(parent: NewJob, children: readonly NewJob[], childDefaults: NewJob = {}, opts: { fillingOwner?: string } = {}): { batch: Job; childIds: string[] } {
    return addBatch(this.core, parent, children, childDefaults, opts);
  }

  /** A batch an intake is still adding files to cannot end (see batch-rules.ts). */
  startFilling(batchId: string, owner: string): void {
    startFilling(this.core, batchId, owner);
  }

  /** Its files are all in: it may end now. */
  endFilling(batchId: string, name?: string): Job | undefined {
    return endFilling(this.core, batchId, name);
  }

  // ---- the scheduler's transitions (transitions.ts, completion.ts) ----------

  claim(limit: number, now: number, leaseMs: number, owner: string): Job[] {
    return transitions.claim(this.core, limit, now, leaseMs, owner);
  }

  renewLeases(owner: string, until: number): void {
    transitions.renewLeases(this.core, owner, until);
  }

  progress(id: string, p: Progress): void {
    transitions.progress(this.core, id, p);
  }

  setStepIndex(id: string, index: number): void {
    transitions.setStepIndex(this.core, id, index);
  }

  completeMany(items: readonly Completion[]): { done: Job[]; refused: string[] } {
    return completeMany(this.core, items);
  }

  complete(id: string, result: ExtractionResult, opts: CompletionDetails & { children?: NewJob[] } = {}): Job {
    return complete(this.core, id, result, opts);
  }

  fail(id: string, error: JobError, format?: Format): Job {
    return transitions.fail(this.core, id, error, format);
  }

  retryLater(id: string, error: JobError, nextRetryAt: number): Job {
    return transitions.retryLater(this.core, id, error, nextRetryAt);
  }

  release(id: string, error: JobError): Job {
    return transitions.release(this.core, id, error);
  }

  recoverStale(now: number, ownOwner?: string): Job[] {
    return transitions.recoverStale(this.core, now, ownOwner);
  }

  // ---- a person's operations (ids may be unambiguous prefixes) --------------

  cancel(idOrPrefix: string, message?: string): Job {
    return transitions.cancel(this.core, idOrPrefix, message);
  }

  retry(idOrPrefix: string): Job {
    return transitions.retry(this.core, idOrPrefix);
  }

  rerun(idOrPrefix: string): Job {
    return transitions.rerun(this.core, idOrPrefix);
  }

  delete(idOrPrefix: string): Job {
    return transitions.remove(this.core, idOrPrefix);
  }

  prune(before: number, statuses?: readonly JobStatus[]): number {
    return transitions.prune(this.core, before, statuses);
  }

  /** Queues a failed file job again with these options added to its own (retryWithOptions). */
  retryWithOptions(idOrPrefix: string, options: Record<string, unknown>): Job {
    return transitions.retryWithOptions(this.core, idOrPrefix, options);
  }

  setPriority(idOrPrefix: string, priority: number): Job {
    return transitions.setPriority(this.core, idOrPrefix, priority);
  }

  setBatchPaused(idOrPrefix: string, paused: boolean): Job {
    return setBatchPaused(this.core, idOrPrefix, paused);
  }

  // ---- reads (core.ts, reads.ts) --------------------------------------------

  get(id: string): Job | undefined {
    return this.core.get(id);
  }

  resolve(idOrPrefix: string): Job {
    return this.core.resolve(idOrPrefix);
  }

  list(filter?: JobFilter): Job[] {
    return reads.list(this.core, filter);
  }

  ids(filter?: Omit<JobFilter, 'limit' | 'before'>): string[] {
    return reads.ids(this.core, filter);
  }

  /** A window of the jobs list at an offset, sorted and filtered, with the exact count (list-query.ts). */
  query(q: ListQuery): ListPage {
    return listQuery.query(this.core, q);
  }

  /** The ids of a range of the jobs list, in its order. */
  queryIds(q: Parameters<typeof listQuery.queryIds>[1]): string[] {
    return listQuery.queryIds(this.core, q);
  }

  /** Every file job matching a list filter, as (id, status), in pages: what bulk actions walk. */
  matching(filter: ListFilter, pageSize?: number): Generator<Array<{ id: string; status: JobStatus }>> {
    return listQuery.matching(this.core, filter, pageSize);
  }

  events(id: string): JobEvent[] {
    return reads.events(this.core, id);
  }

  result(id: string): StoredResult | undefined {
    return reads.result(this.core, id);
  }

  /** Full-text search over stored results (search.ts); `batch` may be an id prefix. */
  /** `catchUpMs`: how long owed results are indexed first (the engine's thread keeps it short; the CLI, with nothing else to do, longer). */
  search(q: SearchQuery, catchUpMs?: number): SearchResult {
    return search(this.core, q.batch ? { ...q, batch: this.core.resolve(q.batch).id } : q, catchUpMs);
  }

  finishedWithResults(statuses?: readonly JobStatus[]): Generator<{ job: Job; result: StoredResult | undefined }> {
    return reads.finishedWithResults(this.core, statuses);
  }

  /** The jobs whose spooled full text is not wholly in the search index yet (search-index.ts). */
  pendingChunkJobs(): string[] {
    return pendingChunkJobs(this.core);
  }

  /** Where a spooled full text's indexing stands; undefined when nothing is owed. */
  pendingChunks(seq: number): PendingChunks | undefined {
    return pendingChunks(this.core, seq);
  }

  /** One chunk of a spooled full text into the search index; false when the result changed meanwhile. */
  indexChunk(at: PendingChunks, completedAt: number, nextByte: number, text: string | Buffer): boolean {
    return indexChunk(this.core, at, completedAt, nextByte, text);
  }

  /** A spooled full text is wholly indexed. */
  finishChunks(at: PendingChunks, completedAt: number): boolean {
    return finishChunks(this.core, at, completedAt);
  }

  /** The database has the full-text index (a file made before migration 5, or one whose index was dropped, has none). */
  get hasSearchIndex(): boolean {
    return this.core.sql.hasSearchIndex;
  }

  /**
   * Waits, before each transaction takes the write lock, while `gate` says
   * another thread holds it: woken the moment it is released, rather than
   * by SQLite's busy handler, which sleeps 1, 2, 5, 10 ms... and checks
   * again (search-indexer.ts). `busy` says the same without blocking (see
   * writeBusy).
   */
  setWriteGate(gate: (() => void) | undefined, busy?: () => Promise<void> | undefined): void {
    this.core.writeGate = gate;
    this.core.writeBusy = gate ? busy : undefined;
  }

  /**
   * Whether another thread holds the write lock now: a promise of its
   * release (undefined when it is free). The scheduler waits on it rather
   * than block its thread in the gate, so that reads (the dashboard's) and
   * the extraction host's messages go on meanwhile.
   */
  writeBusy(): Promise<void> | undefined {
    return this.core.writeBusy?.();
  }

  /** Results stored but not yet in the full-text index (the background indexer writes them, search-index.ts). */
  pendingResults(): number {
    return pendingResults(this.core);
  }

  /** Indexes every result still owed to the full-text index, now, on this connection; returns how many. */
  indexPending(): number {
    return indexAllPending(this.core);
  }

  /** The jobs an export of this filter writes, oldest first; `batch` and `ids` may be prefixes. */
  exportRows(filter: ExportFilter = {}): Generator<ExportRow> {
    return this.exportSelection(filter).rows;
  }

  /** The jobs an export of this filter writes, and (a filter with a query) how many results the index still owed, which it could not find. */
  exportSelection(filter: ExportFilter = {}): { rows: Generator<ExportRow>; indexing: number } {
    const indexing = this.indexBeforeSearch(filter);
    return { rows: exportRows(this.core, this.resolveExportFilter(filter)), indexing };
  }

  /** How many jobs an export of this filter writes. */
  countExportRows(filter: ExportFilter = {}): number {
    this.indexBeforeSearch(filter);
    return countExportRows(this.core, this.resolveExportFilter(filter));
  }

  /**
   * An export that selects by a search writes the files that match: what is
   * owed to the index is indexed first, for at most EXPORT_CATCH_UP_MS (a
   * backlog of 100,000 results must not freeze the engine's thread, and a
   * lock held elsewhere is no export error). Returns the results still owed,
   * which the export could not find.
   */
  indexBeforeSearch(filter: ExportFilter): number {
    if (!filter.query?.trim()) return 0;
    try {
      return indexPendingFor(this.core, EXPORT_CATCH_UP_MS).left;
    } catch {
      return pendingResults(this.core);
    }
  }

  private resolveExportFilter(f: ExportFilter): ExportFilter {
    return {
      ...f,
      ...(f.batch ? { batch: this.core.resolve(f.batch).id } : {}),
      ...(f.ids ? { ids: f.ids.map((id) => this.core.resolve(id).id) } : {}),
      ...(f.exclude ? { exclude: f.exclude.flatMap((id) => this.core.get(id)?.id ?? []) } : {}),
    };
  }

  stats(now?: number): JobStats {
    return reads.stats(this.core, this.finishes, now);
  }

  /** The statistics view's numbers: counts, durations per format, failures by code, the last hour's throughput. */
  statsOverview(now?: number): StatsOverview {
    return statsOverview(this.core, this.finishes, now);
  }

  batchProgress(id: string, now?: number) {
    return reads.batchProgress(this.core, id, now);
  }

  nextDueAt(): number | null {
    return reads.nextDueAt(this.core);
  }

  hasActive(): boolean {
    return reads.hasActive(this.core);
  }

  notRunning(ids: readonly string[]): string[] {
    return reads.notRunning(this.core, ids);
  }

  findReusable(contentHash: string, options: Record<string, unknown>, excludeId: string): string | undefined {
    return reads.findReusable(this.core, contentHash, options, excludeId);
  }

  outdated(current: Record<string, string>): string[] {
    return reads.outdated(this.core, current);
  }
}
