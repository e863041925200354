/**
 * The SQLite export: a standalone database of the exported results that any
 * SQLite tool opens (schema below, also in docs/export-sqlite.md). It is
 * written to a temporary name and renamed when complete, so a half-written
 * export never passes for a whole one. A spooled full text (over 32 MB) is
 * copied into `text_chunks` 1 MB at a time, never held whole; its
 * document's `text` column then holds NULL and `text_chunked` is 1.
 */
import { rename, rm, stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { ExportFilter } from '../../shared/export-filter.js';
import type { Job } from '../../shared/job.js';
import { resolveInside } from './contain.js';
import { fullTextChunks, openFullText } from './full-text.js';
import type { ExportRow } from './store/export-query.js';
import type { StoredResult } from './store/job-store.js';

export const SQLITE_EXPORT_VERSION = 1;

export const SQLITE_EXPORT_SCHEMA = `
CREATE TABLE export_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
  id TEXT PRIMARY KEY,
  file_name TEXT,
  source_path TEXT,
  format TEXT,
  status TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'container')),
  container_id TEXT,
  size_bytes INTEGER,
  content_hash TEXT,
  created_at TEXT NOT NULL,
  completed_at TEXT,
  extractor TEXT,
  extractor_version TEXT,
  text TEXT,
  markdown TEXT,
  text_chunked INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_category TEXT,
  error_message TEXT,
  counters TEXT NOT NULL DEFAULT '{}',
  warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX documents_container ON documents (container_id);
CREATE TABLE pages (document_id TEXT NOT NULL REFERENCES documents (id), position INTEGER NOT NULL, number INTEGER NOT NULL, text TEXT NOT NULL,
  PRIMARY KEY (document_id, position));
CREATE TABLE tables (document_id TEXT NOT NULL REFERENCES documents (id), position INTEGER NOT NULL, name TEXT, page INTEGER,
  has_header INTEGER NOT NULL, rows TEXT NOT NULL, PRIMARY KEY (document_id, position));
CREATE TABLE metadata (document_id TEXT NOT NULL REFERENCES documents (id), key TEXT NOT NULL, value TEXT, PRIMARY KEY (document_id, key));
CREATE TABLE entities (document_id TEXT NOT NULL REFERENCES documents (id), position INTEGER NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL,
  attributes TEXT, PRIMARY KEY (document_id, position));
CREATE TABLE text_chunks (document_id TEXT NOT NULL REFERENCES documents (id), seq INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (document_id, seq));
`;

/** Rows written per transaction. */
const TX_ROWS = 200;

export async function exportSqlite(rows: Iterable<ExportRow>, outDir: string, filter: ExportFilter) {
  const target = await resolveInside(outDir, 'quarry-results.sqlite', 'write');
  if (!target.ok) throw new Error(`Cannot write quarry-results.sqlite in ${outDir}: something that is not a file has that name.`);
  const partial = `${target.path}.partial`;
  await rm(partial, { force: true });
  const db = new Database(partial);
  let jobs = 0;
  try {
    // A fresh file nobody else reads until it is renamed: no journal needed while writing.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(SQLITE_EXPORT_SCHEMA);
    const info = db.prepare('INSERT INTO export_info (key, value) VALUES (?, ?)');
    info.run('schema_version', String(SQLITE_EXPORT_VERSION));
    info.run('exported_at', new Date().toISOString());
    info.run('filter', JSON.stringify(filter));
    const w = writers(db);
    db.exec('BEGIN');
    for (const { job, result } of rows) {
      await writeDocument(w, job, result);
      if (++jobs % TX_ROWS === 0) db.exec('COMMIT; BEGIN');
    }
    db.exec('COMMIT');
    info.run('documents', String(jobs));
    db.pragma('journal_mode = DELETE');
    db.close();
  } catch (err) {
    if (db.open) db.close();
    await rm(partial, { force: true });
    throw err;
  }
  await rename(partial, target.path);
  const { size } = await stat(target.path);
  return { file: target.path, format: 'sqlite' as const, jobs, bytes: size };
}

function writers(db: Database.Database) {
  return {
    document: db.prepare(`INSERT INTO documents (id, file_name, source_path, format, status, kind, container_id, size_bytes, content_hash,
        created_at, completed_at, extractor, extractor_version, text, markdown, text_chunked, error_code, error_category, error_message, counters, warnings)
      VALUES (@id, @fileName, @sourcePath, @format, @status, @kind, @container, @sizeBytes, @contentHash, @createdAt, @completedAt,
        @extractor, @extractorVersion, @text, @markdown, @chunked, @errorCode, @errorCategory, @errorMessage, @counters, @warnings)`),
    page: db.prepare('INSERT INTO pages (document_id, position, number, text) VALUES (?, ?, ?, ?)'),
    table: db.prepare('INSERT INTO tables (document_id, position, name, page, has_header, rows) VALUES (?, ?, ?, ?, ?, ?)'),
    meta: db.prepare('INSERT OR REPLACE INTO metadata (document_id, key, value) VALUES (?, ?, ?)'),
    entity: db.prepare('INSERT INTO entities (document_id, position, type, value, attributes) VALUES (?, ?, ?, ?, ?)'),
    chunk: db.prepare('INSERT INTO text_chunks (document_id, seq, text) VALUES (?, ?, ?)'),
  };
}

async function writeDocument(w: ReturnType<typeof writers>, job: Job, result: StoredResult | undefined) {
  const doc = result?.document;
  const full = doc?.fullText;
  const chunked = full ? await copyFullText(w, job, full) : false;
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  w.document.run({
    id: job.id,
    fileName: job.fileName,
    sourcePath: job.sourcePath,
    format: job.format,
    status: job.status,
    kind: job.kind === 'batch' ? 'container' : 'file',
    container: job.source === 'archive' ? job.parentId : null,
    sizeBytes: job.sizeBytes,
    contentHash: job.contentHash,
    createdAt: iso(job.createdAt),
    completedAt: iso(job.completedAt),
    extractor: result?.extractor ?? null,
    extractorVersion: result?.extractorVersion ?? null,
    text: chunked ? null : (result?.text ?? null),
    markdown: chunked && full?.markdownIsText ? null : (result?.markdown ?? null),
    chunked: chunked ? 1 : 0,
    errorCode: job.errorCode,
    errorCategory: job.errorCategory,
    errorMessage: job.errorMessage,
    counters: JSON.stringify(doc?.counters ?? {}),
    warnings: JSON.stringify(doc?.warnings ?? []),
  });
  if (!doc) return;
  (doc.pages ?? []).forEach((p, i) => w.page.run(job.id, i, p.number, p.text));
  doc.tables.forEach((t, i) => w.table.run(job.id, i, t.name ?? null, t.page ?? null, t.hasHeader === false ? 0 : 1, JSON.stringify(t.rows)));
  for (const [k, v] of Object.entries(doc.metadata))
    w.meta.run(job.id, k, v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
  doc.entities.forEach((e, i) => w.entity.run(job.id, i, e.type, e.value, e.attributes ? JSON.stringify(e.attributes) : null));
}

/** The spooled full text into text_chunks; false when its file cannot be used (the preview is exported instead). */
async function copyFullText(w: ReturnType<typeof writers>, job: Job, full: NonNullable<StoredResult['document']['fullText']>): Promise<boolean> {
  const source = await openFullText(full, job.id);
  if (!source.ok) return false;
  try {
    let seq = 0;
    for await (const chunk of fullTextChunks(source.file)) w.chunk.run(job.id, seq++, chunk);
    return true;
  } finally {
    await source.file.close();
  }
}
