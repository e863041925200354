// Migration 11: new jobs are counted once per insert, not once per row
// (issue 17, intake). The jobs_count_insert trigger (migration 2) rewrote a
// job_counts row for every new job: about a tenth of a big intake's insert.
// The store (insert.ts) now counts the rows it inserts itself, in the same
// transaction, with one statement that groups the new rows by status, kind,
// source and format: the counts still come from the rows as stored, and a
// rolled-back insert takes its counts along.
//
// It says which rows it counts in jobs_counted_by_store: while its rows go
// in, `upto` is the highest seq they can have (they all come after the
// table's largest seq), and the trigger leaves rows up to it alone; the store
// sets it back to 0 before its transaction ends. Every other writer (another
// tool, an older Quarry, a row the store did not expect) is counted by the
// trigger as before. A missing row counts as 0: the trigger counts everything.
export default `
CREATE TABLE jobs_counted_by_store (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  upto INTEGER NOT NULL DEFAULT 0
);
INSERT INTO jobs_counted_by_store (id, upto) VALUES (1, 0);

DROP TRIGGER jobs_count_insert;
CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs
WHEN NEW.seq > coalesce((SELECT upto FROM jobs_counted_by_store WHERE id = 1), 0)
BEGIN
  INSERT INTO job_counts (status, kind, source, format, n) VALUES (NEW.status, NEW.kind, NEW.source, coalesce(NEW.format, ''), 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
END;
`;
