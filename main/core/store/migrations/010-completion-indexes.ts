// Migration 10: fewer index entries written per completed job (issue 17,
// engine cost). A completion's UPDATE moves the job's entry in every index
// that holds a column it sets; on small files these writes, and the pages
// they dirty in the WAL at each commit, were most of the engine's own work.
//
// - jobs_completed_at (completed_at, finished jobs) and jobs_files_finished
//   (completed_at, file jobs: the list's "finished" sort) held the same key:
//   one index now serves both (under the older name, which statements
//   prepared on files from version 2 on know), with seq and kind beside the
//   key so the list's window still walks it without reading a row (as
//   jobs_status_seq does, 009).
// - jobs_hash held every hashed job, and a hash is random: each completion
//   wrote its entry into a page of its own, more than a page of WAL per file.
//   Only a job of DEDUP_MIN_BYTES or more (or of unknown size) ever looks a
//   hash up (steps/extract.ts), and identical content has the same size, so
//   the index now holds those jobs alone; a small file's row still records
//   its hash.
import { HASH_INDEX_MIN_BYTES } from '../dedup-bound.js';

export default `
DROP INDEX jobs_completed_at;
DROP INDEX jobs_files_finished;
CREATE INDEX jobs_completed_at ON jobs (completed_at, seq, kind);

DROP INDEX jobs_hash;
CREATE INDEX jobs_hash ON jobs (content_hash)
  WHERE content_hash IS NOT NULL AND (size_bytes IS NULL OR size_bytes >= ${HASH_INDEX_MIN_BYTES});
`;
