/**
 * The engine: one store, one pool, one scheduler, and the operations people
 * ask for. The desktop app, the browser bridge and the CLI all drive this same
 * object; it knows nothing of Electron.
 */
import { EventEmitter } from 'node:events';
import type { Job, JobEvent, JobFilter, JobStats, JobStatus } from '../../shared/job.js';
import type { ExportFormat } from '../../shared/contract.js';
import { FullTextIndexer } from './full-text-index.js';
import { SearchIndexer } from './search-indexer.js';
import { exportResults, type ExportOptions, type ExportSummary } from './export.js';
import { intakePaths, type Intake, type AddPathsOptions } from './intake.js';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { DefinitionStore } from './definitions.js';
import { pipelineExecutor } from './pipeline.js';
import { ExtractionHost, type HostCrash, type HostOptions } from './host/client.js';
import { defaultSteps, type StepRegistry } from './steps/registry.js';
import { Schedules } from './schedules.js';
import { WatchFolders } from './watch-folders.js';
import { Scheduler, type Executor, type ProgressEvent, type SchedulerOptions } from './scheduler.js';
import { JobStore } from './store/job-store.js';
import { readResultPart } from './result-parts.js';
import type { ResultPartQuery, ResultPartValue } from '../../shared/result-parts.js';
import type { SearchQuery, SearchResult } from '../../shared/search.js';
import type { StatsOverview } from '../../shared/stats.js';
import type { BulkOutcome, ListPage, ListQuery, ListTarget } from '../../shared/list-query.js';
import type { SettingKey } from './store/settings.js';
import { bulkApply, bulkList, type BulkAction, type BulkFilter } from './bulk.js';
import { jobSpoolDir, spoolRootFor } from './paths.js';
import { jobWeight } from './job-weight.js';
import { startRemote, type Remote, type RemoteOptions } from './remote/owner.js';
import { listWorkers } from './remote/workers-list.js';
import { RemoteControl } from './remote/remote-control.js';
import { applyInput, readSetting, settingView } from './remote/remote-setting.js';
import type { RemoteSettings, RemoteSettingsInput, WorkersList } from '../../shared/workers.js';
import { InvalidInputError } from './errors.js';
import type { ExtractionService } from './pool.js';

export interface EngineOptions {
  dbPath: string;
  concurrency?: number;
  /** The extraction host process and its pool of threads. */
  pool?: HostOptions;
  /** Replaces the pool and the pipelines (benchmarks, tests of the scheduler alone). */
  executor?: Executor;
  /** Archive entries and attachments are written here (default: spool/ beside the database). */
  spoolRoot?: string;
  /** Where export steps write when a definition names no folder (default: exports/ beside the database). */
  exportsDir?: string;
  /** Reuse stored results for identical content unless a job is forced (default true). */
  dedup?: boolean;
  /** Files smaller than this are extracted without the dedup check first (default and least 32 KiB; see steps/extract.ts). */
  dedupMinBytes?: number;
  scheduler?: Omit<SchedulerOptions, 'store' | 'executor' | 'concurrency'>;
  /** Stats are pushed at most this often. */
  statsIntervalMs?: number;
  /** Run watch folders and recurring schedules (the app, the bridge, `quarry run --watch`). */
  background?: boolean;
  /** Remote workers through Redis (main/core/remote): extractions go to them beside the local threads. */
  remote?: RemoteOptions;
  /**
   * Without `remote`, start with the saved remote-workers setting (`settings.remote`: the desktop app and
   * `npm run serve`); `remoteDefaults` fills what a setting does not say (the file endpoint's token).
   */
  remoteFromSettings?: boolean;
  remoteDefaults?: Omit<RemoteOptions, 'redis' | 'localThreads'>;
}

/** Above this many jobs in one intake, one 'jobsAdded' event replaces a 'job' event per job. */
const ADD_EVENTS_LIMIT = 500;

export interface EngineEvents {
  job: [Job];
  jobsAdded: [{ count: number; parentId: string | null }];
  jobRemoved: [string];
  progress: [ProgressEvent];
  stats: [JobStats];
  /** The queue's switches changed (here, or by another process through the settings). */
  switches: [{ paused: boolean; concurrency: number }];
  drained: [];
  error: [Error];
}

/** Pins the definition's current version on the jobs, and its timeout unless the job has one. */
function withDefinition(definitions: DefinitionStore, opts: AddPathsOptions): AddPathsOptions {
  if (!opts.definition) return opts;
  const def = definitions.get(opts.definition);
  return { ...opts, definitionVersion: def.version, timeoutMs: opts.timeoutMs ?? def.timeout_ms };
}

