// BullMQ's sandboxed processor for bench case 10 (the fair BullMQ line):
// BullMQ loads this file in a worker thread of its own (`useWorkerThreads:
// true`), as its documentation recommends for CPU-heavy jobs, and runs each
// job through Quarry's built extractor, the same task function Quarry's
// threads run. The result is returned to BullMQ (stored in Redis with the
// job, and passed to the main process, which writes it to SQLite).
import extract from '../dist/workers/extract.mjs';

export default async function process(job) {
  const outcome = await extract({ path: job.data.path, options: job.data.options });
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result;
}
