// A spooled full text (a file over the stream threshold) is indexed whole,
// in chunks streamed from its spool file after the job completes: a word far
// past the stored preview is found, a word of the preview is found once (not
// twice), and deleting or re-running the job leaves no stray rows. The real
// engine, pool and store; the threshold lowered to 1 MiB to keep it fast.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../main/core/engine.js';
import { indexSpooledText, wordChunks } from '../../main/core/full-text-index.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const dir = tempDir('quarry-fulltext-index-');
let engine: Engine;

beforeAll(() => {
  process.env.QUARRY_STREAM_THRESHOLD = String(MiB);
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), concurrency: 1, scheduler: { pollIntervalMs: 30 } }).start();
});
afterAll(async () => {
  delete process.env.QUARRY_STREAM_THRESHOLD;
  await engine?.close({ abort: true });
});

// About 3.5 MB: three and a half times the 1 MiB preview; "openingword" in the preview, "closingword" near the end.
const LINES = Array.from({ length: 80_000 }, (_, i) => `line ${i} of the long ledger, granite and slate ${i % 7 === 0 ? 'quarrystone' : 'gravel'}\n`);
LINES[5] = 'openingword is in the preview\n';
LINES[79_990] = 'closingword is far past the preview\n';

describe('spooled full texts in the search index', () => {
  let id: string;
  beforeAll(async () => {
    const file = path.join(dir, 'ledger.txt');
    writeFileSync(file, LINES.join(''));
    id = (await engine.addPaths([file])).jobs[0]!.id;
    await until(() => engine.get(id).status === 'completed', 30_000);
    await engine.drained();
  }, 60_000);

  it('finds a word past the preview, and a word of the preview once', () => {
    expect(engine.store.result(id)!.document.fullText).toBeDefined();
    expect(engine.search({ query: 'closingword' })).toMatchObject({ total: 1, hits: [{ jobId: id }] });
    expect(engine.search({ query: 'openingword' }).total).toBe(1);
    expect(engine.search({ query: '"far past the preview"' }).total).toBe(1);
    // Every chunk row holds the word, and no two rows overlap: the count of rows is the chunks'.
    const rows = engine.search({ query: 'quarrystone', limit: 200 }).total;
    expect(rows).toBeGreaterThanOrEqual(3);
  });

  it('indexing again after a re-run writes the rows once; a deleted job has none', async () => {
    engine.rerun(id);
    await until(() => engine.get(id).status === 'completed', 30_000);
    await engine.drained();
    expect(engine.search({ query: 'closingword' }).total).toBe(1);
    engine.delete(id);
    expect(engine.search({ query: 'closingword' }).total).toBe(0);
    expect(engine.search({ query: 'quarrystone' }).total).toBe(0);
    // A job that is gone is not indexed (nothing written after its deletion).
    expect(await indexSpooledText(engine.store, id)).toBe(0);
    expect(engine.search({ query: 'quarrystone' }).total).toBe(0);
  });
});

describe('wordChunks', () => {
  it('cuts at white space only, and the chunks join back to the text', async () => {
    async function* pieces() {
      yield 'alpha be';
      yield 'ta gamma';
      yield ' delta';
      yield 'epsilon';
    }
    const out: string[] = [];
    for await (const c of wordChunks(pieces())) out.push(c);
    expect(out.join('')).toBe('alpha beta gamma deltaepsilon');
    expect(out).toEqual(['alpha ', 'beta ', 'gamma ', 'deltaepsilon']);
  });
});