export class Engine extends EventEmitter<EngineEvents> {
  readonly store: JobStore;
  readonly scheduler: Scheduler;
  readonly pool: ExtractionHost | undefined;
  /** Switches remote workers on and off (the engine's options, then the settings). */
  private readonly remoteControl: RemoteControl | undefined;
  /** The concurrency asked for, when remote workers are off (on, all their threads count). */
  private localConcurrency: number | undefined;
  private readonly localFinished = { done: 0, failed: 0 };
  readonly definitions: DefinitionStore;
  readonly steps: StepRegistry;
  readonly watches: WatchFolders;
  readonly schedules: Schedules;
  private readonly background: boolean;
  /** Where extractions write archive entries and attachments, one folder per job. */
  readonly spoolRoot: string;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  /** Spool folders of deleted jobs being removed: close() waits for them (a CLI exits right after). */
  private readonly removals = new Set<Promise<void>>();
  /** How long the last pushed stats() took, in ms. */
  private statsCostMs = 0;
  private readonly statsIntervalMs: number;
  private closed = false;
  /** Streams large files' full texts into the search index after they complete. */
  private readonly fullText: FullTextIndexer;
  /** Writes stored results into the full-text index, on a worker thread, in batches. */
  private readonly searchIndex: SearchIndexer;

  constructor(opts: EngineOptions) {
    super();
    this.store = JobStore.open(opts.dbPath);
    try {
      this.pool = opts.executor
        ? undefined
        : new ExtractionHost({
            threads: threadsFor(opts.concurrency),
            onError: (e) => this.emit('error', e),
            onCrash: (c) => this.emit('error', new Error(crashMessage(c))),
            ...opts.pool,
          });
    } catch (err) {
      this.store.close();
      throw err;
    }
    const dataDir = path.dirname(path.resolve(opts.dbPath));
    this.spoolRoot = opts.spoolRoot ?? spoolRootFor(opts.dbPath);
    this.localConcurrency = opts.concurrency;
    this.remoteControl = this.pool ? this.remoteSwitch(this.pool, opts) : undefined;
    const extraction: ExtractionService | undefined = this.remoteControl?.pool;
    this.steps = extraction
      ? defaultSteps({
          pool: extraction,
          store: this.store,
          spoolRoot: this.spoolRoot,
          exportsDir: opts.exportsDir ?? path.join(dataDir, 'exports'),
          dedup: opts.dedup,
          dedupMinBytes: opts.dedupMinBytes,
        })
      : new Map();
    this.definitions = new DefinitionStore(this.store.db, () => [...this.steps.keys()]);
    if (this.pool) this.definitions.ensureBuiltins();
    this.scheduler = new Scheduler({
      ...opts.scheduler,
      store: this.store,
      executor: opts.executor ?? pipelineExecutor({ definitions: this.definitions, steps: this.steps }),
      concurrency: this.remote ? this.remote.pool.threads : (opts.concurrency ?? this.pool?.threads),
      // Small files share worker tasks in the host: many must be in flight for that.
      weight: jobWeight,
    });
    this.statsIntervalMs = opts.statsIntervalMs ?? 250;
    const intake = (paths: string[], o: AddPathsOptions) => this.addPaths(paths, o);
    this.watches = new WatchFolders(this.store.db, intake, (e) => this.emit('error', e));
    this.schedules = new Schedules(this.store.db, intake, opts.scheduler?.clock);
    this.background = opts.background ?? false;
    // A queue paused by a person stays paused across restarts.
    if (this.setting('queue.paused') === true) this.scheduler.pause();
    // The store announces every change it commits; the engine passes them on.
    this.fullText = new FullTextIndexer(this.store, (e) => this.emit('error', e));
    this.searchIndex = new SearchIndexer({
      dbPath: opts.dbPath,
      store: this.store,
      // Spooled texts indexed from their preview: their whole text is streamed in next.
      onSpooled: () => this.fullText.resume(),
      onError: (e) => this.emit('error', e),
    });
    this.store.on('changed', (job) => this.changed(job));
    this.store.on('added', ({ ids, parentId }) => this.added(ids, parentId));
    this.store.on('removed', (id) => {
      this.emit('jobRemoved', id);
      this.statsChanged();
      // Entries, attachments and the full text of a large file the job's extraction wrote out go with it.
      const removal = rm(jobSpoolDir(this.spoolRoot, id), { recursive: true, force: true })
        .catch((e) => void this.emit('error', e))
        .finally(() => this.removals.delete(removal));
      this.removals.add(removal);
    });
    this.scheduler.on('progress', (p) => this.emit('progress', p));
    this.scheduler.on('drained', () => this.emit('drained'));
    this.scheduler.on('error', (e) => this.emit('error', e));
    // An unexpected error in housekeeping must never end the process: say it,
    // unless the app or CLI listens for errors itself.
    this.on('error', (e) => {
      if (this.listenerCount('error') === 1) console.error(`quarry: ${e.message}`);
    });
  }

