// Migration 4: the dashboard's batches panel lists batch parents newest first
// (kind = 'batch'). With no index on kind, that read the whole jobs table
// backwards to find the few batches among the files: 74 ms at a million jobs,
// each time the panel loaded. A partial index holds only the batch rows, so
// it costs file jobs nothing (no write ever changes a job's kind or seq but
// becomeBatch).
export default `
CREATE INDEX jobs_batches ON jobs (seq) WHERE kind = 'batch';
`;
