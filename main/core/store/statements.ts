/**
 * Every SQL statement the store runs, in one place, prepared once when the
 * store opens: a prepare costs more than many of these statements take to
 * run, so no store module prepares anything of its own.
 *
 * Grouped by the module that runs them. Two kinds are prepared on first use
 * and kept, one per shape: the claim for each batch size (its LIMIT is written
 * into the SQL, see `claim`), and the listing for each combination of filters
 * (see `listQuery`).
 */
import type { Statement } from 'better-sqlite3';
import { BLOCKED, type Job, type JobFilter } from '../../../shared/job.js';
import type { Db } from './database.js';
import { HASH_INDEX_MIN_BYTES } from './dedup-bound.js';
import { FINISH_COLUMNS, jobReader } from './rows.js';

/** When a waiting job is due: the later of its retry's backoff and its delayed start. */
const DUE = `max(coalesce(next_retry_at, 0), coalesce(run_at, 0))`;
const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
/**
 * The timing rule of the jobs_timing trigger (migration 001), written inline by
 * the hot statements so the trigger (which fires only when a writer leaves
 * updated_at alone) does not write the row a second time. updated_at moves
 * forward by at least 1 ms per write: a job claimed and finished within the
 * same millisecond must still look changed, to the trigger and to the
 * dashboard, which keeps the newest version of a job by updated_at. Same rule
 * otherwise, same CHECKs: the database keeps the columns consistent for every writer.
 */
const TIMING = (to: string) => `updated_at = max(${NOW}, updated_at + 1),
  started_at = CASE WHEN ${to} = 'running' AND status IS NOT 'running' THEN max(${NOW}, created_at) ELSE started_at END,
  completed_at = CASE WHEN ${to} IN ('pending','running') THEN NULL
                      WHEN status IN ('pending','running') AND ${to} IS NOT status THEN max(${NOW}, coalesce(started_at, created_at))
                      ELSE completed_at END`;
/**
 * The timing of a completion (running → completed/partial): TIMING's rule,
 * except that the start and end move to when a worker thread began and
 * finished the file (@began, @ended). A claimed small file can wait in the
 * pool's queue, and its result waits for the rest of its group: neither is
 * the file's duration. They only move within the claim and now, so the CHECKs hold.
 */
const BEGAN = `CASE WHEN @began > started_at AND @began <= ${NOW} THEN @began ELSE started_at END`;
const COMPLETION_TIMING = `updated_at = max(${NOW}, updated_at + 1),
  started_at = ${BEGAN},
  completed_at = CASE WHEN @ended >= ${BEGAN} AND @ended <= ${NOW} THEN @ended ELSE max(${NOW}, coalesce(started_at, created_at)) END`;
const CLAIMABLE = `status = 'pending' AND blocked = 0 AND kind != 'batch'`;
/** The rows of the jobs_due index: jobs that wait for a time (a retry's backoff, a delayed start). */
const DELAYED = `(next_retry_at IS NOT NULL OR run_at IS NOT NULL)`;
/** A job and all its descendants, parents first: `WITH ${TREE}` binds the root's id. */
const TREE = `RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT j.id FROM jobs j JOIN tree t ON j.parent_id = t.id)`;

/** The columns intake writes, in the order insert.ts binds them. */
export const INSERT_COLUMNS = 19;
const INSERT_INTO = `jobs (id, kind, source, source_path, file_name, size_bytes, format, options, priority, max_retries, timeout_ms,
  parent_id, run_at, blocked, on_dependency_failure, max_child_failures, failure_action, definition, definition_version)`;
const INSERT_ROW = `(${Array<string>(INSERT_COLUMNS).fill('?').join(', ')})`;
/**
 * Rows per multi-row INSERT. One statement per row spent more time crossing
 * from JavaScript into SQLite and stepping the statement than SQLite spent
 * writing the row: 100 rows a statement inserted 2.2× the rows per second
 * (19 × 100 parameters, far under SQLite's limit of 32,766).
 */
export const INSERT_ROWS = 100;

/**
 * Intake's usual rows differ only by file (insert.ts' file rows): each row
 * binds these columns alone, and what the rows share is bound once per
 * statement by name. Binding 19 values a row cost about as much as writing
 * the row's five secondary-index entries: about 15% of the insert.
 */