  /** Remote workers, while they are on (the engine's option `remote`, or the settings). */
  get remote(): Remote | undefined {
    return this.remoteControl?.remote;
  }

  /** Remote workers beside the local threads: the scheduler keeps all their threads busy. */
  private remoteSwitch(local: ExtractionHost, opts: EngineOptions): RemoteControl {
    const control = new RemoteControl({
      local,
      defaults: opts.remote ?? opts.remoteDefaults ?? {},
      start: (o) =>
        startRemote(o, {
          local,
          localThreads: local.threads,
          store: this.store,
          spoolRoot: this.spoolRoot,
          onError: (e) => this.emit('error', e),
          // Workers came or went: as many jobs at once as there are threads.
          onCapacity: () => this.threadsChanged(),
        }),
      onThreads: () => this.threadsChanged(),
      onError: (e) => this.emit('error', e),
    });
    try {
      if (opts.remote) control.start(opts.remote);
      else if (opts.remoteFromSettings) this.startFromSettings(control);
    } catch (err) {
      this.store.close();
      void local.destroy();
      throw err;
    }
    return control;
  }

  /** The saved setting; one Quarry can no longer use (a bad URL) is said, and Quarry starts without it. */
  private startFromSettings(control: RemoteControl): void {
    const saved = readSetting(this.setting('remote'));
    if (!saved.enabled) return;
    try {
      control.apply(saved);
    } catch (e) {
      queueMicrotask(() => this.emit('error', new Error(`Remote workers stay off: ${(e as Error).message}`)));
    }
  }

  /** As many jobs at once as there are threads that extract. */
  private threadsChanged(): void {
    // (The scheduler does not exist yet while the constructor starts remote workers: it reads the threads itself.)
    if (!this.scheduler) return;
    const remote = this.remote;
    this.scheduler.setConcurrency(remote ? remote.pool.threads : (this.localConcurrency ?? this.pool!.threads));
    this.announceSwitches();
  }

  /**
   * The remote-workers setting (`settings.remote`): read, or changed, saved and
   * applied now. A change Quarry cannot apply (a bad URL, nothing left to
   * extract) is refused and not saved. The password never comes back.
   */
  remoteSettings(input: RemoteSettingsInput = {}): RemoteSettings {
    const control = this.remoteControl;
    if (!control) throw new InvalidInputError('This Quarry has no extraction pool, so no remote workers either.');
    const saved = readSetting(this.setting('remote'));
    if (Object.keys(input).length === 0) return settingView(saved, control.url);
    const next = applyInput(saved, input);
    control.apply(next);
    this.setSetting('remote', next);
    return settingView(next, control.url);
  }

  start(): this {
    this.pool?.warm();
    this.scheduler.start();
    // Results a stop or a crash left unindexed, and large texts left half-indexed.
    if (this.store.pendingResults() > 0) this.searchIndex.nudge();
    this.fullText.resume();
    if (this.background) void this.watches.start().catch((e) => this.emit('error', e));
    this.scheduleTimer = setInterval(() => this.everySecond(), 1000);
    this.scheduleTimer.unref?.();
    return this;
  }

  private lastRetention = 0;

  /** Settings another process may have changed (`quarry pause`), schedules, and retention. */
  private everySecond(): void {
    try {
      const paused = this.setting('queue.paused') === true;
      if (paused !== this.scheduler.isPaused) {
        if (paused) this.scheduler.pause();
        else this.scheduler.resume();
        this.announceSwitches();
      }
      if (!this.background) return;
      void this.schedules.runDue().catch((e) => this.emit('error', e));
      const days = this.setting('retention.days');
      if (typeof days === 'number' && days > 0 && Date.now() - this.lastRetention > 3_600_000) {
        this.lastRetention = Date.now();
        this.store.prune(Date.now() - days * 86_400_000);
      }
    } catch (e) {
      this.emit('error', e as Error);
    }
  }

