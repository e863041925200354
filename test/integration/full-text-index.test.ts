// A spooled full text (a file over the stream threshold) is indexed whole,
// in chunks streamed from its spool file after the job completes: a word far
// past the stored preview is found, a word of the preview is found once (not
// twice), and deleting or re-running the job leaves no stray rows. The real
// engine, pool and store; the threshold lowered to 1 MiB to keep it fast.
import { mkdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../main/core/engine.js';
import { JobStore } from '../../main/core/store/job-store.js';
import { FULL_TEXT_FILE } from '../../shared/extraction.js';
import { sampleResult } from '../helpers/results.js';
import { OWNER } from '../helpers/store-states.js';
import { FullTextIndexer, indexSpooledText } from '../../main/core/full-text-index.js';
import { fullTextByteChunks } from '../../main/core/full-text.js';
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

describe('a restart resumes the indexing of a spooled text', () => {
  it('indexes the rest of a text whose indexing stopped after its first chunk, once', async () => {
    // A real store file and a real spool file, as an extraction leaves them: the result holds a 1 MiB preview.
    const dbPath = path.join(dir, 'restart.db');
    const text = LINES.join('');
    let store = JobStore.open(dbPath);
    const [job] = store.add([{ fileName: 'ledger.txt', sourcePath: '/docs/ledger.txt', priority: 1_000_000 }]);
    const spooled = path.join(dir, 'spool', job!.id, FULL_TEXT_FILE);
    mkdirSync(path.dirname(spooled), { recursive: true });
    writeFileSync(spooled, text);
    const preview = text.slice(0, MiB);
    const bytes = Buffer.byteLength(text);
    store.claim(1, Date.now(), 60_000, OWNER);
    store.complete(
      job!.id,
      sampleResult({
        text: preview,
        markdown: '',
        fullText: { path: spooled, bytes, chars: text.length, lines: LINES.length, previewChars: preview.length, markdownIsText: true },
      }),
    );
    // The background indexer writes the preview with the job's other rows; the whole text is then owed chunk by chunk.
    expect(store.pendingChunkJobs()).toEqual([]);
    expect(store.indexPending()).toBe(1);
    expect(store.pendingChunkJobs()).toEqual([job!.id]);
    // Stopped after the first chunk (an engine closed, or a crash): the rest is still owed.
    let chunks = 0;
    expect(await indexSpooledText(store, job!.id, () => chunks++ >= 1)).toBe(1);
    expect(store.search({ query: 'closingword' }).total).toBe(0);
    expect(store.pendingChunks(job!.seq)).toMatchObject({ part: 2 });
    store.close();

    // The restart: an engine on the same file picks the text up where it stopped.
    store = JobStore.open(dbPath);
    const before = store.pendingChunks(job!.seq)!;
    expect(before.byte).toBeGreaterThan(0);
    store.close();
    const restarted = new Engine({ dbPath, concurrency: 1 }).start();
    try {
      await restarted.drained();
      expect(restarted.search({ query: 'closingword' })).toMatchObject({ total: 1, hits: [{ jobId: job!.id }] });
      expect(restarted.search({ query: 'openingword' }).total).toBe(1);
      expect(restarted.search({ query: '"far past the preview"' }).total).toBe(1);
      expect(restarted.store.pendingChunkJobs()).toEqual([]);
      // Every chunk once: as many rows as an uninterrupted run cuts the file into, each holding the word spread over the text.
      const handle = await open(spooled, 'r');
      let expected = 0;
      for await (const c of fullTextByteChunks(handle)) if (c.length) expected++;
      await handle.close();
      const base = job!.seq * 2 ** 20;
      const rows = restarted.store.db
        .prepare(`SELECT count(*) FROM results_fts WHERE rowid > ? AND rowid < ?`)
        .pluck()
        .get(base, base + 2 ** 20);
      expect(expected).toBeGreaterThanOrEqual(3);
      expect(rows).toBe(expected);
      // Written from the file's bytes, indexed as text (a BLOB's words would not be found), and each chunk
      // records where it starts in the file: a hit's snippet is read from there (the index keeps no copy).
      const starts = restarted.store.db
        .prepare(`SELECT byte FROM results_fts WHERE rowid > ? AND rowid < ? ORDER BY rowid`)
        .pluck()
        .all(base, base + 2 ** 20) as number[];
      expect(starts[0]).toBe(0);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      expect(restarted.search({ query: 'quarrystone', limit: 200 }).total).toBe(expected);
      const closing = restarted.search({ query: 'closingword' }).hits[0]!;
      expect(closing.snippet).toContainEqual({ text: 'closingword', hit: true });
      expect(closing.snippet.map((p) => p.text).join('')).toContain('closingword is far past the preview');
    } finally {
      await restarted.close({ abort: true });
    }
  }, 60_000);
});

describe('fullTextByteChunks', () => {
  async function chunksOf(text: string, size: number, from = 0): Promise<string[]> {
    const file = path.join(dir, `chunks-${size}-${from}.txt`);
    writeFileSync(file, text);
    const handle = await open(file, 'r');
    const out: string[] = [];
    try {
      // Each chunk is a view of a buffer reused for the next: decoded at once.
      for await (const c of fullTextByteChunks(handle, from, size)) out.push(c.toString('utf8'));
    } finally {
      await handle.close();
    }
    return out;
  }

  it('cuts after white space, and the chunks join back to the text', async () => {
    expect(await chunksOf('alpha beta gamma deltaepsilon', 13)).toEqual(['alpha beta ', 'gamma ', 'deltaepsilon']);
    // A run longer than a chunk is cut (before a character), and still joins back.
    expect(await chunksOf('alpha beta gamma deltaepsilon', 8)).toEqual(['alpha ', 'beta ', 'gamma ', 'deltaeps', 'ilon']);
  });

  it('never cuts a character in two, even in a run without white space', async () => {
    const text = 'ĉiuĵaŭde'.repeat(20) + ' 日本語のテキスト'.repeat(10) + '😀'.repeat(30);
    const out = await chunksOf(text, 16);
    expect(out.join('')).toBe(text);
    for (const c of out) expect(c).not.toContain('\uFFFD');
    expect(out.length).toBeGreaterThan(10);
  });

  it('starts at a byte offset (an indexer resuming)', async () => {
    const text = 'first second third fourth';
    const out = await chunksOf(text, 8, Buffer.byteLength('first '));
    expect(out.join('')).toBe('second third fourth');
  });
});

describe('a spooled text while another connection holds the write lock', () => {
  it('waits and goes on (SQLITE_BUSY is tried again, not said as the store failing)', async () => {
    const dbPath = path.join(dir, 'busy.db');
    const text = LINES.join('');
    const store = JobStore.open(dbPath);
    const [job] = store.add([{ fileName: 'ledger.txt', sourcePath: '/docs/ledger.txt', priority: 1_000_000 }]);
    const spooled = path.join(dir, 'spool-busy', job!.id, FULL_TEXT_FILE);
    mkdirSync(path.dirname(spooled), { recursive: true });
    writeFileSync(spooled, text);
    const preview = text.slice(0, MiB);
    store.claim(1, Date.now(), 60_000, OWNER);
    store.complete(
      job!.id,
      sampleResult({
        text: preview,
        markdown: '',
        fullText: {
          path: spooled,
          bytes: Buffer.byteLength(text),
          chars: text.length,
          lines: LINES.length,
          previewChars: preview.length,
          markdownIsText: true,
        },
      }),
    );
    store.indexPending();
    const other = JobStore.open(dbPath);
    const errors: Error[] = [];
    try {
      store.db.pragma('busy_timeout = 20');
      other.db.exec('BEGIN IMMEDIATE');
      const indexer = new FullTextIndexer(store, (e) => errors.push(e));
      indexer.resume();
      // Held past the first tries: the indexer meets SQLITE_BUSY, then the lock is let go.
      await new Promise((r) => setTimeout(r, 700));
      other.db.exec('COMMIT');
      await indexer.idle();
      expect(errors).toEqual([]);
      expect(store.search({ query: 'closingword' }).total).toBe(1);
      expect(store.pendingChunkJobs()).toEqual([]);
    } finally {
      if (other.db.inTransaction) other.db.exec('COMMIT');
      other.close();
      store.close();
    }
  });
});
