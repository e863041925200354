/**
 * The smallest file whose hash the dedup index holds (migration 010): a file
 * below it is extracted without a dedup check (DEDUP_MIN_BYTES in
 * steps/extract.ts is this bound), so its hash is never looked up. Written
 * into the index's WHERE and into the lookup's, as a literal: SQLite uses a
 * partial index only for a query whose WHERE implies the index's own.
 * Never change it: the index on disk was made with this value.
 */
export const HASH_INDEX_MIN_BYTES = 32 * 1024;
