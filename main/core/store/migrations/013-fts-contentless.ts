// Migration 13: the full-text index keeps no copy of the text (issue 13,
// what the index costs extraction).
//
// Until now results_fts stored every value it indexed: each result's text a
// second time (after results.text and the document's pages), and a spooled
// text over 32 MB a second time in full (after its spool file). That copy
// was most of what a batch of the indexer wrote, and held the write lock for:
// on 10,000 small text files the index's statements took about a third less
// CPU without it, and its database a third less room.
//
// The table is now contentless (content=''): FTS5 keeps only its index.
// contentless_delete lets the store's trigger delete a job's rows by rowid
// range, as before; contentless_unindexed keeps the small UNINDEXED values a
// hit shows: `page` (a page's number, the index-only row's label) and `byte`
// (new: where a spooled text's chunk starts in its spool file). A hit's
// snippet is cut from the text where the store keeps it (snippets.ts).
//
// automerge 16 (FTS5's default is 4) merges the segments each batch adds
// less often: about a fifth less work per indexed result, for slightly more
// segments to read per query.
//
// The index is rebuilt, not converted (a contentless table cannot be filled
// from the old one's content without reading every row): every stored
// result is owed to it again, and the background indexer writes them after
// the first start, as it does after a crash. Search says how many files it
// has not looked in yet meanwhile.
const PART_BITS = 20;

export default `
DROP TRIGGER results_fts_delete;
DROP TABLE results_fts;

CREATE VIRTUAL TABLE results_fts USING fts5(
  page UNINDEXED, name, path, meta, body, byte UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2',
  content = '', contentless_delete = 1, contentless_unindexed = 1
);
INSERT INTO results_fts (results_fts, rank) VALUES ('automerge', 16);

CREATE TRIGGER results_fts_delete AFTER DELETE ON results
BEGIN
  DELETE FROM results_fts WHERE rowid BETWEEN OLD.job_seq << ${PART_BITS} AND ((OLD.job_seq + 1) << ${PART_BITS}) - 1;
END;

DELETE FROM results_fts_pending;
INSERT INTO results_fts_pending (job_seq, part, byte) SELECT job_seq, 0, 0 FROM results;
`;
