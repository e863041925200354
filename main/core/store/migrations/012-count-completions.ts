// Migration 12: a group of completions is counted once per group, not once
// per row (issue 17, engine cost). For every completed file the
// jobs_count_update trigger moved it between two job_counts rows and
// jobs_child_status rewrote its batch's row (its counters): three writes per
// file on top of the file's own, most of a small file's completion after the
// indexes. The store (completion.ts) now does both for the whole group it
// completes, in the same transaction, from the rows as its UPDATEs left
// them: one job_counts write per status, kind, source and format, and one
// UPDATE per batch. A rolled-back completion takes its counts along.
//
// It says when it counts in jobs_settled_by_store: while `active` is 1 (only
// inside the store's completion, set back to 0 before its transaction goes
// on, so no other connection ever sees it set) both triggers leave the rows
// alone. Every other writer (another tool, an older Quarry, every other
// transition of the store) is counted by the triggers as before. A missing
// row counts as 0.
const STORE_COUNTS = `coalesce((SELECT active FROM jobs_settled_by_store WHERE id = 1), 0)`;

export default `
CREATE TABLE jobs_settled_by_store (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
INSERT INTO jobs_settled_by_store (id, active) VALUES (1, 0);

DROP TRIGGER jobs_count_update;
CREATE TRIGGER jobs_count_update AFTER UPDATE OF status, format, kind ON jobs
WHEN (NEW.status IS NOT OLD.status OR NEW.format IS NOT OLD.format OR NEW.kind IS NOT OLD.kind)
 AND NOT ${STORE_COUNTS}
BEGIN
  UPDATE job_counts SET n = n - 1,
    items = items - CASE WHEN OLD.status IN ('completed','partial') THEN OLD.successful ELSE 0 END
  WHERE status = OLD.status AND kind = OLD.kind AND source = OLD.source AND format = coalesce(OLD.format, '');
  INSERT INTO job_counts (status, kind, source, format, n, items)
  VALUES (NEW.status, NEW.kind, NEW.source, coalesce(NEW.format, ''), 1,
          CASE WHEN NEW.status IN ('completed','partial') THEN NEW.successful ELSE 0 END)
  ON CONFLICT DO UPDATE SET n = n + 1, items = items + excluded.items;
END;

DROP TRIGGER jobs_child_status;
CREATE TRIGGER jobs_child_status AFTER UPDATE OF status ON jobs
WHEN NEW.parent_id IS NOT NULL
 AND (CASE WHEN NEW.status IN ('completed','partial') THEN 1 WHEN NEW.status = 'failed' THEN 2 ELSE 0 END)
  != (CASE WHEN OLD.status IN ('completed','partial') THEN 1 WHEN OLD.status = 'failed' THEN 2 ELSE 0 END)
 AND NOT ${STORE_COUNTS}
BEGIN
  UPDATE jobs SET
    updated_at = max(CAST(unixepoch('subsec') * 1000 AS INTEGER), updated_at),
    successful = successful + (NEW.status IN ('completed','partial')) - (OLD.status IN ('completed','partial')),
    failed     = failed + (NEW.status = 'failed') - (OLD.status = 'failed'),
    processed  = processed + (NEW.status IN ('completed','partial','failed')) - (OLD.status IN ('completed','partial','failed'))
  WHERE id = NEW.parent_id;
END;
`;
