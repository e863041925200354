// A piscina worker that does nothing: the "engine + pool, no-op jobs" bench
// case measures the cost of the scheduler, the store and the thread hops, not
// of any extraction. Same contract as workers/extract.ts: the default task
// returns { ok, result }; the named tasks the pool also sends ('hash' for
// dedup, 'listExtractors') answer in kind, so every job takes Quarry's normal
// path (hash, dedup lookup, extract). The hash is that of the path, so no two
// jobs share content and dedup never short-cuts a job.
'use strict';
const { createHash } = require('node:crypto');

function result() {
  return {
    format: 'text',
    detection: { format: 'text', method: 'sniff' },
    extractor: { name: 'noop', version: '1.0.0' },
    text: '',
    markdown: '',
    metadata: {},
    tables: [],
    entities: [],
    warnings: [],
    counters: { items: 1 },
  };
}

module.exports = function noop(task) {
  if (task && task.started) task.started[0] = Date.now(); // like the real worker (the time limit counts from here)
  return { ok: true, result: result() };
};

// The group task (see workers/run-many.ts): several small files per task.
module.exports.runMany = function runMany({ tasks, state }) {
  const outcomes = tasks.map((t, i) => {
    if (Atomics.load(state, 1 + i) === 1) return null;
    Atomics.store(state, 0, i);
    return { ok: true, result: result() };
  });
  return { outcomes, ms: 0 };
};

module.exports.hash = function hash(task) {
  return {
    ok: true,
    sha256: createHash('sha256')
      .update(String(task && task.path))
      .digest('hex'),
  };
};

module.exports.listExtractors = function listExtractors() {
  return [{ name: 'noop', version: '1.0.0', formats: ['text'] }];
};
