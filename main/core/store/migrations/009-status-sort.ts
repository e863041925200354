// Migration 9: one index fewer written for every job (issue 17, intake).
// jobs_files_status (status, then seq: every index ends with the rowid) held
// the file jobs in the order jobs_status_seq (status, seq) holds all jobs in.
// Each new job wrote both, and each status change moved an entry in both.
// jobs_status_seq now carries kind as well, so the list's window sorted by
// status still reads the index alone: the few batch rows it holds are skipped
// without reading their rows.
export default `
DROP INDEX jobs_files_status;
DROP INDEX jobs_status_seq;
CREATE INDEX jobs_status_seq ON jobs (status, seq, kind);
`;
