// The "bare" baseline of bench case 9: Quarry's built extractor
// (dist/workers/extract.mjs, its piscina task function) called directly in a
// plain worker thread, one file after another, results discarded. No store,
// no scheduler, no host process, no pool: what this machine can do for that
// work. Every thread of a pass takes the next file from one shared counter.
import { parentPort, workerData } from 'node:worker_threads';

const { default: extract } = await import(workerData.extractor);

parentPort.on('message', async ({ files, options, counter }) => {
  const next = new Int32Array(counter);
  let done = 0;
  let failed = 0;
  for (let i = Atomics.add(next, 0, 1); i < files.length; i = Atomics.add(next, 0, 1)) {
    const outcome = await extract({ path: files[i], options });
    if (!outcome.ok) failed++;
    done++;
  }
  parentPort.postMessage({ done, failed });
});
