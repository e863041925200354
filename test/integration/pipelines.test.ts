// Job definitions (pipelines), step executors, dedup and containers, end to
// end through the real engine (SQLite file, scheduler, piscina pool running
// the chaos test worker, real files written by the export step).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { DEDUP_MIN_BYTES } from '../../main/core/steps/extract.js';
import { ExtractionError } from '../../shared/extraction.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close({ abort: true });
});

function engine() {
  const e = new Engine({ dbPath: tempDbPath(dir), concurrency: 2, pool: { filename: CHAOS, threads: 2 }, scheduler: { pollIntervalMs: 30 } });
  engines.push(e);
  return e;
}

const job = (options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  sourcePath: `/chaos/${options.tag ?? 'f'}`,
  fileName: String(options.tag ?? 'f'),
  options,
  ...extra,
});

describe('definitions', () => {
  it('ships built-in definitions, versioned', () => {
    const e = engine();
    expect(e.definitions.list().map((d) => [d.name, d.version, d.builtin])).toEqual([
      ['extract', 1, true],
      ['extract-clean', 1, true],
      ['extract-to-folder', 1, true],
    ]);
  });

  it('validates, and versions a definition only when it changes', () => {
    const e = engine();
    const v1 = e.definitions.save({ name: 'mine', steps: [{ type: 'extract' }] });
    expect(v1.version).toBe(1);
    expect(e.definitions.save({ name: 'mine', steps: [{ type: 'extract' }] }).version).toBe(1);
    const v2 = e.definitions.save({ name: 'mine', steps: [{ type: 'extract' }, { type: 'transform', options: { clean_text: true } }] });
    expect(v2.version).toBe(2);
    expect(e.definitions.get('mine', 1).steps).toHaveLength(1);
    expect(() => e.definitions.save({ name: 'bad', steps: [{ type: 'teleport' }] })).toThrow(
      /Unknown step type "teleport" \(known: extract, transform, export\)/,
    );
    expect(() => e.definitions.save({ name: 'Bad Name', steps: [{ type: 'extract' }] })).toThrow(/Invalid job definition/);
    expect(() => e.definitions.save({ name: 'x', steps: [] })).toThrow(ExtractionError);
    expect(() => e.definitions.save({ name: 'extract', steps: [{ type: 'transform' }] })).toThrow(/built-in/);
  });

  it('runs extract -> transform -> export, writing whole files to the folder', async () => {
    const e = engine();
    const out = path.join(dir, 'pipeline-out');
    e.definitions.save({
      name: 'clean-export',
      steps: [
        { type: 'extract' },
        { type: 'transform', options: { clean_text: true, normalize_tables: true } },
        { type: 'export', options: { dir: out, formats: ['txt', 'json'] } },
      ],
    });
    const def = e.definitions.get('clean-export');
    const [j] = e.store.add([job({ tag: 'dirty.txt', mode: 'dirty' }, { definition: def.name, definitionVersion: def.version })]);
    e.start();
    await e.drained();
    expect(e.store.get(j!.id)).toMatchObject({ status: 'completed', stepIndex: 2, definition: 'clean-export', definitionVersion: 1 });
    const stored = e.store.result(j!.id)!;
    expect(stored.text).toBe('Hyphenated word\n\nend');
    expect(stored.document.tables[0]!.rows).toEqual([
      ['a', ''],
      ['b', 'c'],
    ]);
    const files = readdirSync(out).sort();
    expect(files).toEqual([`dirty.txt.${j!.shortId}.json`, `dirty.txt.${j!.shortId}.txt`]);
    expect(readFileSync(path.join(out, files[1]!), 'utf8')).toBe('Hyphenated word\n\nend');
    expect(JSON.parse(readFileSync(path.join(out, files[0]!), 'utf8')).text).toBe('Hyphenated word\n\nend');
  });

  it('on_error: continue records a warning and goes on; fail fails the job', async () => {
    const e = engine();
    e.definitions.save({ name: 'lenient', steps: [{ type: 'extract' }, { type: 'export', options: { dir: 'relative/dir' }, on_error: 'continue' }] });
    e.definitions.save({ name: 'strict', steps: [{ type: 'extract' }, { type: 'export', options: { dir: 'relative/dir' } }] });
    const [lenient, strict] = e.store.add([job({ tag: 'a' }, { definition: 'lenient' }), job({ tag: 'b' }, { definition: 'strict' })]);
    e.start();
    await e.drained();
    expect(e.store.get(lenient!.id)).toMatchObject({
      status: 'completed',
      warning: expect.stringMatching(/Step 2 \(export\) failed and was skipped: The export folder must be an absolute path/),
    });
    expect(e.store.result(lenient!.id)!.document.warnings.join()).toMatch(/Step 2 \(export\)/);
    expect(e.store.get(strict!.id)).toMatchObject({ status: 'failed', errorCode: 'invalid_definition', errorCategory: 'permanent' });
  });

  it('a step type without an executor fails the job permanently, never skips it', async () => {
    const e = engine();
    // As a newer Quarry might have saved it: bypasses validation on purpose.
    e.store.db.prepare(`INSERT INTO job_definitions (name, version, steps) VALUES ('future', 1, '[{"type":"extract"},{"type":"translate"}]')`).run();
    const [j] = e.store.add([job({ tag: 'f' }, { definition: 'future' })]);
    e.start();
    await e.drained();
    expect(e.store.get(j!.id)).toMatchObject({ status: 'failed', errorCode: 'unknown_step', errorCategory: 'permanent', retryCount: 0 });
    expect(e.store.get(j!.id)!.errorMessage).toMatch(/type "translate", which no executor handles/);
  });
});