  bulk(action: BulkAction, filter: BulkFilter) {
    return bulkApply(this.store, action, filter);
  }

  /** The dashboard's bulk action on a selection or a filter: running jobs are left alone and counted as skipped. */
  bulkList(action: BulkAction, target: ListTarget): Promise<BulkOutcome> {
    return bulkList(this.store, action, target);
  }

  /** Runs again every finished job whose extractor has a newer version now. */
  async rerunOutdated(): Promise<string[]> {
    if (!this.pool) return [];
    const ids = this.store.outdated(await this.pool.extractorVersions());
    for (const id of ids) this.store.rerun(id);
    return ids;
  }

  setting(key: SettingKey): unknown {
    return this.store.settings.get(key);
  }

  setSetting(key: SettingKey, value: unknown): void {
    this.store.settings.set(key, value);
  }

  // ---- intake -------------------------------------------------------------

  /** Queues files and folders: a folder or several files become a batch with one child per file. */
  addPaths(paths: readonly string[], opts: AddPathsOptions = {}): Promise<Intake> {
    return intakePaths(this.store, paths, withDefinition(this.definitions, opts));
  }

  // ---- a person's operations (ids may be unambiguous prefixes) ------------

  cancel(id: string): Job {
    return this.store.cancel(id);
  }

  retry(id: string): Job {
    return this.store.retry(id);
  }

  /** Queues a failed encrypted file again with the password a person gave in the app (stored with the job's options, as `--password` is). */
  retryWithPassword(id: string, password: string): Job {
    return this.store.retryWithOptions(id, { password });
  }

  /** Runs a finished job again, even a completed one. */
  rerun(id: string): Job {
    return this.store.rerun(id);
  }

  delete(id: string): Job {
    return this.store.delete(id);
  }

  /** Deletes finished top-level jobs that finished before `before` (ms since the epoch); returns how many went. */
  prune(before: number, statuses?: readonly JobStatus[]): number {
    return this.store.prune(before, statuses);
  }

  setPriority(id: string, priority: number): Job {
    return this.store.setPriority(id, priority);
  }

  /** Holds a batch's pending children (running ones finish), or lets them go again. */
  pauseBatch(id: string): Job {
    return this.store.setBatchPaused(id, true);
  }

  resumeBatch(id: string): Job {
    return this.store.setBatchPaused(id, false);
  }

  setConcurrency(n: number): void {
    this.localConcurrency = n;
    this.scheduler.setConcurrency(n);
    const threads = threadsFor(n);
    if (this.pool && threads > this.pool.threads) this.pool.resize(threads);
    this.announceSwitches();
  }

  /** Tells every window the queue's switches, so none shows a stale "paused" or concurrency. */
  private announceSwitches(): void {
    this.emit('switches', { paused: this.scheduler.isPaused, concurrency: this.scheduler.concurrency });
  }

  get concurrency(): number {
    return this.scheduler.concurrency;
  }

  get isPaused(): boolean {
    return this.scheduler.isPaused;
  }

  /** Pauses the whole queue (remembered across restarts); running jobs finish. */
  pause(): void {
    this.setSetting('queue.paused', true);
    this.scheduler.pause();
    this.announceSwitches();
  }

  resume(): void {
    this.setSetting('queue.paused', false);
    this.scheduler.resume();
    this.announceSwitches();
  }

  // ---- reads ----------------------------------------------------------------

  list(filter?: JobFilter): Job[] {
    return this.store.list(filter);
  }

  /** A window of the dashboard's list, sorted and filtered, with the exact count. */
  query(q: ListQuery): ListPage {
    return this.store.query(q);
  }

  queryIds(q: Parameters<JobStore['queryIds']>[0]): string[] {
    return this.store.queryIds(q);
  }

  get(id: string): Job {
    return this.store.resolve(id);
  }

  /** A job's history: each change of status, with the attempt and the error. */
  history(id: string): JobEvent[] {
    return this.store.events(id);
  }

  batchProgress(id: string) {
    return this.store.batchProgress(id);
  }

  /** Full-text search over extracted results (store/search.ts). */
  search(q: SearchQuery): SearchResult {
    return this.store.search(q);
  }

  /** One part of a job's result, text in slices (result-parts.ts). */
  resultPart(q: ResultPartQuery): Promise<ResultPartValue> {
    return readResultPart(this.store, q);
  }

  stats(): JobStats {
    return this.store.stats();
  }

  statsOverview(): StatsOverview {
    return this.store.statsOverview();
  }

