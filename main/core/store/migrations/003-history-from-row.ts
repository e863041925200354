// Migration 3: fewer writes per job on the path nearly every job takes.
//
// 1. History. The usual path (created, claimed, completed) is already in the
//    job's row: created_at, started_at, completed_at and retry_count say it,
//    and JobStore.events() reads it from there. job_events keeps the rest:
//    every transition off that path (a failure, a retry, a cancel, a lost
//    lease, a rerun), with the start of the attempt it ended (and its end, for
//    a completed attempt reopened by a rerun), which the row is about to
//    forget. Three rows per job fewer. Rows the row already says are deleted.
// 2. Batch counters move only when a child's outcome changes (a child being
//    claimed, or put back to wait, leaves them alone), and set the batch's
//    updated_at themselves, so the timing trigger does not write the batch's
//    row a second time.
// 3. The timing trigger skips writes that would change nothing (same status,
//    updated_at already current).
const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

export default `
DROP TRIGGER jobs_event_insert;
DROP TRIGGER jobs_event_transition;
CREATE TRIGGER jobs_event_transition AFTER UPDATE OF status ON jobs
WHEN NEW.status IS NOT OLD.status
 AND NOT (OLD.status = 'pending' AND NEW.status = 'running')
 AND NOT (OLD.status = 'running' AND NEW.status IN ('completed','partial'))
BEGIN
  INSERT INTO job_events (job_seq, at, from_status, to_status, attempt)
  SELECT NEW.seq, OLD.started_at, 'pending', 'running', OLD.retry_count + 1
  WHERE OLD.started_at IS NOT NULL AND OLD.status IN ('running','completed','partial');
  INSERT INTO job_events (job_seq, at, from_status, to_status, attempt)
  SELECT NEW.seq, OLD.completed_at, 'running', OLD.status, OLD.retry_count + 1
  WHERE OLD.completed_at IS NOT NULL AND OLD.status IN ('completed','partial');
  INSERT INTO job_events (job_seq, from_status, to_status, attempt, error_code, error_message)
  VALUES (NEW.seq, OLD.status, NEW.status,
          -- The attempt the event belongs to: the one ending, or the last one.
          CASE WHEN OLD.status = 'running' THEN OLD.retry_count + 1 ELSE NEW.retry_count END,
          CASE WHEN NEW.status IN ('failed','pending') THEN NEW.error_code END,
          CASE WHEN NEW.status IN ('failed','pending') THEN NEW.error_message END);
END;

-- What the rows now say themselves: every creation, and the current attempt
-- of a running, completed or partial job (its start, and its end).
DELETE FROM job_events WHERE from_status IS NULL;
DELETE FROM job_events WHERE id IN (
  SELECT max(e.id) FROM job_events e JOIN jobs j ON j.seq = e.job_seq
  WHERE j.status IN ('running','completed','partial') AND e.to_status = 'running'
  GROUP BY e.job_seq);
DELETE FROM job_events WHERE id IN (
  SELECT max(e.id) FROM job_events e JOIN jobs j ON j.seq = e.job_seq
  WHERE j.status IN ('completed','partial') AND e.from_status = 'running' AND e.to_status = j.status
  GROUP BY e.job_seq);

DROP TRIGGER jobs_child_status;
CREATE TRIGGER jobs_child_status AFTER UPDATE OF status ON jobs
WHEN NEW.parent_id IS NOT NULL
 AND (CASE WHEN NEW.status IN ('completed','partial') THEN 1 WHEN NEW.status = 'failed' THEN 2 ELSE 0 END)
  != (CASE WHEN OLD.status IN ('completed','partial') THEN 1 WHEN OLD.status = 'failed' THEN 2 ELSE 0 END)
BEGIN
  UPDATE jobs SET
    updated_at = max(${NOW}, updated_at),
    successful = successful + (NEW.status IN ('completed','partial')) - (OLD.status IN ('completed','partial')),
    failed     = failed + (NEW.status = 'failed') - (OLD.status = 'failed'),
    processed  = processed + (NEW.status IN ('completed','partial','failed')) - (OLD.status IN ('completed','partial','failed'))
  WHERE id = NEW.parent_id;
END;

DROP TRIGGER jobs_timing;
CREATE TRIGGER jobs_timing AFTER UPDATE ON jobs
WHEN NEW.updated_at = OLD.updated_at
 AND (NEW.status IS NOT OLD.status OR OLD.updated_at < ${NOW})
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
`;
