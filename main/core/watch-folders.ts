/**
 * Watch folders: new and changed files in a watched folder become jobs,
 * once each (a file is queued again only when its size or modification time
 * changes), debounced (a file must stop changing for `debounceMs`, and files
 * arriving together are queued together, as one batch).
 *
 * On start, each folder is scanned, so files added while Quarry was closed
 * are picked up too.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { AddPathsOptions, Intake } from './intake.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { Db } from './store/database.js';

export interface Watch {
  id: string;
  path: string;
  jobOptions: Record<string, unknown>;
  debounceMs: number;
  enabled: boolean;
}

type Row = { id: string; path: string; job_options: string; debounce_ms: number; enabled: number };
const toWatch = (r: Row): Watch => ({
  id: r.id,
  path: r.path,
  jobOptions: JSON.parse(r.job_options),
  debounceMs: r.debounce_ms,
  enabled: r.enabled === 1,
});

export class WatchFolders {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly pending = new Map<string, Set<string>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly intake: (paths: string[], opts: AddPathsOptions) => Promise<Intake>,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  list(): Watch[] {
    return (this.db.prepare('SELECT * FROM watches ORDER BY path').all() as Row[]).map(toWatch);
  }

  async add(folder: string, opts: { jobOptions?: Record<string, unknown>; debounceMs?: number } = {}): Promise<Watch> {
    const abs = path.resolve(folder);
    const st = await stat(abs).catch(() => null);
    if (!st?.isDirectory()) throw new InvalidInputError(`Cannot watch "${folder}": it is not a folder.`);
    const id = randomUUID();
    this.db
      .prepare(
        'INSERT INTO watches (id, path, job_options, debounce_ms) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET job_options = excluded.job_options, debounce_ms = excluded.debounce_ms, enabled = 1',
      )
      .run(id, abs, JSON.stringify(opts.jobOptions ?? {}), opts.debounceMs ?? 2000);
    const w = toWatch(this.db.prepare('SELECT * FROM watches WHERE path = ?').get(abs) as Row);
    if (this.started) await this.startOne(w);
    return w;
  }

  async remove(idOrPath: string): Promise<void> {
    const w = this.find(idOrPath);
    await this.stopOne(w.id);
    this.db.prepare('DELETE FROM watches WHERE id = ?').run(w.id);
  }

  private find(idOrPath: string): Watch {
    const row = this.db.prepare('SELECT * FROM watches WHERE id = ? OR path = ?').get(idOrPath, path.resolve(idOrPath)) as Row | undefined;
    if (!row) throw new NotFoundError(`No watched folder "${idOrPath}".`);
    return toWatch(row);
  }

  private started = false;

  async start(): Promise<void> {
    this.started = true;
    for (const w of this.list()) if (w.enabled) await this.startOne(w);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const id of [...this.watchers.keys()]) await this.stopOne(id);
    await Promise.all(this.inFlight);
  }

  /** Resolves once every file seen so far has been queued (for tests and shutdown). */
  async settle(): Promise<void> {
    for (const id of [...this.timers.keys()]) this.flush(id);
    await Promise.all(this.inFlight);
  }

  private async startOne(w: Watch): Promise<void> {
    if (this.watchers.has(w.id)) return;
    const watcher = watch(w.path, {
      ignoreInitial: false, // the first scan catches files added while Quarry was closed
      followSymlinks: false,
      awaitWriteFinish: w.debounceMs > 0 ? { stabilityThreshold: w.debounceMs, pollInterval: Math.min(100, w.debounceMs) } : false,
      ignored: (p: string) => path.basename(p).startsWith('.') && p !== w.path,
    });
    watcher.on('add', (p) => this.seen(w, p));
    watcher.on('change', (p) => this.seen(w, p));
    watcher.on('error', (err) => this.onError(err as Error));
    this.watchers.set(w.id, watcher);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  private async stopOne(id: string): Promise<void> {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    await this.watchers.get(id)?.close();
    this.watchers.delete(id);
  }

  /** Collects files that settled; queues them together after a short quiet spell. */
  private seen(w: Watch, file: string): void {
    if (!this.pending.has(w.id)) this.pending.set(w.id, new Set());
    this.pending.get(w.id)!.add(file);
    clearTimeout(this.timers.get(w.id));
    this.timers.set(
      w.id,
      setTimeout(() => this.flush(w.id), Math.min(250, w.debounceMs)),
    );
  }

  private flush(watchId: string): void {
    this.timers.delete(watchId);
    const files = [...(this.pending.get(watchId) ?? [])];
    this.pending.delete(watchId);
    if (!files.length) return;
    const w = this.find(watchId);
    const p = this.queueChanged(w, files).catch((err) => this.onError(err));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Queues the files that are new or changed since they were last queued: once each. */
  private async queueChanged(w: Watch, files: string[]): Promise<void> {
    const fresh: Array<{ file: string; size: number; mtime: number }> = [];
    const known = this.db.prepare('SELECT size, mtime_ms FROM watch_files WHERE watch_id = ? AND path = ?');
    for (const file of files) {
      const st = await stat(file).catch(() => null);
      if (!st?.isFile()) continue;
      const prev = known.get(w.id, file) as { size: number; mtime_ms: number } | undefined;
      const mtime = Math.floor(st.mtimeMs);
      if (prev && prev.size === st.size && prev.mtime_ms === mtime) continue;
      fresh.push({ file, size: st.size, mtime });
    }
    if (!fresh.length) return;
    const intake = await this.intake(
      fresh.map((f) => f.file),
      { ...(w.jobOptions as AddPathsOptions), source: 'watch' },
    );
    const record = this.db.prepare(
      'INSERT INTO watch_files (watch_id, path, size, mtime_ms, job_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (watch_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, job_id = excluded.job_id',
    );
    const jobOf = new Map(intake.jobs.map((j) => [j.sourcePath, j.id]));
    this.db.transaction(() => {
      for (const f of fresh) record.run(w.id, f.file, f.size, f.mtime, jobOf.get(f.file) ?? null);
    })();
  }
}