  /** The machines extracting for this queue: the local pool and the remote workers (`version`: Quarry's). */
  workers(version: string): Promise<WorkersList> {
    const remote = this.remote;
    const localThreads = remote ? remote.pool.localThreads : (this.pool?.threads ?? 0);
    return listWorkers({
      version,
      local: this.pool,
      localThreads,
      running: this.scheduler.runningIds,
      localDone: this.localFinished.done,
      localFailed: this.localFinished.failed,
      remote,
      redisUrl: this.remoteControl?.url,
    });
  }

  /** Writes the results the filter selects (every finished file by default). */
  exportTo(outDir: string, format: ExportFormat, opts: ExportOptions = {}): Promise<ExportSummary> {
    return exportResults(this.store, outDir, format, opts);
  }

  /** Nothing left to run, every result in the search index, and the full texts of large files too. */
  async drained(): Promise<void> {
    await this.scheduler.drained();
    await this.searchIndex.idle();
    await this.fullText.idle();
  }

  /** Stops claiming; running jobs finish (or with `abort`, go back to pending uncounted). */
  async close({ abort = false } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.statsTimer);
    clearInterval(this.scheduleTimer);
    await this.watches.stop();
    await this.scheduler.stop({ abort });
    await this.searchIndex.stop();
    await this.fullText.stop();
    await this.remoteControl?.close();
    await this.pool?.close();
    await Promise.all(this.removals);
    this.store.close();
  }

  // ---- events ---------------------------------------------------------------

  private changed(job: Job): void {
    this.countLocal(job);
    // A result was stored (a container's own, as it becomes a batch, too): it is owed to the search index.
    if (job.status === 'completed' || job.status === 'partial' || job.kind === 'batch') this.searchIndex.nudge();
    this.emit('job', job);
    this.statsChanged();
    if (job.status === 'pending') this.scheduler.wake();
  }

  /** Files this process extracted itself (the Workers view's local pool); remote ones are the workers' to count. */
  private countLocal(job: Job): void {
    if (job.kind === 'batch' || !job.startedAt || this.remote?.ranBy.has(job.id)) return;
    if (job.status === 'completed' || job.status === 'partial') this.localFinished.done++;
    else if (job.status === 'failed') this.localFinished.failed++;
  }

  /** Small intakes are pushed job by job; a large one as one 'jobsAdded' (the UI reloads its page). */
  private added(ids: string[], parentId: string | null): void {
    if (ids.length <= ADD_EVENTS_LIMIT) for (const id of ids) this.emit('job', this.store.get(id)!);
    else this.emit('jobsAdded', { count: ids.length, parentId });
    this.statsChanged();
    this.scheduler.wake();
  }

  /**
   * Coalesces bursts: at most one stats event per interval, and no more than
   * about 2% of the main thread's time, but at least every
   * STATS_MAX_INTERVAL_MS. The cost is averaged: one slow call (a GC pause, a
   * busy machine) must not hold the dashboard's counts back.
   */
  private statsChanged(): void {
    if (this.statsTimer || this.closed) return;
    const delay = Math.min(STATS_MAX_INTERVAL_MS, Math.max(this.statsIntervalMs, 50 * this.statsCostMs));
    this.statsTimer = setTimeout(() => {
      this.statsTimer = undefined;
      if (this.closed || !this.store.db.open) return;
      const started = performance.now();
      const stats = this.store.stats();
      this.statsCostMs = 0.7 * this.statsCostMs + 0.3 * (performance.now() - started);
      this.emit('stats', stats);
    }, delay);
    this.statsTimer.unref?.();
  }
}

function crashMessage({ how, files }: HostCrash): string {
  const names = files.map((f) => path.basename(f));
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  return files.length === 1
    ? `the extraction process stopped (${how}) while extracting ${shown}; it was restarted.`
    : `the extraction process stopped (${how}) while extracting ${shown}; it was restarted, and these files run again one at a time to find the one that caused it.`;
}

/** The dashboard's counts are pushed at least this often while jobs change. */
const STATS_MAX_INTERVAL_MS = 2000;

/**
 * Worker threads for a concurrency: one per job at once, but no more than the
 * cores. Extraction is CPU work, and each thread is a V8 heap of its own (32
 * threads on a 2-core laptop held a gigabyte for no speed). Jobs beyond the
 * threads wait for one; their time limit starts when a thread takes them.
 */
function threadsFor(concurrency: number | undefined): number {
  return Math.min(concurrency ?? availableParallelism(), availableParallelism());
}
