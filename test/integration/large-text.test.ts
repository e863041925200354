// Large text and CSV files end to end: the real engine, store and pool
// (dist/workers/extract.mjs). The stored result holds a preview and points
// to the full text in the job's spool folder; exports carry every character,
// streamed from that file; deleting or pruning the job removes the file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../main/core/engine.js';
import type { StoredResult } from '../../main/core/store/job-store.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const dir = tempDir('quarry-large-');
let engine: Engine;

// Files just above a 1 MiB threshold keep this fast; the worker threads read the variable when created.
beforeAll(() => {
  process.env.QUARRY_STREAM_THRESHOLD = String(MiB);
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), concurrency: 1, scheduler: { pollIntervalMs: 30 } }).start();
});
afterAll(async () => {
  delete process.env.QUARRY_STREAM_THRESHOLD;
  await engine?.close({ abort: true });
});

const TEXT = Array.from({ length: 60_000 }, (_, i) => `Zeile ${i}: Grüße € ${'😀'.repeat(i % 3)} "quoted" back\\slash\r\n`).join('');
const CSV = ['id,comment', ...Array.from({ length: 60_000 }, (_, i) => `${i},"zwei\r\nZeilen, ""${i}"" €"`)].join('\r\n') + '\r\n';

async function extractAll(files: Record<string, string>, definition?: string): Promise<Record<string, { id: string; result: StoredResult }>> {
  const out: Record<string, { id: string; result: StoredResult }> = {};
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    const intake = await engine.addPaths([file], definition ? { definition } : {});
    const id = intake.jobs[0]!.id;
    await until(() => ['completed', 'failed'].includes(engine.get(id).status), 20_000);
    expect(engine.get(id)).toMatchObject({ status: 'completed' });
    out[name] = { id, result: engine.store.result(id)! };
  }
  return out;
}

