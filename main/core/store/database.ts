/**
 * Opening the SQLite file: pragmas and numbered migrations.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

export interface OpenOptions {
  /** Only read: no pragma that writes, no migration (for reads of a file or folder this process cannot write). */
  readonly?: boolean;
}

export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS, opts: OpenOptions = {}): Db {
  if (opts.readonly) return openReadOnly(file, migrations);
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power
  // loss can lose the last transactions, never corrupt the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // SQLite's default page cache is 2 MB: past a few thousand jobs, claims and
  // completions re-read index pages from the OS. 16 MB holds the working set
  // (the claim index's head, recent jobs, counts); it is an upper bound,
  // allocated as pages are used, and counts against the app's memory.
  db.pragma('cache_size = -16384');
  // Sorts and temporary b-trees (RETURNING, GROUP BY) in memory, not temp files.
  db.pragma('temp_store = MEMORY');
  // A checkpoint (WAL pages copied into the file, then an fsync) every 1,000
  // pages, the default, cost the scheduler about a fifth of its time at full
  // speed: every 10,000 pages (40 MB) instead, with the WAL file cut back to
  // 64 MB afterwards so it cannot stay large.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('journal_size_limit = 67108864');
  try {
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Read-only: the file as it is, or refused if its schema is not this Quarry's
 * (an older one cannot be migrated without writing).
 */
function openReadOnly(file: string, migrations: readonly Migration[]): Db {
  let db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    checkSchema(db, migrations);
  } catch (err) {
    db.close();
    if (!needsShmFile(err) || walHasFrames(file)) throw err;
    // Even reading a WAL database takes its -shm file, which cannot be made in
    // a folder nobody may write: a database closed cleanly there (nothing left
    // in its -wal) is read from a copy in memory instead, its header marked as
    // a rollback-journal file (bytes 18-19) so that SQLite asks for no -shm.
    const copy = readFileSync(file);
    copy[18] = copy[19] = 1;
    db = new Database(copy, { readonly: true });
    checkSchema(db, migrations);
  }
  return db;
}

function needsShmFile(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_READONLY_CANTINIT';
}

function walHasFrames(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > 0;
  } catch {
    return false;
  }
}

function checkSchema(db: Db, migrations: readonly Migration[]): void {
  const current = schemaVersion(db);
  const known = migrations.at(-1)?.version ?? 0;
  if (current > known) throw tooNew(current, known);
  if (current < known) {
    throw new Error(
      `This database has schema version ${current}, older than this Quarry's ${known}, and it cannot be upgraded read-only: open it once where it can be written.`,
    );
  }
}

const tooNew = (current: number, known: number) =>
  new SchemaTooNewError(
    `This database has schema version ${current}, but this Quarry knows only up to ${known}: it was written by a newer Quarry. Upgrade Quarry to open it.`,
  );

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies every migration newer than the file's version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const current = schemaVersion(db);
  const known = migrations.at(-1)?.version ?? 0;
  if (current > known) throw tooNew(current, known);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    })();
  }
}
