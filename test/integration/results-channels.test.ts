// results.search and results.get through the contract's boundary (dispatch),
// on a real engine and SQLite file; a spooled full text read in slices from
// its real spool file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { createHandlers, dispatch, type Handlers } from '../../main/core/handlers.js';
import { sliceOfChunks, textChunks } from '../../main/core/result-parts.js';
import { ContractError } from '../../shared/contract.js';
import { FULL_TEXT_FILE, type ExtractionResult } from '../../shared/extraction.js';
import { sampleResult } from '../helpers/results.js';
import { OWNER } from '../helpers/store-states.js';
import { tempDir } from '../helpers/tmp.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
let engine: Engine;
let handlers: Handlers;

beforeAll(() => {
  // Not started: the test completes the jobs itself, through the store.
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), pool: { filename: CHAOS, threads: 1 } });
  handlers = createHandlers(engine, { transport: 'browser', version: '0.0.0-test', dbPath: 'q.db', exportsDir: path.join(dir, 'exports') });
});
afterAll(() => engine.close({ abort: true }));

function completed(fileName: string, over: (id: string) => Partial<ExtractionResult>): string {
  const [job] = engine.store.add([{ fileName, sourcePath: `/docs/${fileName}`, priority: 1_000_000 }]);
  engine.store.claim(1, Date.now(), 60_000, OWNER);
  engine.store.complete(job!.id, sampleResult(over(job!.id)));
  return job!.id;
}

const call = (channel: string, input: unknown) => dispatch(handlers, channel, input) as Promise<any>;

