// Migration 5: the full-text index of results (issue 13), in the same file.
//
// One FTS5 row per page of a result (body = the page's text, page = its
// number), plus one row per result for the file itself: its name, path and
// title/author/subject metadata, and its whole text when it has no pages.
// The rowid says whose row it is: job_seq * 2^20 + part (0 for the file row,
// i + 1 for the i-th page), so a job's rows are one rowid range, which FTS5
// deletes without scanning the table (a job_seq column would be a scan).
// The store writes the rows with the result (search-index.ts); a result
// deleted (its job deleted or pruned: the foreign key cascades) takes its
// rows along through the trigger below. unicode61 with remove_diacritics 2
// folds case and accents: café finds cafe.
// Written out in full (not imported from search-index.ts): a released
// migration never changes, whatever the store's code becomes.
const PART_BITS = 20;
const META = `concat_ws(' ', json_extract(r.document, '$.metadata.title'), json_extract(r.document, '$.metadata.author'), json_extract(r.document, '$.metadata.subject'))`;

export default `
CREATE VIRTUAL TABLE results_fts USING fts5(
  page UNINDEXED, name, path, meta, body,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER results_fts_delete AFTER DELETE ON results
BEGIN
  DELETE FROM results_fts WHERE rowid BETWEEN OLD.job_seq << ${PART_BITS} AND ((OLD.job_seq + 1) << ${PART_BITS}) - 1;
END;

-- The results stored before this version, as the store indexes new ones.
INSERT INTO results_fts (rowid, page, name, path, meta, body)
SELECT r.job_seq << ${PART_BITS}, NULL, j.file_name, j.source_path, ${META},
       CASE WHEN coalesce(json_array_length(r.document, '$.pages'), 0) > 0 THEN '' ELSE r.text END
FROM results r JOIN jobs j ON j.seq = r.job_seq;

INSERT INTO results_fts (rowid, page, body)
SELECT (r.job_seq << ${PART_BITS}) + p.key + 1, json_extract(p.value, '$.number'), json_extract(p.value, '$.text')
FROM results r, json_each(r.document, '$.pages') p
WHERE p.key < ${2 ** PART_BITS - 1};
`;
