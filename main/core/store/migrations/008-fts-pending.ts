// Migration 8: the spooled full texts still owed to the full-text index
// (issue 13). A text over 32 MB is indexed after its job completes, in
// chunks streamed from its spool file (main/core/full-text-index.ts). The
// completion writes a row here with the result; each chunk's transaction
// moves it on (the next chunk's part and byte offset in the file); the last
// removes it. A restart resumes every row left, from where it stopped. A
// result deleted or replaced takes its row along (the foreign key).
// Spooled texts stored before this version are indexed again from their
// start: one cut short by a restart cannot be told from a whole one, so their
// chunk rows go and are written again (the file row keeps the preview until
// the first chunk replaces it).
const PART_BITS = 20;
const PAGES = `coalesce(json_array_length(document, '$.pages'), 0)`;
const SPOOLED = `json_type(document, '$.fullText') = 'object'`;

export default `
CREATE TABLE results_fts_pending (
  job_seq INTEGER PRIMARY KEY REFERENCES results(job_seq) ON DELETE CASCADE,
  part    INTEGER NOT NULL,
  byte    INTEGER NOT NULL
);

DELETE FROM results_fts WHERE rowid IN (
  SELECT f.rowid FROM results r JOIN results_fts f
    ON f.rowid BETWEEN (r.job_seq << ${PART_BITS}) + ${PAGES} + 1 AND ((r.job_seq + 1) << ${PART_BITS}) - 1
  WHERE ${SPOOLED}
);

INSERT INTO results_fts_pending (job_seq, part, byte)
SELECT job_seq, ${PAGES} + 1, 0 FROM results WHERE ${SPOOLED};
`;
