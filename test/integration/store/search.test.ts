// The full-text index follows results (complete, re-run, delete, prune, a
// batch, the migration), and search answers any query a person types.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobStore } from '../../../main/core/store/job-store.js';
import { openDatabase } from '../../../main/core/store/database.js';
import { MIGRATIONS } from '../../../main/core/store/migrations/index.js';
import type { ExtractionResult } from '../../../shared/extraction.js';
import { tempDbPath, tempDir } from '../../helpers/tmp.js';
import { sampleResult } from '../../helpers/results.js';
import { OWNER } from '../../helpers/store-states.js';
import { RANK_CANDIDATES } from '../../../main/core/store/search.js';
import { WINDOW, windows } from '../../../main/core/store/snippets.js';
import { MAX_SEARCH_OFFSET } from '../../../shared/search.js';

const dir = tempDir();
let store: JobStore;

beforeEach(() => {
  store = JobStore.open(tempDbPath(dir));
});
afterEach(() => store.close());

/** A job run to completion through the store's own operations. */
function completed(fileName: string, result: Partial<ExtractionResult>, sizeBytes = 100): string {
  const [job] = store.add([{ fileName, sourcePath: `/docs/${fileName}`, priority: 1_000_000, sizeBytes }]);
  finish(job!.id, result);
  return job!.id;
}

function finish(id: string, result: Partial<ExtractionResult>): void {
  const [claimed] = store.claim(1, Date.now(), 60_000, OWNER);
  expect(claimed?.id).toBe(id);
  store.complete(id, sampleResult(result));
}

/** The jobs a query finds (a job may have several hits: its pages, its name). */
const found = (query: string, extra = {}) => [...new Set(store.search({ query, limit: 200, ...extra }).hits.map((h) => h.jobId))].sort();
const text = (t: string) => ({ text: t, markdown: t });

