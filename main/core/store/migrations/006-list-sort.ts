// Migration 6: the jobs list sorts on any column at a million jobs (issue 14).
// One index per sort key, holding file jobs only (the list never shows batch
// parents, and a partial index costs the few batches nothing): a window at
// any offset is a walk down one of them, never a sort of the table. Equal keys
// come in seq order, the rowid every index ends with. "created" sorts by seq
// (jobs_files); "status" by jobs_files_status; "finished" by completed_at,
// where unfinished jobs (NULL) come first ascending and last descending.
export default `
CREATE INDEX jobs_files ON jobs (seq) WHERE kind != 'batch';
CREATE INDEX jobs_files_name ON jobs (file_name COLLATE NOCASE) WHERE kind != 'batch';
CREATE INDEX jobs_files_format ON jobs (format) WHERE kind != 'batch';
CREATE INDEX jobs_files_status ON jobs (status) WHERE kind != 'batch';
CREATE INDEX jobs_files_size ON jobs (size_bytes) WHERE kind != 'batch';
CREATE INDEX jobs_files_duration ON jobs ((completed_at - started_at)) WHERE kind != 'batch';
CREATE INDEX jobs_files_finished ON jobs (completed_at) WHERE kind != 'batch';
`;