describe('dedup and re-runs', () => {
  it('identical content reuses the stored result unless forced', async () => {
    const e = engine();
    const log = path.join(dir, 'dedup.log');
    const [first] = e.store.add([job({ tag: 'same', log })]);
    e.start();
    await e.drained();
    const [second, forced] = e.store.add([job({ tag: 'same', log }), job({ tag: 'same', log, force: true })]);
    await e.drained();
    expect(e.store.get(second!.id)).toMatchObject({ status: 'completed', reusedFrom: first!.id, contentHash: e.store.get(first!.id)!.contentHash });
    expect(e.store.result(second!.id)!.text).toBe(e.store.result(first!.id)!.text);
    expect(e.store.get(forced!.id)!.reusedFrom).toBeNull();
    // Two real extractions: the first and the forced one; the second reused.
    expect(readFileSync(log, 'utf8').match(/^start/gm)).toHaveLength(2);
  });

  it('small files skip the dedup check (extracting them costs less), but still record their hash', async () => {
    const e = engine();
    const log = path.join(dir, 'dedup-small.log');
    const small = { sizeBytes: DEDUP_MIN_BYTES - 1 };
    const [first] = e.store.add([job({ tag: 'tiny', log }, small)]);
    e.start();
    await e.drained();
    const [second] = e.store.add([job({ tag: 'tiny', log }, small)]);
    await e.drained();
    expect(e.store.get(second!.id)).toMatchObject({ status: 'completed', reusedFrom: null, contentHash: e.store.get(first!.id)!.contentHash });
    expect(e.store.get(first!.id)!.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(log, 'utf8').match(/^start/gm)).toHaveLength(2);
    // At the threshold, the check runs again. Identical content has the same
    // size, so the dedup index holds only files at the threshold or over
    // (migration 010): the first such copy is extracted, the next reuses it.
    const atThreshold = { sizeBytes: DEDUP_MIN_BYTES };
    const [big] = e.store.add([job({ tag: 'tiny', log }, atThreshold)]);
    await e.drained();
    expect(e.store.get(big!.id)!.reusedFrom).toBeNull();
    const [bigAgain] = e.store.add([job({ tag: 'tiny', log }, atThreshold)]);
    await e.drained();
    expect(e.store.get(bigAgain!.id)).toMatchObject({ status: 'completed', reusedFrom: big!.id });
    expect(readFileSync(log, 'utf8').match(/^start/gm)).toHaveLength(3);
  });

  it('finds results made by an older extractor version, to run them again', async () => {
    const e = engine();
    const [j] = e.store.add([job({ tag: 'old' })]);
    e.start();
    await e.drained();
    expect(e.store.outdated({ chaos: '1.0.0' })).toEqual([]);
    expect(e.store.outdated({ chaos: '2.0.0' })).toEqual([j!.id]);
    e.store.rerun(j!.id);
    await e.drained();
    expect(e.store.events(j!.id).filter((ev) => ev.toStatus === 'completed')).toHaveLength(2);
  });
});

describe('containers', () => {
  it("an archive's entries become its children, and it finishes when they do", async () => {
    const e = engine();
    const [archive] = e.store.add([job({ tag: 'bundle.zip', mode: 'container', entries: ['a.txt', 'b.txt', 'c.txt'] })]);
    e.start();
    await e.drained();
    const a = e.store.get(archive!.id)!;
    expect(a).toMatchObject({ kind: 'batch', status: 'completed', total: 3, successful: 3 });
    const kids = e.store.list({ parentId: a.id, sort: 'oldest' });
    expect(kids.map((k) => [k.fileName, k.status, k.source])).toEqual([
      ['a.txt', 'completed', 'archive'],
      ['b.txt', 'completed', 'archive'],
      ['c.txt', 'completed', 'archive'],
    ]);
    expect(existsSync(kids[0]!.sourcePath!)).toBe(true);
    expect(kids[0]!.sourcePath!.startsWith(path.join(dir))).toBe(true);
    expect(e.store.result(a.id)).toBeDefined(); // its own listing is kept
    // Deleting it takes its entries' jobs and the files it spooled.
    const spooled = path.dirname(kids[0]!.sourcePath!);
    expect(spooled).toBe(path.join(e.spoolRoot, a.id));
    const removed: string[] = [];
    e.on('jobRemoved', (id) => removed.push(id));
    e.delete(a.id);
    expect(removed.sort()).toEqual([a.id, ...kids.map((k) => k.id)].sort());
    await until(() => !existsSync(spooled));
  });
});

void writeFileSync;
