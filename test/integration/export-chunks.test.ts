// `quarry export --format chunks` (issue 15): the built CLI extracts a real
// README (Markdown with headings) and a real multi-page PDF of the shared
// corpus into a --db, then exports retrieval-sized chunks as JSON Lines,
// read back here: each chunk names its file, page range, headings and
// offsets, and none is over the size asked for.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { skipWhen } from '../helpers/skip.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.cjs');
const corpus = [path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')].find((d) => existsSync(path.join(d, 'MANIFEST.tsv')));
const README = corpus && path.join(corpus, 'text/mammoth-README.md');
const PDF = corpus && path.join(corpus, 'pdf/TAMReview.pdf');
const dir = tempDir('quarry-export-chunks-');

function quarry(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, QUARRY_HOME: path.join(dir, 'home') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface ChunkRecord {
  id: string;
  jobId: string;
  fileName: string;
  format: string;
  chunk: number;
  pages: [number, number] | null;
  headingPath: string[];
  offsets: { source: 'pages' | 'markdown'; start: number; end: number };
  text: string;
}

describe(
  'the chunks export',
  skipWhen(!corpus || !existsSync(PDF!), 'the shared corpus (../shared/corpus) is absent: this test uses its README and PDF'),
  () => {
    it('writes each document as chunks with file, pages, headings and offsets; sizes and overlap as asked', () => {
      const db = path.join(dir, 'jobs.db');
      expect(quarry('extract', README!, PDF!, '--db', db, '--out', path.join(dir, 'json')).code).toBe(0);
      const out = path.join(dir, 'chunks');
      const r = quarry('export', '--db', db, '--out', out, '--format', 'chunks', '--chunk-size', '600', '--overlap', '80');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^[\d,]+ chunks of 2 documents written to .*quarry-results\.chunks\.jsonl\n$/);
      const lines = readFileSync(path.join(out, 'quarry-results.chunks.jsonl'), 'utf8').trim().split('\n');
      const chunks = lines.map((l) => JSON.parse(l) as ChunkRecord);
      for (const c of chunks) {
        expect(c.text.length).toBeLessThanOrEqual(600);
        expect(c.id).toBe(`${c.jobId}:${c.chunk}`);
      }
      const md = chunks.filter((c) => c.fileName === 'mammoth-README.md');
      expect(md.length).toBeGreaterThan(10);
      expect(md.every((c) => c.offsets.source === 'markdown' && c.pages === null)).toBe(true);
      expect(md.find((c) => c.text.startsWith('## Installation'))?.headingPath).toEqual(['Mammoth .docx to HTML converter', 'Installation']);
      const pdf = chunks.filter((c) => c.fileName === 'TAMReview.pdf');
      expect(pdf.length).toBeGreaterThan(5);
      expect(pdf.every((c) => c.offsets.source === 'pages' && c.pages![0] <= c.pages![1])).toBe(true);
      expect(pdf.at(-1)!.pages![1]).toBeGreaterThan(1);
      expect(pdf.map((c) => c.offsets.start)).toEqual([...pdf.map((c) => c.offsets.start)].sort((a, b) => a - b));

      // The same chunks as a result part of one job (`show --chunks`), at the default size.
      const shown = JSON.parse(quarry('show', md[0]!.jobId, '--db', db, '--chunks', '--json').out) as {
        part: string;
        total: number;
        size: number;
        chunks: Array<{ text: string; headingPath: string[] }>;
      };
      expect([shown.part, shown.size, shown.chunks.length]).toEqual(['chunks', 1000, shown.total]);
      expect(shown.chunks.every((c) => c.text.length <= 1000)).toBe(true);
      expect(shown.chunks[0]!.headingPath).toEqual(['Mammoth .docx to HTML converter']);
      const printed = quarry('show', md[0]!.jobId, '--db', db, '--chunks').out;
      expect(printed).toMatch(/^# chunk 1 of \d+ · Mammoth \.docx to HTML converter \(characters 0-\d+\)\n# Mammoth/);
    });

    it('refuses an overlap as large as the chunk, and chunk options without --format chunks', () => {
      const db = path.join(dir, 'jobs.db');
      expect(quarry('export', '--db', db, '--out', path.join(dir, 'x'), '--format', 'chunks', '--chunk-size', '100', '--overlap', '100').code).not.toBe(0);
      const wrong = quarry('export', '--db', db, '--out', path.join(dir, 'y'), '--format', 'jsonl', '--chunk-size', '100');
      expect([wrong.code, wrong.err]).toEqual([expect.any(Number), expect.stringMatching(/--format chunks/)]);
      expect(wrong.code).not.toBe(0);
    });
  },
);