function exported(format: 'jsonl' | 'json' | 'csv', sub: string): Array<Record<string, any>> {
  const file = path.join(dir, sub, `quarry-results.${format}`);
  const body = readFileSync(file, 'utf8');
  if (format === 'jsonl')
    return body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  if (format === 'json') return JSON.parse(body);
  const rows = Papa.parse<string[]>(body.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
  const [header, ...data] = rows;
  return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
}

describe('large files through the engine', () => {
  it('stores a preview and the full-text file; every export format carries the exact full text; deletion and pruning remove the file', async () => {
    const jobs = await extractAll({ 'big.txt': TEXT, 'big.csv': CSV });
    const txt = jobs['big.txt']!;
    const csv = jobs['big.csv']!;
    for (const { id, result } of [txt, csv]) {
      const full = result.document.fullText!;
      expect(full.path).toBe(path.join(dir, 'spool', id, 'full-text.txt'));
      expect(result.text.length).toBeLessThanOrEqual(MiB + 1);
      expect(result.document.warnings.join()).toMatch(/stored text is a preview/);
      // Lifted out of metadata into the result's own field.
      expect(result.document.metadata.fullText).toBeUndefined();
    }
    expect(txt.result.markdown).toBe('');
    expect(csv.result.document.tables[0]!.rows).toHaveLength(1000);
    expect(csv.result.document.metadata).toMatchObject({ rowCount: 60_001, columnCount: 2 });

    const byName = (rows: Array<Record<string, any>>, key: string) => Object.fromEntries(rows.map((r) => [r[key], r]));
    for (const format of ['jsonl', 'json'] as const) {
      await engine.exportTo(path.join(dir, `out-${format}`), format);
      const rows = byName(exported(format, `out-${format}`), 'fileName');
      expect(sha(rows['big.txt'].text)).toBe(sha(TEXT));
      expect(sha(rows['big.txt'].markdown)).toBe(sha(TEXT)); // plain text: the Markdown is the text
      expect(sha(rows['big.csv'].text)).toBe(sha(CSV));
      expect(rows['big.csv'].markdown).toBe(csv.result.markdown); // the table preview
      expect(rows['big.csv'].counters.rows).toBe(60_001);
    }
    await engine.exportTo(path.join(dir, 'out-csv'), 'csv');
    const csvRows = byName(exported('csv', 'out-csv'), 'file_name');
    expect(sha(csvRows['big.txt'].text)).toBe(sha(TEXT));
    expect(sha(csvRows['big.csv'].text)).toBe(sha(CSV));

    // A full-text file that went missing: the preview is exported, and the record says so.
    rmSync(csv.result.document.fullText!.path);
    await engine.exportTo(path.join(dir, 'out-missing'), 'jsonl');
    const missing = byName(exported('jsonl', 'out-missing'), 'fileName')['big.csv'];
    expect(missing.text).toBe(csv.result.text);
    expect(missing.warnings.join()).toMatch(/full text file .* is missing .* only the stored preview/);

    // Deleting a job, or pruning it, removes its spool folder with the full text.
    engine.delete(txt.id);
    await until(() => !existsSync(path.join(dir, 'spool', txt.id)), 5_000);
    writeFileSync(path.join(dir, 'spool', csv.id, 'full-text.txt'), 'x');
    engine.store.prune(Date.now() + 60_000);
    await until(() => !existsSync(path.join(dir, 'spool', csv.id)), 5_000);
  });

  it('the export step writes the full text too: text, Markdown (the text) and JSON', async () => {
    const out = path.join(dir, 'step-out');
    engine.definitions.save({
      name: 'big-out',
      steps: [
        { type: 'extract', options: { force: true } },
        { type: 'export', options: { dir: out, formats: ['txt', 'md', 'json'] } },
      ],
    });
    const { id } = (await extractAll({ 'step.txt': TEXT }, 'big-out'))['step.txt']!;
    const base = path.join(out, `step.txt.${engine.get(id).shortId}`);
    expect(sha(readFileSync(`${base}.txt`))).toBe(sha(TEXT));
    expect(sha(readFileSync(`${base}.md`))).toBe(sha(TEXT));
    const json = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    expect(sha(json.text)).toBe(sha(TEXT));
    expect(sha(json.markdown)).toBe(sha(TEXT));
    expect(json.fullText.chars).toBe([...json.text].length); // characters = code points
  });

  it("a stored full-text path that is not the job's own spool file is never read", async () => {
    const { id, result } = (await extractAll({ 'tampered.txt': TEXT }))['tampered.txt']!;
    // Another file on the machine, named like a full text: a row edited by hand (or by anything else) must not export it.
    const secret = path.join(dir, 'elsewhere', 'full-text.txt');
    rmSync(path.dirname(secret), { recursive: true, force: true });
    mkdirSync(path.dirname(secret));
    writeFileSync(secret, 'SECRET'.repeat(10));
    const document = { ...result.document, fullText: { ...result.document.fullText!, path: secret, bytes: 60 } };
    engine.store.db.prepare('UPDATE results SET document = ? WHERE job_seq = ?').run(JSON.stringify(document), engine.get(id).seq);
    await engine.exportTo(path.join(dir, 'out-tampered'), 'jsonl');
    const row = exported('jsonl', 'out-tampered').find((r) => r.id === id)!;
    expect(row.text).toBe(result.text);
    expect(row.text).not.toContain('SECRET');
    expect(row.warnings.join()).toMatch(/not this job's spool file/);
  });

  it('a job reusing a stored large result (same content) gets its own full-text file', async () => {
    const first = (await extractAll({ 'a.txt': TEXT }))['a.txt']!;
    const second = (await extractAll({ 'b.txt': TEXT }))['b.txt']!;
    expect(engine.get(second.id)).toMatchObject({ reusedFrom: first.id, contentHash: engine.get(first.id).contentHash });
    const full = second.result.document.fullText!;
    expect(full.path).toBe(path.join(dir, 'spool', second.id, 'full-text.txt'));
    engine.delete(first.id);
    await until(() => !existsSync(path.join(dir, 'spool', first.id)), 5_000);
    expect(sha(readFileSync(full.path))).toBe(sha(TEXT));
  });
});