describe('the index follows results', () => {
  it('indexes a completed result per page, with the page number, the file name, path and title', () => {
    const id = completed('annual-report.pdf', {
      ...text('intro budget'),
      pages: [
        { number: 1, text: 'intro' },
        { number: 2, text: 'the budget for next year' },
      ],
      metadata: { title: 'Forecast', author: 'Ada Lovelace', subject: 'Money' },
    });
    const r = store.search({ query: 'budget' });
    expect(r.total).toBe(1);
    expect(r.hits[0]).toMatchObject({ jobId: id, fileName: 'annual-report.pdf', page: 2, status: 'completed' });
    expect(r.hits[0]!.snippet).toContainEqual({ text: 'budget', hit: true });
    for (const q of ['annual', 'docs', 'forecast', 'lovelace', 'money']) expect(found(q), q).toEqual([id]);
    expect(store.search({ query: 'lovelace' }).hits[0]!.page).toBeNull();
  });

  it('finds a result’s index-only text (a model’s strings) and says so in the hit; it goes with the result', () => {
    const id = completed('house.ifc', {
      ...text('IFCWALL Wall North'),
      pages: [{ number: 1, text: 'a page' }],
      indexOnly: { label: 'model strings', text: '2hQBAVPOr5VxhS3Jl0O47h\ntop-left\nWall North' },
    });
    const r = store.search({ query: '"top left"' });
    expect(r.hits).toEqual([expect.objectContaining({ jobId: id, page: null, section: 'model strings' })]);
    expect(r.hits[0]!.snippet.filter((p) => p.hit).map((p) => p.text)).toEqual(['top-left']);
    expect(found('2hQBAVPOr5VxhS3Jl0O47h')).toEqual([id]);
    // A hit in the text proper names its page, not the section.
    expect(store.search({ query: 'page' }).hits.map((h) => [h.page, h.section])).toEqual([[1, undefined]]);
    store.rerun(id);
    finish(id, text('nothing of the sort'));
    expect(found('"top left"')).toEqual([]);
    store.delete(completed('other.ifc', { ...text('x'), indexOnly: { label: 'model strings', text: 'uniquevalue' } }));
    expect(found('uniquevalue')).toEqual([]);
  });

  it('a chunk read for a result that was re-run since is refused, though the new record stands at the same chunk', async () => {
    const spooled = (t: string) => ({
      ...text(t),
      fullText: { path: '/spool/x/full-text.txt', bytes: 1e8, chars: 1e8, lines: 1, previewChars: t.length, markdownIsText: true },
    });
    const id = completed('big.txt', spooled('first'));
    store.indexPending();
    const stale = store.pendingChunks(store.get(id)!.seq)!;
    const staleCompletedAt = store.get(id)!.completedAt!;
    store.rerun(id);
    await new Promise((r) => setTimeout(r, 5));
    finish(id, spooled('second'));
    store.indexPending();
    expect(store.pendingChunks(store.get(id)!.seq)).toEqual(stale);
    expect(store.indexChunk(stale, staleCompletedAt, stale.byte + 100, 'oldchunkword')).toBe(false);
    expect(found('oldchunkword')).toEqual([]);
    expect(store.indexChunk(stale, store.get(id)!.completedAt!, stale.byte + 100, 'newchunkword')).toBe(true);
    expect(found('newchunkword')).toEqual([id]);
  });

  it('replaces a re-run job’s rows with its new result', () => {
    const id = completed('a.txt', text('oldtoken'));
    store.rerun(id);
    finish(id, text('newtoken'));
    expect(found('oldtoken')).toEqual([]);
    expect(found('newtoken')).toEqual([id]);
    expect(store.db.prepare('SELECT count(*) FROM results_fts').pluck().get()).toBe(1);
  });

  it('removes the rows of a deleted job, a pruned job and a deleted batch with its children', () => {
    const a = completed('a.txt', text('shared alpha'));
    const b = completed('b.txt', text('shared beta'));
    const [parent] = store.add([{ fileName: 'mail.eml', priority: 1_000_000 }]);
    store.claim(1, Date.now(), 60_000, OWNER);
    store.complete(parent!.id, sampleResult(text('shared container')), { children: [{ fileName: 'att.txt', priority: 1_000_000 }] });
    const [child] = store.claim(1, Date.now(), 60_000, OWNER);
    store.complete(child!.id, sampleResult(text('shared attachment')));
    expect(found('shared')).toEqual([a, b, parent!.id, child!.id].sort());
    expect(found('attachment', { batch: parent!.id.slice(0, 8) })).toEqual([child!.id]);

    store.delete(a);
    expect(found('shared')).toEqual([b, parent!.id, child!.id].sort());
    store.delete(parent!.id);
    expect(found('shared')).toEqual([b]);
    expect(store.prune(Date.now() + 60_000)).toBe(1);
    expect(found('shared')).toEqual([]);
    expect(store.db.prepare('SELECT count(*) FROM results_fts').pluck().get()).toBe(0);
  });

  it('migration 5 indexes the results stored before it', () => {
    const f = tempDbPath(dir);
    const old = openDatabase(f, MIGRATIONS.slice(0, 4));
    old.prepare(`INSERT INTO jobs (id, file_name, source_path) VALUES ('00000000-0000-4000-8000-000000000001', 'old.pdf', '/x/old.pdf')`).run();
    const seq = old.prepare('SELECT seq FROM jobs').pluck().get();
    const document = { metadata: { title: 'Vintage' }, pages: [{ number: 7, text: 'seventh page words' }] };
    old
      .prepare(
        `INSERT INTO results (job_seq, format, extractor, extractor_version, text, markdown, document) VALUES (?, 'pdf', 'pdf', '1', 'seventh page words', '', ?)`,
      )
      .run(seq, JSON.stringify(document));
    old.close();
    const s = JobStore.open(f);
    try {
      expect(s.search({ query: 'seventh' }).hits).toMatchObject([{ jobId: '00000000-0000-4000-8000-000000000001', page: 7, fileName: 'old.pdf' }]);
      expect(s.search({ query: 'vintage' }).total).toBe(1);
    } finally {
      s.close();
    }
  });

  it('migration 8 owes the spooled texts stored before it to the index again, from their start', () => {
    const f = tempDbPath(dir);
    const old = openDatabase(f, MIGRATIONS.slice(0, 7));
    old
      .prepare(
        `INSERT INTO jobs (id, file_name) VALUES ('00000000-0000-4000-8000-000000000002', 'big.txt'), ('00000000-0000-4000-8000-000000000003', 'small.txt')`,
      )
      .run();
    const [big, small] = old.prepare('SELECT seq FROM jobs ORDER BY seq').pluck().all() as number[];
    const insert = old.prepare(
      `INSERT INTO results (job_seq, format, extractor, extractor_version, text, markdown, document) VALUES (?, 'text', 'text', '1', ?, '', ?)`,
    );
    const fullText = { path: '/spool/x/full-text.txt', bytes: 9, chars: 9, lines: 1, previewChars: 4, markdownIsText: true };
    insert.run(big, 'previewword', JSON.stringify({ metadata: {}, fullText }));
    insert.run(small, 'smallword', JSON.stringify({ metadata: {} }));
    // Their index rows as that version wrote them: the big text's indexing cut short after one chunk, with no record of it.
    const row = old.prepare(`INSERT INTO results_fts (rowid, body) VALUES (?, ?)`);
    row.run(big! * 2 ** 20, 'previewword');
    row.run(small! * 2 ** 20, 'smallword');
    row.run(big! * 2 ** 20 + 1, 'halfwayword');
    old.close();
    // Migration 8 alone: the chunk row goes, the big text owes its chunks from the first.
    const at8 = openDatabase(f, MIGRATIONS.slice(0, 8));
    const matches = (db: typeof at8, word: string) => db.prepare(`SELECT count(*) FROM results_fts WHERE results_fts MATCH ?`).pluck().get(word);
    try {
      expect(at8.prepare('SELECT job_seq AS seq, part, byte FROM results_fts_pending').all()).toEqual([{ seq: big, part: 1, byte: 0 }]);
      expect(matches(at8, 'halfwayword')).toBe(0);
      expect(matches(at8, 'previewword')).toBe(1);
    } finally {
      at8.close();
    }
    // And at today's version (migration 13 rebuilds the index): the same, once the owed results are indexed.
    const s = JobStore.open(f);
    try {
      expect(s.search({ query: 'halfwayword' }).total).toBe(0);
      expect(s.search({ query: 'previewword' }).total).toBe(1);
      expect(s.search({ query: 'smallword' }).total).toBe(1);
      expect(s.pendingChunkJobs()).toEqual(['00000000-0000-4000-8000-000000000002']);
      expect(s.pendingChunks(big!)).toEqual({ seq: big, part: 1, byte: 0 });
    } finally {
      s.close();
    }
  });

  it('migration 13 rebuilds the index without a copy of the text: every result found again, with its snippet', () => {
    const f = tempDbPath(dir);
    const old = openDatabase(f, MIGRATIONS.slice(0, 12));
    old
      .prepare(
        `INSERT INTO jobs (id, file_name, source_path, status) VALUES ('00000000-0000-4000-8000-000000000004', 'report.pdf', '/x/report.pdf', 'completed'), ('00000000-0000-4000-8000-000000000005', 'note.txt', '/x/note.txt', 'completed')`,
      )
      .run();
    const [pdf, note] = old.prepare('SELECT seq FROM jobs ORDER BY seq').pluck().all() as number[];
    const insert = old.prepare(
      `INSERT INTO results (job_seq, format, extractor, extractor_version, text, markdown, document) VALUES (?, ?, 'x', '1', ?, '', ?)`,
    );
    const pages = [
      { number: 1, text: 'an opening page' },
      { number: 2, text: 'the quarterly budget in detail' },
    ];
    insert.run(pdf, 'pdf', 'an opening page\n\nthe quarterly budget in detail', JSON.stringify({ metadata: { title: 'Annual report' }, pages }));
    insert.run(note, 'text', 'a short note about the budget', JSON.stringify({ metadata: {} }));
    // Their index rows as that version wrote them, each value kept in the table too.
    const row = old.prepare(`INSERT INTO results_fts (rowid, page, name, path, meta, body) VALUES (?, ?, ?, ?, ?, ?)`);
    row.run(pdf! * 2 ** 20, null, 'report.pdf', '/x/report.pdf', 'Annual report', '');
    row.run(pdf! * 2 ** 20 + 1, 1, null, null, null, 'an opening page');
    row.run(pdf! * 2 ** 20 + 2, 2, null, null, null, 'the quarterly budget in detail');
    row.run(note! * 2 ** 20, null, 'note.txt', '/x/note.txt', null, 'a short note about the budget');
    expect(
      old
        .prepare(`SELECT body FROM results_fts WHERE rowid = ?`)
        .pluck()
        .get(note! * 2 ** 20),
    ).toBe('a short note about the budget');
    old.close();

    const s = JobStore.open(f);
    try {
      const sql = s.db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'results_fts'`).pluck().get() as string;
      expect(sql).toMatch(/content = ''/);
      expect(s.pendingResults()).toBe(2);
      const r = s.search({ query: 'budget' });
      expect(s.pendingResults()).toBe(0);
      expect(r.hits.map((h) => [h.fileName, h.page])).toEqual(
        expect.arrayContaining([
          ['report.pdf', 2],
          ['note.txt', null],
        ]),
      );
      for (const h of r.hits) expect(h.snippet).toContainEqual({ text: 'budget', hit: true });
      expect(s.search({ query: 'annual' }).hits[0]).toMatchObject({
        fileName: 'report.pdf',
        page: null,
        snippet: [
          { text: 'Annual', hit: true },
          { text: ' report', hit: false },
        ],
      });
      // No copy: the index holds no text, only the page numbers and chunk offsets a hit shows.
      expect(s.db.prepare(`SELECT count(*) FROM results_fts WHERE body IS NOT NULL OR name IS NOT NULL`).pluck().get()).toBe(0);
      s.delete('00000000-0000-4000-8000-000000000005');
      expect(s.search({ query: 'budget' }).hits.map((h) => h.fileName)).toEqual(['report.pdf']);
    } finally {
      s.close();
    }
  });

  it('after random operations, a token unique to each job finds exactly the live jobs holding it', () => {
    // complete (a file, or a batch of two), re-run, delete, prune, delete a batch, and a spooled
    // text's chunk rows (indexChunk, as full-text-index.ts writes them) with tokens of their own.
    // Every result is a spooled text's (its fullText is never read here): each owes its chunks until finished.
    const text = (t: string) => ({
      text: t,
      markdown: t,
      fullText: { path: '/spool/x/full-text.txt', bytes: 1e8, chars: 1e8, lines: 1, previewChars: t.length, markdownIsText: true },
    });
    // 'index' is the background indexer's batch (search-indexer.ts): between two, results are owed, not indexed,
    // so a job deleted, pruned or re-run before its result was indexed is covered as well as one after.
    type Op = { kind: 'add' | 'batch' | 'rerun' | 'delete' | 'deleteBatch' | 'chunk'; pick: number } | { kind: 'prune' } | { kind: 'index' };
    const op = fc.oneof(
      fc.record({
        kind: fc.constantFrom('add' as const, 'batch' as const, 'rerun' as const, 'delete' as const, 'deleteBatch' as const, 'chunk' as const),
        pick: fc.nat(),
      }),
      fc.constant({ kind: 'prune' as const }),
      fc.constant({ kind: 'index' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops: Op[]) => {
        store.close();
        store = JobStore.open(tempDbPath(dir));
        // Live file job → its result's token, whether the result has pages, and its chunk rows' tokens.
        const holds = new Map<string, { base: string; pages: boolean; chunks: string[] }>();
        const batches = new Map<string, string[]>(); // live batch → its children
        const used: string[] = [];
        let n = 0;
        const token = () => {
          const t = `tok${n++}x`;
          used.push(t);
          return t;
        };
        const files = () => [...holds.keys()];
        const forget = (id: string) => holds.delete(id);
        for (const o of ops) {
          if (o.kind === 'add') {
            const t = token();
            // Half with pages, half without: both shapes are indexed.
            const pages = n % 2 === 0;
            const result = pages ? { ...text(`common ${t}`), pages: [{ number: 1, text: `common ${t}` }] } : text(`common ${t}`);
            holds.set(completed(`file${n}.txt`, result), { base: t, pages, chunks: [] });
          } else if (o.kind === 'batch') {
            const { batch, childIds } = store.addBatch({ fileName: `batch${n}` }, [{ fileName: 'a.txt' }, { fileName: 'b.txt' }]);
            for (let i = 0; i < childIds.length; i++) {
              const [claimed] = store.claim(1, Date.now(), 60_000, OWNER);
              const t = token();
              store.complete(claimed!.id, sampleResult(text(`common ${t}`)));
              holds.set(claimed!.id, { base: t, pages: false, chunks: [] });
            }
            batches.set(batch.id, childIds);
          } else if (o.kind === 'index') {
            store.indexPending();
          } else if (o.kind === 'prune') {
            store.prune(Date.now() + 60_000);
            holds.clear();
            batches.clear();
          } else if (o.kind === 'deleteBatch') {
            const ids = [...batches.keys()];
            if (!ids.length) continue;
            const id = ids[o.pick % ids.length]!;
            store.delete(id);
            for (const child of batches.get(id)!) forget(child);
            batches.delete(id);
          } else if (holds.size) {
            const id = files()[o.pick % holds.size]!;
            if (o.kind === 'delete') {
              store.delete(id);
              forget(id);
              for (const [b, children] of batches)
                batches.set(
                  b,
                  children.filter((c) => c !== id),
                );
            } else if (o.kind === 'chunk') {
              // A spooled text's chunks are streamed once the indexer wrote its preview.
              store.indexPending();
              const t = token();
              const h = holds.get(id)!;
              const at = store.pendingChunks(store.get(id)!.seq)!;
              expect(at.part).toBe(h.chunks.length + 1 + (h.pages ? 1 : 0));
              expect(store.indexChunk(at, store.get(id)!.completedAt!, at.byte + 100, `common ${t}`)).toBe(true);
              // The same chunk again (another process, a stale indexer) is refused.
              expect(store.indexChunk(at, store.get(id)!.completedAt!, at.byte + 100, `common ${t}`)).toBe(false);
              h.chunks.push(t);
            } else {
              const t = token();
              store.rerun(id);
              finish(id, text(`common ${t}`));
              holds.set(id, { base: t, pages: false, chunks: [] });
            }
          }
        }
        // The first chunk empties the file row's body (which held the preview, the same text in production):
        // a result without pages is then found by its chunks only.
        const holding = (id: string, t: string) => {
          const h = holds.get(id)!;
          return h.chunks.includes(t) || (h.base === t && (h.pages || !h.chunks.length));
        };
        for (const t of used)
          expect(found(t), t).toEqual(
            files()
              .filter((id) => holding(id, t))
              .sort(),
          );
        expect(found('common')).toEqual(files().sort());
        // What is owed follows the results: one record per live result, none left by a deleted or replaced one
        // (the searches above indexed every result still owed: they were few).
        expect(store.pendingResults()).toBe(0);
        expect(store.pendingChunkJobs().sort()).toEqual(files().sort());
      }),
      { numRuns: 40 },
    );
  });

  it('ranks a common word among its newest hits: the total stays exact and pages never overlap', () => {
    const n = RANK_CANDIDATES + 60;
    const ids = Array.from({ length: n }, (_, i) => completed(`f${i}.txt`, text(`shared word ${'filler '.repeat(i % 9)}`)));
    // A search given no time to index first answers with what is indexed (one small batch): the rest is the background indexer's work, done here.
    const early = store.search({ query: 'shared' }, 0);
    expect(early.total + early.indexing!).toBe(n);
    expect(early.indexing).toBeGreaterThan(0);
    expect(store.indexPending()).toBe(early.indexing);
    const first = store.search({ query: 'shared', limit: 200 });
    expect(first).toMatchObject({ total: n, rankedAmong: RANK_CANDIDATES });
    const seen = new Set<string>();
    for (let offset = 0; offset <= MAX_SEARCH_OFFSET; offset += 200) {
      for (const h of store.search({ query: 'shared', limit: 200, offset }).hits) {
        expect(seen.has(h.jobId)).toBe(false);
        seen.add(h.jobId);
      }
    }
    expect(seen.size).toBe(RANK_CANDIDATES);
    // The oldest hits are the ones left out of the ranking.
    expect(seen.has(ids[0]!)).toBe(false);
    expect(seen.has(ids.at(-1)!)).toBe(true);
    // A rarer word is ranked whole.
    expect(store.search({ query: 'filler', limit: 5 }).rankedAmong).toBeUndefined();
  });
});

describe('queries', () => {
  let ids: Record<string, string>;
  beforeEach(() => {
    ids = {
      fox: completed('fox.txt', text('The quick brown fox jumps over the lazy dog')),
      cafe: completed('cafe.txt', text('Un café crème à Zürich')),
      dog: completed('dog.txt', text('A brown dog sleeps; the fox is quick-witted')),
    };
  });

  it('needs every word, and reads "exact phrases", prefix*, OR, NOT and -word', () => {
    expect(found('brown fox')).toEqual([ids.fox, ids.dog].sort());
    expect(found('"brown fox"')).toEqual([ids.fox]);
    expect(found('"quick brown"')).toEqual([ids.fox]);
    expect(found('slee*')).toEqual([ids.dog]);
    expect(found('"lazy do"*')).toEqual([ids.fox]);
    expect(found('sleeps OR crème')).toEqual([ids.cafe, ids.dog].sort());
    expect(found('fox NOT lazy')).toEqual([ids.dog]);
    expect(found('fox -lazy')).toEqual([ids.dog]);
    expect(found('fox -"lazy dog"')).toEqual([ids.dog]);
    expect(found('-fox')).toEqual([]);
  });

  it('ignores case and diacritics both ways: café = cafe, ZURICH = Zürich', () => {
    expect(found('cafe')).toEqual([ids.cafe]);
    expect(found('CAFÉ')).toEqual([ids.cafe]);
    expect(found('zurich creme')).toEqual([ids.cafe]);
  });

  it('repairs what FTS5 would reject: an open quote, a bare -, stray punctuation, operators alone', () => {
    expect(found('"brown fox')).toEqual([ids.fox]);
    expect(found('fox - lazy')).toEqual([ids.fox]);
    expect(found('quick-witted')).toEqual([ids.dog]);
    expect(found('fox: lazy (dog')).toEqual([ids.fox]);
    expect(found('fox:lazy')).toEqual([]); // one word with punctuation inside is a phrase, as quick-witted is
    for (const q of ['', '-', '"', '*', 'OR', 'NOT', 'AND OR NOT', '()', '^', 'fox OR', 'OR fox']) {
      expect(() => store.search({ query: q }), q).not.toThrow();
    }
  });

  it('never fails on random punctuation and words (fuzz)', () => {
    const piece = fc.oneof(
      fc.constantFrom('"', '-', '*', '(', ')', ':', '^', '+', '{', '}', 'NOT', 'OR', 'AND', 'NEAR', ' ', '\\', "'", '.', ',', '\u0000', 'é'),
      fc.constantFrom('fox', 'brown', 'café', 'dog'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const r = store.search({ query: parts.join('') });
        expect(r.total).toBeGreaterThanOrEqual(r.hits.length);
        // An export of a search reads the same query.
        expect(store.countExportRows({ query: parts.join('') })).toBeLessThanOrEqual(3);
      }),
      { numRuns: 500 },
    );
  });

  it('filters by size', () => {
    const big = completed('big.txt', text('brown bear'), 5000);
    expect(found('brown', { minSize: 4000 })).toEqual([big]);
    expect(found('brown', { maxSize: 4000 })).not.toContain(big);
    expect(found('brown', { minSize: 4000, maxSize: 6000 })).toEqual([big]);
  });

  it('filters by format, status and creation time, and pages with a total', () => {
    expect(found('brown', { format: 'text' })).toHaveLength(2);
    expect(found('brown', { format: 'pdf' })).toEqual([]);
    expect(found('brown', { status: 'failed' })).toEqual([]);
    expect(found('brown', { createdFrom: Date.now() + 60_000 })).toEqual([]);
    const page = store.search({ query: 'brown', limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 2 });
    expect(page.hits).toHaveLength(1);
  });
});

describe('snippets of long texts', () => {
  // 100,000 instances of "stone" in one row: FTS5 scores a snippet against every instance for each
  // instance, so a snippet over the whole row kept a search busy for minutes.
  const long = Array.from({ length: 400_000 }, (_, i) => ['alpha', 'beta', 'gamma', 'stone'][i % 4]).join(' ') + ' closing rareword here';

  it('a word found all over a long text answers with its first window marked, and a rare word late in it with its own', () => {
    const id = completed('long.txt', text(long));
    const common = store.search({ query: 'stone' });
    expect(common.hits).toEqual([expect.objectContaining({ jobId: id, page: null })]);
    expect(common.hits[0]!.snippet).toContainEqual({ text: 'stone', hit: true });
    expect(common.hits[0]!.snippet[0]).toEqual({ text: 'alpha beta gamma ', hit: false });
    const rare = store.search({ query: 'rareword' }).hits[0]!;
    expect(rare.snippet).toContainEqual({ text: 'rareword', hit: true });
    expect(rare.snippet.map((p) => p.text).join('')).toContain('closing rareword here');
    // A phrase across a window's cut is whole in the next window, which starts a little before the cut.
    const words = Array.from({ length: 60_000 }, (_, i) => `w${i}`);
    const other = completed('words.txt', text(words.join(' ')));
    const last = [...windows(words.join(' '))][0]!.split(' ').at(-1)!;
    const phrase = `${last} w${Number(last.slice(1)) + 1}`;
    const across = store.search({ query: `"${phrase}"` }).hits;
    expect(across).toEqual([expect.objectContaining({ jobId: other })]);
    expect(across[0]!.snippet).toContainEqual({ text: phrase, hit: true });
  }, 60_000);

  it('windows cut at white space, no longer than WINDOW, overlapping so that every word is whole in one', () => {
    const words = Array.from({ length: 30_000 }, (_, i) => `w${i}`);
    const pieces = [...windows(words.join(' '))];
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(WINDOW);
      expect(p).toMatch(/^w\d+/);
    }
    const seen = new Set(pieces.flatMap((p) => p.split(' ')));
    for (const w of words) expect(seen.has(w), w).toBe(true);
    for (let i = 1; i < pieces.length; i++)
      expect(pieces[i - 1]!.endsWith(pieces[i]!.split(' ')[0]!) || pieces[i - 1]!.includes(` ${pieces[i]!.split(' ')[0]} `)).toBe(true);
    expect([...windows('short text')]).toEqual(['short text']);
    // No white space at all: cut where the window ends.
    expect([...windows('x'.repeat(WINDOW * 2 + 5))].map((p) => p.length)).toEqual([WINDOW, WINDOW, 5]);
  });
});