describe('results.search', () => {
  it('answers ranked hits with a marked snippet and the total, and repairs a hostile query', async () => {
    const id = completed('notes.txt', () => ({ text: 'the aardvark eats ants at night', markdown: '' }));
    const r = await call('results.search', { query: 'aardvark' });
    expect(r.total).toBe(1);
    expect(r.hits[0]).toMatchObject({ jobId: id, fileName: 'notes.txt', page: null });
    expect(r.hits[0].snippet).toContainEqual({ text: 'aardvark', hit: true });
    expect(await call('results.search', { query: '"aardv -) NOT ^*' })).toMatchObject({ total: 0 });
  });

  it('refuses bad input as invalid_input, and an unknown batch as not_found', async () => {
    const err = await call('results.search', { query: 'x', limit: 100_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect(err.kind).toBe('invalid_input');
    expect((await call('results.search', { query: 'x', batch: 'ffffffff' }).catch((e) => e)).kind).toBe('not_found');
  });
});

describe('results.get', () => {
  it('returns each part of a stored result, text and pages in slices', async () => {
    const id = completed('doc.pdf', () => ({
      text: 'abcdefghij',
      markdown: '# T',
      pages: [
        { number: 1, text: 'abcde' },
        { number: 2, text: 'fghij' },
      ],
      tables: [{ name: 'Sheet1', rows: [['a', 'b']], hasHeader: true }],
      warnings: ['odd'],
    }));
    expect(await call('results.get', { id, part: 'text', offset: 2, limit: 3 })).toEqual({
      part: 'text',
      text: 'cde',
      offset: 2,
      total: 10,
      done: false,
      spooled: false,
    });
    expect(await call('results.get', { id, part: 'markdown' })).toMatchObject({ text: '# T', total: 3, done: true });
    expect(await call('results.get', { id, part: 'pages', offset: 1 })).toMatchObject({ pages: [{ number: 2, text: 'fghij' }], total: 2 });
    expect(await call('results.get', { id, part: 'tables' })).toMatchObject({ tables: [{ name: 'Sheet1' }] });
    expect(await call('results.get', { id, part: 'metadata' })).toEqual({ part: 'metadata', metadata: { title: 'Sample' } });
    expect(await call('results.get', { id, part: 'warnings' })).toEqual({ part: 'warnings', warnings: ['odd'] });
    expect(await call('results.get', { id: id.slice(0, 8), part: 'summary' })).toMatchObject({ format: 'text', chars: 10, spooled: false });
  });

  it('pages through chunks of one document, and a new result of the same job is chunked anew', async () => {
    const para = (n: number) => `Paragraph ${n} ${'word '.repeat(40)}`;
    const id = completed('long.md', () => ({ markdown: Array.from({ length: 30 }, (_, i) => para(i)).join('\n\n') }));
    const all = await call('results.get', { id, part: 'chunks', chunkSize: 300, overlap: 0, limit: 1000 });
    expect(all.total).toBeGreaterThan(3);
    const second = await call('results.get', { id, part: 'chunks', chunkSize: 300, overlap: 0, offset: 1, limit: 2 });
    expect(second).toMatchObject({ offset: 1, total: all.total, chunks: all.chunks.slice(1, 3) });
    // Another size is another chunking, not the one kept for paging.
    expect((await call('results.get', { id, part: 'chunks', chunkSize: 600, overlap: 0 })).total).toBeLessThan(all.total);
    engine.store.rerun(id);
    engine.store.claim(1, Date.now() + 1, 60_000, OWNER);
    engine.store.complete(id, sampleResult({ markdown: para(1) }));
    expect((await call('results.get', { id, part: 'chunks', chunkSize: 300, overlap: 0 })).total).toBe(1);
  });

  it('reads a spooled full text’s slice from its spool file, and says so when the file is gone', async () => {
    const body = 'é'.repeat(1_500_000) + 'TAIL'; // past one 1 MB read, with two-byte characters across its boundary
    let spool = '';
    const id = completed('huge.log', (jobId) => {
      spool = path.join(dir, 'spool', jobId, FULL_TEXT_FILE);
      const bytes = Buffer.byteLength(body);
      const fullText = { path: spool, bytes, chars: body.length, lines: 1, previewChars: 5, markdownIsText: true };
      return { text: body.slice(0, 5), markdown: body.slice(0, 5), fullText };
    });
    mkdirSync(path.dirname(spool), { recursive: true });
    writeFileSync(spool, body);
    const tail = await call('results.get', { id, part: 'text', offset: 1_499_998, limit: 10 });
    expect(tail).toEqual({ part: 'text', text: 'ééTAIL', offset: 1_499_998, total: body.length, done: true, spooled: true });
    expect(await call('results.get', { id, part: 'markdown', offset: 0, limit: 3 })).toMatchObject({ text: 'ééé', done: false, spooled: true });
    const whole: string[] = [];
    for await (const chunk of await textChunks(engine.store, id, 'text', () => expect.fail('no note'))) whole.push(chunk);
    expect(whole.length).toBeGreaterThan(1); // streamed, in chunks
    expect(whole.join('')).toBe(body);
    writeFileSync(spool, 'truncated');
    const notes: string[] = [];
    const preview = [];
    for await (const chunk of await textChunks(engine.store, id, 'text', (n) => notes.push(n))) preview.push(chunk);
    expect(preview).toEqual(['ééééé']);
    expect(notes).toHaveLength(1);
    const slice = await call('results.get', { id, part: 'text' });
    expect(slice).toMatchObject({ text: 'ééééé', spooled: false });
    expect(slice.note).toMatch(/bytes instead of/);
  });

  it('stops reading at the end of the slice', async () => {
    let read = 0;
    async function* chunks() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield 'x'.repeat(10);
      }
    }
    expect(await sliceOfChunks(chunks(), 15, 10)).toEqual({ text: 'x'.repeat(10), done: false });
    expect(read).toBe(3);
  });

  it('refuses a job without a result as not_found', async () => {
    const [pending] = engine.store.add([{ fileName: 'later.txt' }]);
    const err = await call('results.get', { id: pending!.id, part: 'text' }).catch((e) => e);
    expect(err.kind).toBe('not_found');
    expect(err.message).toMatch(/has no result: it is pending/);
  });
});