export const FILE_COLUMNS = 5;
const FILE_ROW = `(${Array<string>(FILE_COLUMNS).fill('?').join(', ')})`;
const insertFilesSql = (rows: number) => `INSERT INTO ${INSERT_INTO}
  SELECT column1, @kind, @source, column2, column3, column4, column5, @options, @priority, @maxRetries, @timeoutMs,
    @parentId, @runAt, @blocked, @onDependencyFailure, @maxChildFailures, @failureAction, @definition, @definitionVersion
  FROM (VALUES ${Array<string>(rows).fill(FILE_ROW).join(', ')})`;

/** The completion's UPDATE (running → completed/partial); `setFormat` names the format column only where it changes. */
function completeSql(setFormat: boolean): string {
  return `UPDATE jobs SET ${COMPLETION_TIMING}, status = @to, lease_owner = NULL, lease_expires_at = NULL,
      ${setFormat ? 'format = @format, ' : ''}content_hash = coalesce(@hash, content_hash), result_summary = @summary,
      total = @total, processed = @ok + @ko, successful = @ok, failed = @ko,
      error_code = NULL, error_category = NULL, error_message = NULL, error_details = NULL, warning = @warning,
      reused_from = @reused, step_index = coalesce(@step, step_index), ran_by = @ranBy, ran_extractor = @ranExtractor
    WHERE seq = @seq AND id = @id AND status = 'running'`;
}

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Db) {
  const claims = claimStatements(db);
  const lists = new Map<string, Statement>();
  let insertMany: Statement | undefined;
  let insertFiles: Statement | undefined;
  let insertFile: Statement | undefined;
  const cached = (sql: string): Statement => {
    let stmt = lists.get(sql);
    if (!stmt) lists.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  return {
    // ---- finding a job, the guarded status write (core.ts) -------------------
    byId: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    byPrefix: db.prepare(`SELECT * FROM jobs WHERE id >= ? AND id < ? LIMIT 2`),
    setStatus: db.prepare(`UPDATE jobs SET ${TIMING('@to')}, status = @to,
        lease_owner = CASE WHEN @to = 'running' THEN lease_owner END,
        lease_expires_at = CASE WHEN @to = 'running' THEN lease_expires_at END,
        error_code = @errorCode, error_category = @errorCategory, error_message = @errorMessage,
        error_details = @errorDetails, retry_count = @retryCount, next_retry_at = @nextRetryAt, warning = @warning,
        ran_by = coalesce(@ranBy, ran_by)
      WHERE id = @id AND status = @from RETURNING *`),

    // ---- intake (insert.ts) ---------------------------------------------------
    insertOne: db.prepare(`INSERT INTO ${INSERT_INTO} VALUES ${INSERT_ROW}`),
    /** INSERT_ROWS rows in one statement (insert.ts), prepared on first use: most stores never see a big intake. */
    get insertMany(): Statement {
      return (insertMany ??= db.prepare(`INSERT INTO ${INSERT_INTO} VALUES ${Array<string>(INSERT_ROWS).fill(INSERT_ROW).join(', ')}`));
    },
    /** INSERT_ROWS file rows (id, source_path, file_name, size_bytes, format), the shared columns by name; on first use. */
    get insertFiles(): Statement {
      return (insertFiles ??= db.prepare(insertFilesSql(INSERT_ROWS)));
    },
    /** One file row, as insertFiles: the rows left over after the full statements. */
    get insertFile(): Statement {
      return (insertFile ??= db.prepare(insertFilesSql(1)));
    },
    statusOf: db.prepare('SELECT status, blocked FROM jobs WHERE id = ?'),
    /** The largest seq so far: an insert's rows come after it (migration 011). */
    lastSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM jobs').pluck(),
    /** The new rows the jobs_count_insert trigger leaves to the store (up to this seq; 0: none). */
    countedByStore: db.prepare('UPDATE jobs_counted_by_store SET upto = ? WHERE id = 1'),
    /** Adds an insert's new jobs of one kind, source and format to job_counts (insert.ts; new jobs are pending). */
    countInserted: db.prepare(`INSERT INTO job_counts (status, kind, source, format, n) VALUES ('pending', @kind, @source, @format, @n)
      ON CONFLICT DO UPDATE SET n = n + excluded.n`),
    addChildren: db.prepare('UPDATE jobs SET total = total + ? WHERE id = ?'),

    // ---- transitions (transitions.ts) -----------------------------------------
    /** The claim for a batch of `limit` jobs; rows come as arrays (read them with readClaimed). */
    claim: claims.get,
    readClaimed: claims.read,
    running: db.prepare(`SELECT * FROM jobs WHERE status = 'running' AND kind != 'batch'`),
    renew: db.prepare(`UPDATE jobs SET lease_expires_at = @lease WHERE status = 'running' AND lease_owner = @owner`),
    progress: db.prepare(`UPDATE jobs SET total = @total, processed = @successful + @failed,
        successful = @successful, failed = @failed
      WHERE id = @id AND status = 'running'`),
    setStepIndex: db.prepare(`UPDATE jobs SET step_index = ? WHERE id = ? AND status = 'running'`),
    setFormat: db.prepare('UPDATE jobs SET format = ? WHERE id = ?'),
    setPriority: db.prepare(`UPDATE jobs SET priority = ? WHERE id = ? AND status = 'pending'`),
    setOptions: db.prepare(`UPDATE jobs SET options = ? WHERE id = ?`),
    setChildrenPriority: db.prepare(`UPDATE jobs SET priority = ? WHERE parent_id = ? AND status = 'pending'`),
    deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
    treeIds: db.prepare(`WITH ${TREE} SELECT id FROM tree`).pluck(),
    prunable: db
      .prepare(
        `SELECT id FROM jobs INDEXED BY jobs_completed_at WHERE completed_at < ? AND completed_at IS NOT NULL
        AND parent_id IS NULL AND status IN (SELECT value FROM json_each(?))`,
      )
      .pluck(),

    // ---- completion (completion.ts) -------------------------------------------
    // By seq (the rowid: one lookup), checked against the id. No RETURNING:
    // it cost a quarter of the UPDATE's time per job; the completion reads
    // what the updates changed back in one query (finishedRows).
    complete: db.prepare(completeSql(true)),
    // The same, when the detected format is the one intake guessed (most
    // files): SQLite rewrites an index entry for every column a SET names,
    // even to its own value, so naming format would move the job's entry in
    // jobs_files_format (and its job_counts row) for nothing.
    completeSameFormat: db.prepare(completeSql(false)),
    /** While 1, the count and batch-counter triggers leave rows to the completion, which counts its group itself (migration 012). */
    settledByStore: db.prepare('UPDATE jobs_settled_by_store SET active = ? WHERE id = 1'),
    /** A group's completed jobs leaving one job_counts row, and entering another (with their items). */
    countLeft: db.prepare(`UPDATE job_counts SET n = n - @n WHERE status = @status AND kind = @kind AND source = @source AND format = @format`),
    countEntered: db.prepare(`INSERT INTO job_counts (status, kind, source, format, n, items) VALUES (@status, @kind, @source, @format, @n, @items)
      ON CONFLICT DO UPDATE SET n = n + excluded.n, items = items + excluded.items`),
    /** A batch's children completed (completed or partial count as successful): as jobs_child_status would, once per batch. */
    childrenCompleted: db.prepare(`UPDATE jobs SET updated_at = max(${NOW}, updated_at), successful = successful + @n, processed = processed + @n
      WHERE id = @parent`),
    finishedRows: db.prepare(`SELECT ${FINISH_COLUMNS} FROM jobs WHERE seq IN (SELECT value FROM json_each(?))`),
    insertResult: db.prepare(`INSERT OR REPLACE INTO results
        (job_seq, format, extractor, extractor_version, text, markdown, document)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    /** A re-run job's previous result; the trigger of migration 5 takes its index rows along. */
    deleteResult: db.prepare('DELETE FROM results WHERE job_seq = ?'),
    // The full-text index (search-index.ts): a job's rows are one rowid range.
    // Prepared on first use, and only where the index exists: a store built on
    // a file older than migration 5 (the migration tests do) has none.
    hasSearchIndex: db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'results_fts'`).get() !== undefined,
    /** A spooled text's chunk row: bytes (UTF-8, as the spool file holds them) indexed as text, not as a BLOB, and where they start in the file. */
    get indexChunk(): Statement {
      return cached('INSERT INTO results_fts (rowid, body, byte) VALUES (?, CAST(? AS TEXT), ?)');
    },
    becomeBatch: db.prepare(`UPDATE jobs SET kind = 'batch', lease_owner = NULL, lease_expires_at = NULL, format = ?,
        content_hash = coalesce(?, content_hash), result_summary = ?, total = 0, processed = 0, successful = 0, failed = 0,
        ran_by = ?, ran_extractor = ?
      WHERE id = ? AND status = 'running'`),

    // ---- batch and dependency rules (batch-rules.ts) ---------------------------
    insertDependency: db.prepare('INSERT OR IGNORE INTO job_dependencies (job_id, depends_on) VALUES (?, ?)'),
    dependedOn: db.prepare(`SELECT DISTINCT depends_on FROM job_dependencies WHERE depends_on IN (SELECT value FROM json_each(?))`).pluck(),
    dependents: db
      .prepare(
        `SELECT j.id FROM job_dependencies d JOIN jobs j ON j.id = d.job_id
        WHERE d.depends_on = ? AND j.status = 'pending'`,
      )
      .pluck(),
    unmetDependencies: db.prepare(`SELECT count(*) AS n FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
      WHERE d.job_id = ? AND p.status != 'completed'`),
    setBlocked: db.prepare('UPDATE jobs SET blocked = ? WHERE id = ?'),
    holdForDependencies: db.prepare(`UPDATE jobs SET blocked = blocked | ${BLOCKED.waitingForDependencies} WHERE id = ?`),
    releaseDependencyHold: db.prepare(`UPDATE jobs SET blocked = blocked & ~${BLOCKED.waitingForDependencies} WHERE id = ?`),
    activeChildren: db.prepare(`SELECT id FROM jobs WHERE parent_id = ? AND status IN ('pending','running')`).pluck(),
    hasActiveChildren: db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs WHERE parent_id = ? AND status IN ('pending','running'))`).pluck(),
    countChildrenIn: db.prepare(`SELECT count(*) FROM jobs WHERE parent_id = ? AND status = ?`).pluck(),
    childrenIn: db.prepare(`SELECT id FROM jobs WHERE parent_id = ? AND status IN (SELECT value FROM json_each(?))`).pluck(),
    pauseTree: db.prepare(`WITH ${TREE} UPDATE jobs SET blocked = blocked | ${BLOCKED.batchPaused} WHERE id IN (SELECT id FROM tree)`),
    // A batch still being filled by an intake (batch-rules.ts): the intake's process holds it, as a lease.
    startFilling: db.prepare(`UPDATE jobs SET blocked = blocked | ${BLOCKED.filling}, lease_owner = ? WHERE id = ?`),
    endFilling: db.prepare(`UPDATE jobs SET blocked = blocked & ~${BLOCKED.filling}, lease_owner = NULL, file_name = coalesce(?, file_name) WHERE id = ?`),
    filling: db.prepare(`SELECT id, lease_owner AS owner FROM jobs WHERE kind = 'batch' AND blocked & ${BLOCKED.filling}`),
    resumeTree: db.prepare(`WITH ${TREE} UPDATE jobs SET blocked = blocked & ~${BLOCKED.batchPaused} WHERE id IN (SELECT id FROM tree)`),

    // ---- reads and statistics (reads.ts) ---------------------------------------
    /** The listing for one shape of filter (see listQuery). */
    list: cached,
    /** Any other statement whose SQL depends on its input (the search's filters), prepared once per shape. */
    prepared: cached,
    events: db.prepare(
      'SELECT at, from_status, to_status, attempt, error_code, error_message, ran_by, ran_extractor FROM job_events WHERE job_seq = ? ORDER BY id',
    ),
    ranBy: db.prepare('SELECT ran_by, ran_extractor FROM jobs WHERE seq = ?'),
    result: db.prepare('SELECT r.*, j.id AS job_id FROM results r JOIN jobs j ON j.seq = r.job_seq WHERE j.id = ?'),
    /** Export reads in pages, never through an open cursor (see reads.finishedWithResults). */
    // A container (a batch with a result of its own) is exported as well as its entries (export-query.ts).
    finishedPage: db.prepare(`SELECT * FROM jobs j WHERE (j.kind != 'batch' OR EXISTS (SELECT 1 FROM results r WHERE r.job_seq = j.seq))
        AND seq > ? AND status IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT 200`),
    jobCounts: db.prepare('SELECT * FROM job_counts WHERE n > 0'),
    recentDurations: db
      .prepare(
        `SELECT completed_at - started_at AS d FROM jobs INDEXED BY jobs_completed_at
        WHERE completed_at IS NOT NULL AND status IN ('completed','partial') AND kind != 'batch' AND started_at IS NOT NULL
        ORDER BY completed_at DESC LIMIT 1000`,
      )
      .pluck(),
    finishesBySecond: db.prepare(`SELECT completed_at / 1000 AS s, count(*) AS n FROM jobs INDEXED BY jobs_completed_at
      WHERE completed_at >= ? AND completed_at < ? AND completed_at IS NOT NULL AND kind != 'batch' GROUP BY s`),
    fewChildCounts: db.prepare(`SELECT status, count(*) AS n FROM jobs
      WHERE parent_id = ? AND status IN ('running','partial','cancelled') GROUP BY status`),
    nextDue: db.prepare(`SELECT min(${DUE}) AS t FROM jobs INDEXED BY jobs_due WHERE ${CLAIMABLE} AND ${DELAYED}`),
    anyActive: db.prepare(`SELECT EXISTS (SELECT 1 FROM jobs WHERE status IN ('pending','running')) AS x`),
    stillRunning: db.prepare(`SELECT id FROM jobs WHERE status = 'running' AND id IN (SELECT value FROM json_each(?))`).pluck(),
    findReusable: db
      .prepare(
        `SELECT j.id FROM jobs j INDEXED BY jobs_hash JOIN results r ON r.job_seq = j.seq
        WHERE j.content_hash = ? AND (j.size_bytes IS NULL OR j.size_bytes >= ${HASH_INDEX_MIN_BYTES})
          AND j.status = 'completed' AND j.options = ? AND j.id != ?
        ORDER BY j.seq DESC LIMIT 1`,
      )
      .pluck(),
    outdated: db
      .prepare(
        `SELECT j.id FROM jobs j JOIN results r ON r.job_seq = j.seq
        WHERE j.status IN ('completed','partial') AND j.kind != 'batch'
          AND r.extractor_version != coalesce(json_extract(?, '$.' || json_quote(r.extractor)), r.extractor_version)`,
      )
      .pluck(),

    // ---- settings (settings.ts) ------------------------------------------------
    setting: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  };
}

/**
 * The claim statement for each batch size. The LIMIT is written into the
 * SQL, not bound: with a bound LIMIT, SQLite plans the IN (subquery) for any
 * size and a claim of one job cost 300 µs instead of 60. One statement per
 * size, prepared once (the scheduler asks for 65 sizes at most, see
 * claimBatchSize). Its rows come as arrays:
 * having the driver build a 45-key object per claimed job first cost about
 * as much as the UPDATE (see jobReader).
 */
function claimStatements(db: Db): { get: (limit: number) => Statement; read: (values: unknown[]) => Job } {
  const bySize = new Map<number, Statement>();
  const get = (limit: number): Statement => {
    let stmt = bySize.get(limit);
    if (!stmt) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`claim limit must be a positive integer (got ${limit})`);
      stmt = db
        .prepare(
          `UPDATE jobs SET ${TIMING("'running'")}, status = 'running', lease_owner = @owner, lease_expires_at = @lease,
          next_retry_at = NULL, ran_by = NULL, ran_extractor = NULL
        WHERE seq IN (SELECT seq FROM jobs INDEXED BY jobs_claim
                      WHERE ${CLAIMABLE} AND ${DUE} <= @now
                      ORDER BY priority DESC, seq LIMIT ${limit})
        RETURNING *`,
        )
        .raw();
      bySize.set(limit, stmt);
    }
    return stmt;
  };
  return { get, read: jobReader(get(1).columns()) };
}

/** The listing's SQL for a filter (already parsed), and its parameters: keyset pages by seq. */
export function listQuery(f: JobFilter): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: f.limit };
  const add = (sql: string, name: string, value: unknown) => {
    where.push(sql);
    params[name] = value;
  };
  if (f.status) add('status = @status', 'status', f.status);
  if (f.format) add('format = @format', 'format', f.format);
  if (f.parentId) add('parent_id = @parentId', 'parentId', f.parentId);
  // Batches as a constant, so SQLite can use the partial index jobs_batches (a bound value cannot).
  if (f.kind === 'batch') where.push(`kind = 'batch'`);
  else if (f.kind) add('kind = @kind', 'kind', f.kind);
  if (f.createdFrom !== undefined) add('created_at >= @createdFrom', 'createdFrom', f.createdFrom);
  if (f.createdTo !== undefined) add('created_at < @createdTo', 'createdTo', f.createdTo);
  if (f.deadLetter) where.push(`status = 'failed' AND error_category = 'retryable' AND retry_count >= max_retries`);
  if (f.search) {
    add(`(file_name LIKE @search ESCAPE '\\' OR error_message LIKE @search ESCAPE '\\')`, 'search', `%${f.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  }
  const oldest = f.sort === 'oldest';
  if (f.before !== undefined) add(oldest ? 'seq > @cursor' : 'seq < @cursor', 'cursor', f.before);
  const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY seq ${oldest ? 'ASC' : 'DESC'} LIMIT @limit`;
  return { sql, params };
}
