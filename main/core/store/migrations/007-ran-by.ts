// Migration 7: which worker ran each attempt (issue 16), and with which
// extractor. The current attempt's say it in the job's row (ran_by:
// "local", or a remote worker's name and host; ran_extractor: the
// extractor's name and version when the attempt produced a result); the
// claim clears them, the completion or the failure sets them. job_events
// keeps them for every attempt the row is about to forget, written by the
// same trigger as the rest of the history (migration 3), so no code path can
// end an attempt without its worker reaching the history.
export default `
ALTER TABLE jobs ADD COLUMN ran_by TEXT;
ALTER TABLE jobs ADD COLUMN ran_extractor TEXT;
ALTER TABLE job_events ADD COLUMN ran_by TEXT;
ALTER TABLE job_events ADD COLUMN ran_extractor TEXT;

DROP TRIGGER jobs_event_transition;
CREATE TRIGGER jobs_event_transition AFTER UPDATE OF status ON jobs
WHEN NEW.status IS NOT OLD.status
 AND NOT (OLD.status = 'pending' AND NEW.status = 'running')
 AND NOT (OLD.status = 'running' AND NEW.status IN ('completed','partial'))
BEGIN
  -- The attempt ending (or the completed one a rerun reopens): its worker is
  -- in NEW (a failure sets it in the same UPDATE; a rerun leaves it as it was).
  INSERT INTO job_events (job_seq, at, from_status, to_status, attempt, ran_by, ran_extractor)
  SELECT NEW.seq, OLD.started_at, 'pending', 'running', OLD.retry_count + 1, NEW.ran_by, NEW.ran_extractor
  WHERE OLD.started_at IS NOT NULL AND OLD.status IN ('running','completed','partial');
  INSERT INTO job_events (job_seq, at, from_status, to_status, attempt, ran_by, ran_extractor)
  SELECT NEW.seq, OLD.completed_at, 'running', OLD.status, OLD.retry_count + 1, NEW.ran_by, NEW.ran_extractor
  WHERE OLD.completed_at IS NOT NULL AND OLD.status IN ('completed','partial');
  INSERT INTO job_events (job_seq, from_status, to_status, attempt, error_code, error_message, ran_by)
  VALUES (NEW.seq, OLD.status, NEW.status,
          CASE WHEN OLD.status = 'running' THEN OLD.retry_count + 1 ELSE NEW.retry_count END,
          CASE WHEN NEW.status IN ('failed','pending') THEN NEW.error_code END,
          CASE WHEN NEW.status IN ('failed','pending') THEN NEW.error_message END,
          CASE WHEN OLD.status = 'running' THEN NEW.ran_by END);
END;
`;
