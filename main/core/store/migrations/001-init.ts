// Migration 1: jobs, their events and results.
// Times are integer milliseconds since the epoch. The database, not the
// application, keeps the timing columns consistent: triggers set them and
// CHECKs keep them ordered (max() guards against a clock that steps back).
const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

export default `
CREATE TABLE jobs (
  seq              INTEGER PRIMARY KEY,
  id               TEXT    NOT NULL UNIQUE,
  kind             TEXT    NOT NULL DEFAULT 'extract',
  source_path      TEXT,
  file_name        TEXT,
  size_bytes       INTEGER CHECK (size_bytes IS NULL OR size_bytes >= 0),
  content_hash     TEXT,
  format           TEXT,
  options          TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
  status           TEXT    NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending','running','completed','failed','cancelled','partial')),
  priority         INTEGER NOT NULL DEFAULT 0,
  total            INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
  processed        INTEGER NOT NULL DEFAULT 0,
  successful       INTEGER NOT NULL DEFAULT 0 CHECK (successful >= 0),
  failed           INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
  retry_count      INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  max_retries      INTEGER NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
  next_retry_at    INTEGER,
  timeout_ms       INTEGER CHECK (timeout_ms IS NULL OR timeout_ms > 0),
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  error_code       TEXT,
  error_category   TEXT    CHECK (error_category IS NULL OR error_category IN ('retryable','permanent')),
  error_message    TEXT,
  error_details    TEXT    CHECK (error_details IS NULL OR json_valid(error_details)),
  result_summary   TEXT    CHECK (result_summary IS NULL OR json_valid(result_summary)),
  parent_id        TEXT    REFERENCES jobs(id) ON DELETE CASCADE,
  created_at       INTEGER NOT NULL DEFAULT (${NOW}),
  started_at       INTEGER,
  completed_at     INTEGER,
  updated_at       INTEGER NOT NULL DEFAULT (${NOW}),
  CHECK (processed = successful + failed),
  CHECK (total = 0 OR processed <= total),
  CHECK (started_at IS NULL OR started_at >= created_at),
  CHECK (completed_at IS NULL OR completed_at >= coalesce(started_at, created_at)),
  CHECK (updated_at >= created_at),
  -- Work that runs in the pool holds a lease; a batch parent runs through its children.
  CHECK (kind = 'batch' OR (status = 'running') = (lease_expires_at IS NOT NULL))
);

-- Claims walk this in order and stop at the first due rows: no sort, no scan
-- of non-pending rows. (A plain index on status alone can make SQLite sort
-- every pending row on each claim.)
CREATE INDEX jobs_claim ON jobs (priority DESC, seq) WHERE status = 'pending';
-- The dashboard's filtered list and counts, newest first.
CREATE INDEX jobs_status_seq ON jobs (status, seq);
CREATE INDEX jobs_parent ON jobs (parent_id, status) WHERE parent_id IS NOT NULL;
CREATE INDEX jobs_created ON jobs (created_at);
-- No index on leases: lease checks read the few running rows through jobs_status_seq.
CREATE INDEX jobs_hash ON jobs (content_hash) WHERE content_hash IS NOT NULL;

-- The legal status transitions, as data the guard trigger checks. The
-- application's state machine (state-machine.ts) must stay within these.
CREATE TABLE job_transitions (
  from_status TEXT NOT NULL,
  to_status   TEXT NOT NULL,
  PRIMARY KEY (from_status, to_status)
) WITHOUT ROWID;
INSERT INTO job_transitions VALUES
  ('pending','running'), ('pending','cancelled'), ('pending','failed'),
  ('running','completed'), ('running','partial'), ('running','failed'),
  ('running','cancelled'), ('running','pending'),
  ('failed','pending'), ('cancelled','pending'), ('partial','pending');

CREATE TRIGGER jobs_transition_guard BEFORE UPDATE OF status ON jobs
WHEN NEW.status IS NOT OLD.status
 AND NOT EXISTS (SELECT 1 FROM job_transitions WHERE from_status = OLD.status AND to_status = NEW.status)
BEGIN
  SELECT RAISE(ABORT, 'illegal job status transition');
END;

CREATE TRIGGER jobs_delete_guard BEFORE DELETE ON jobs
WHEN OLD.status IN ('pending','running')
BEGIN
  SELECT RAISE(ABORT, 'only terminal jobs can be deleted');
END;

-- Timing columns: one trigger, one extra write per update. The application
-- never writes started_at, completed_at or updated_at. (The scheduler's hot
-- statements apply the same rule inline and move updated_at forward by at
-- least 1 ms, so this trigger stays quiet for them: see TIMING in job-store.ts.)
CREATE TRIGGER jobs_timing AFTER UPDATE ON jobs
WHEN NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE jobs SET
    updated_at   = max(${NOW}, OLD.updated_at),
    started_at   = CASE WHEN NEW.status = 'running' AND OLD.status IS NOT 'running'
                        THEN max(${NOW}, NEW.created_at) ELSE NEW.started_at END,
    completed_at = CASE WHEN NEW.status IN ('pending','running') THEN NULL
                        WHEN OLD.status IN ('pending','running') AND NEW.status IS NOT OLD.status
                        THEN max(${NOW}, coalesce(NEW.started_at, NEW.created_at))
                        ELSE NEW.completed_at END
  WHERE seq = NEW.seq;
END;

-- Every transition and attempt, for a job's history. Keyed by the job's seq,
-- not its UUID: jobs are claimed and finished roughly in seq order, so these
-- writes append to the end of the index instead of touching a random page
-- per job (which made each commit write several times more pages).
CREATE TABLE job_events (
  id            INTEGER PRIMARY KEY,
  job_seq       INTEGER NOT NULL REFERENCES jobs(seq) ON DELETE CASCADE,
  at            INTEGER NOT NULL DEFAULT (${NOW}),
  from_status   TEXT,
  to_status     TEXT    NOT NULL,
  attempt       INTEGER NOT NULL,
  error_code    TEXT,
  error_message TEXT
);
CREATE INDEX job_events_job ON job_events (job_seq, id);

CREATE TRIGGER jobs_event_insert AFTER INSERT ON jobs
BEGIN
  INSERT INTO job_events (job_seq, from_status, to_status, attempt)
  VALUES (NEW.seq, NULL, NEW.status, 0);
END;

CREATE TRIGGER jobs_event_transition AFTER UPDATE OF status ON jobs
WHEN NEW.status IS NOT OLD.status
BEGIN
  INSERT INTO job_events (job_seq, from_status, to_status, attempt, error_code, error_message)
  VALUES (NEW.seq, OLD.status, NEW.status,
          -- The attempt the event belongs to: the one starting, or the one ending.
          CASE WHEN NEW.status = 'running' THEN NEW.retry_count + 1
               WHEN OLD.status = 'running' THEN OLD.retry_count + 1
               ELSE NEW.retry_count END,
          CASE WHEN NEW.status IN ('failed','pending') THEN NEW.error_code END,
          CASE WHEN NEW.status IN ('failed','pending') THEN NEW.error_message END);
END;

-- The extracted content: text and markdown for search and export, the rest
-- of the result as one JSON document. The job's seq is the rowid (appends,
-- like job_events).
CREATE TABLE results (
  job_seq           INTEGER PRIMARY KEY REFERENCES jobs(seq) ON DELETE CASCADE,
  format            TEXT    NOT NULL,
  extractor         TEXT    NOT NULL,
  extractor_version TEXT    NOT NULL,
  text              TEXT    NOT NULL,
  markdown          TEXT    NOT NULL,
  document          TEXT    NOT NULL CHECK (json_valid(document)),
  created_at        INTEGER NOT NULL DEFAULT (${NOW})
);
`;
