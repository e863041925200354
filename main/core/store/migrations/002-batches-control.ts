// Migration 2: batches (parent and child jobs with error tolerance), holds
// (paused batches, unmet dependencies), delayed jobs, pipelines (job
// definitions), settings, recurring schedules and watch folders.
const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

export default `
-- Why a pending job may not be claimed yet, as bits: 1 = its batch is paused,
-- 2 = it waits for jobs it depends on. 0 = free to run.
ALTER TABLE jobs ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked >= 0);
-- A delayed job is not due before this time.
ALTER TABLE jobs ADD COLUMN run_at INTEGER;
-- Error tolerance of a batch: how many failed children it accepts (0 = no
-- limit) and what happens past that.
ALTER TABLE jobs ADD COLUMN max_child_failures INTEGER NOT NULL DEFAULT 0 CHECK (max_child_failures >= 0);
ALTER TABLE jobs ADD COLUMN failure_action TEXT NOT NULL DEFAULT 'continue'
  CHECK (failure_action IN ('stop_all', 'continue', 'mark_warning'));
-- A finished job's caveat (a batch completed with failures under mark_warning).
ALTER TABLE jobs ADD COLUMN warning TEXT;
-- What happens to this job when a job it depends on fails: fail it, or skip (cancel) it.
ALTER TABLE jobs ADD COLUMN on_dependency_failure TEXT NOT NULL DEFAULT 'fail'
  CHECK (on_dependency_failure IN ('fail', 'skip'));
-- The pipeline this job runs, and how far it got.
ALTER TABLE jobs ADD COLUMN definition TEXT;
ALTER TABLE jobs ADD COLUMN definition_version INTEGER;
ALTER TABLE jobs ADD COLUMN step_index INTEGER NOT NULL DEFAULT 0;
-- Dedup: the job whose stored result this one reused.
ALTER TABLE jobs ADD COLUMN reused_from TEXT;

-- A finished job may be run again on purpose (forced, or a newer extractor).
INSERT INTO job_transitions VALUES ('completed', 'pending');

-- Where a job came from, for statistics: cli, app, folder, archive, watch, schedule.
ALTER TABLE jobs ADD COLUMN source TEXT NOT NULL DEFAULT 'cli';

DROP INDEX jobs_claim;
CREATE INDEX jobs_claim ON jobs (priority DESC, seq) WHERE status = 'pending' AND blocked = 0 AND kind != 'batch';
CREATE INDEX jobs_completed_at ON jobs (completed_at) WHERE completed_at IS NOT NULL;
-- When the first delayed job (a retry in backoff, a job to run later) becomes
-- due: one index lookup, however many wait. Jobs due at once stay out of it,
-- so adding and claiming them costs no write here.
CREATE INDEX jobs_due ON jobs (max(coalesce(next_retry_at, 0), coalesce(run_at, 0)))
  WHERE status = 'pending' AND blocked = 0 AND kind != 'batch' AND (next_retry_at IS NOT NULL OR run_at IS NOT NULL);

-- Counts by status, kind, source and format, kept by triggers, so statistics
-- are a read of a few rows even at a million jobs. items = extracted items of
-- completed and partial jobs.
CREATE TABLE job_counts (
  status TEXT    NOT NULL,
  kind   TEXT    NOT NULL,
  source TEXT    NOT NULL,
  format TEXT    NOT NULL,
  n      INTEGER NOT NULL,
  items  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (status, kind, source, format)
) WITHOUT ROWID;
INSERT INTO job_counts (status, kind, source, format, n, items)
  SELECT status, kind, source, coalesce(format, ''), count(*),
         sum(CASE WHEN status IN ('completed','partial') THEN successful ELSE 0 END)
  FROM jobs GROUP BY 1, 2, 3, 4;

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs
BEGIN
  INSERT INTO job_counts (status, kind, source, format, n) VALUES (NEW.status, NEW.kind, NEW.source, coalesce(NEW.format, ''), 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs
BEGIN
  UPDATE job_counts SET n = n - 1,
    items = items - CASE WHEN OLD.status IN ('completed','partial') THEN OLD.successful ELSE 0 END
  WHERE status = OLD.status AND kind = OLD.kind AND source = OLD.source AND format = coalesce(OLD.format, '');
END;

CREATE TRIGGER jobs_count_update AFTER UPDATE OF status, format, kind ON jobs
WHEN NEW.status IS NOT OLD.status OR NEW.format IS NOT OLD.format OR NEW.kind IS NOT OLD.kind
BEGIN
  UPDATE job_counts SET n = n - 1,
    items = items - CASE WHEN OLD.status IN ('completed','partial') THEN OLD.successful ELSE 0 END
  WHERE status = OLD.status AND kind = OLD.kind AND source = OLD.source AND format = coalesce(OLD.format, '');
  INSERT INTO job_counts (status, kind, source, format, n, items)
  VALUES (NEW.status, NEW.kind, NEW.source, coalesce(NEW.format, ''), 1,
          CASE WHEN NEW.status IN ('completed','partial') THEN NEW.successful ELSE 0 END)
  ON CONFLICT DO UPDATE SET n = n + 1, items = items + excluded.items;
END;

-- A batch keeps its children's outcome in its own counters, so its progress
-- is one row read even with 100,000 children: total = children,
-- successful = completed or partial children, failed = failed children.
-- New children are counted by JobStore.insert, once per batch and insert
-- (a trigger here would rewrite the batch's row once per child).

CREATE TRIGGER jobs_child_status AFTER UPDATE OF status ON jobs
WHEN NEW.parent_id IS NOT NULL AND NEW.status IS NOT OLD.status
BEGIN
  UPDATE jobs SET
    successful = successful + (NEW.status IN ('completed','partial')) - (OLD.status IN ('completed','partial')),
    failed     = failed + (NEW.status = 'failed') - (OLD.status = 'failed'),
    processed  = processed + (NEW.status IN ('completed','partial','failed')) - (OLD.status IN ('completed','partial','failed'))
  WHERE id = NEW.parent_id;
END;

CREATE TRIGGER jobs_child_removed AFTER DELETE ON jobs WHEN OLD.parent_id IS NOT NULL
BEGIN
  UPDATE jobs SET
    total      = total - 1,
    successful = successful - (OLD.status IN ('completed','partial')),
    failed     = failed - (OLD.status = 'failed'),
    processed  = processed - (OLD.status IN ('completed','partial','failed'))
  WHERE id = OLD.parent_id;
END;

-- Dependencies: job_id waits until depends_on has completed.
CREATE TABLE job_dependencies (
  job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  depends_on TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  PRIMARY KEY (job_id, depends_on),
  CHECK (job_id != depends_on)
) WITHOUT ROWID;
CREATE INDEX job_dependencies_on ON job_dependencies (depends_on);

-- Pipelines: a named, versioned list of steps. The newest version is used
-- for new jobs; a job records the version it ran.
CREATE TABLE job_definitions (
  name        TEXT    NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  description TEXT    NOT NULL DEFAULT '',
  steps       TEXT    NOT NULL CHECK (json_valid(steps) AND json_type(steps) = 'array'),
  timeout_ms  INTEGER CHECK (timeout_ms IS NULL OR timeout_ms > 0),
  builtin     INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL DEFAULT (${NOW}),
  PRIMARY KEY (name, version)
);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value))
) WITHOUT ROWID;

-- Recurring runs: every time the cron expression fires, the paths are added
-- again as a batch (unchanged files reuse their stored result).
CREATE TABLE schedules (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  cron        TEXT    NOT NULL,
  paths       TEXT    NOT NULL CHECK (json_valid(paths)),
  job_options TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(job_options)),
  enabled     INTEGER NOT NULL DEFAULT 1,
  last_run_at INTEGER,
  next_run_at INTEGER,
  created_at  INTEGER NOT NULL DEFAULT (${NOW})
);

-- Watch folders: new and changed files become jobs, once each.
CREATE TABLE watches (
  id          TEXT    PRIMARY KEY,
  path        TEXT    NOT NULL UNIQUE,
  job_options TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(job_options)),
  debounce_ms INTEGER NOT NULL DEFAULT 2000 CHECK (debounce_ms >= 0),
  enabled     INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL DEFAULT (${NOW})
);
CREATE TABLE watch_files (
  watch_id TEXT    NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
  path     TEXT    NOT NULL,
  size     INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  job_id   TEXT,
  PRIMARY KEY (watch_id, path)
) WITHOUT ROWID;
`;
