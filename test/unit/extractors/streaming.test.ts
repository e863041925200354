// Large text and CSV files are streamed: decoded chunk by chunk, the full
// text written to the job's spool folder, a preview kept in the result. Each
// streamed result is compared with the whole-file extraction of the same
// file (no spoolDir: the whole-file path), which must not have changed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FULL_TEXT_FILE, type ExtractionResult } from '../../../shared/extraction';
import { fullTextOf } from '../../helpers/results';
import { run } from '../../../workers/extract';
import { RecordSplitter } from '../../../workers/text/csv-records';
import { PREVIEW_CHARS } from '../../../workers/text/full-text';
import { lineEnding, TextCounter, textStats } from '../../../workers/text/stats';
import { fixtureDir, utf16be, utf16le } from '../../helpers/fixtures';

const fx = fixtureDir('quarry-stream-');
afterAll(() => fx.cleanup());
afterEach(() => {
  delete process.env.QUARRY_STREAM_THRESHOLD;
});

const MiB = 1024 * 1024;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function extract(file: string, opts: { spool?: string; threshold?: number } = {}): Promise<ExtractionResult> {
  if (opts.threshold) process.env.QUARRY_STREAM_THRESHOLD = String(opts.threshold);
  const out = await run({ path: file, options: {}, ...(opts.spool ? { spoolDir: path.join(fx.dir, opts.spool) } : {}) });
  delete process.env.QUARRY_STREAM_THRESHOLD;
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return out.result;
}

/** Splits a string into chunks of pseudo-random sizes (1..max), deterministic. */
function chunks(s: string, max: number, seed = 7): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (seed % max);
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
}

/** ~n bytes of UTF-8 lines with 2-, 3- and 4-byte characters and CRLF endings. */
function multibyteText(bytes: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 997; i++) lines.push(`Zeile ${i}: Grüße aus Köln € ${'😀'.repeat(i % 3)} naïve façade ${'x'.repeat(i % 11)}\r\n`);
  const block = Buffer.from(lines.join(''));
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / block.length) }, () => block));
}

describe('streaming helpers', () => {
  it('TextCounter gives textStats and lineEnding figures whatever the chunking', () => {
    const samples = ['a b\r\nc\rd\n\n e\r', 'x\r\n', '\r\n\r\n', 'Grüße 😀😀 \u3000 wide\u00a0space\r', '', 'no newline at all'];
    for (const s of samples) {
      for (const max of [1, 2, 3, 50]) {
        const c = new TextCounter();
        for (const part of chunks(s, max)) c.add(part);
        expect(c.stats(), JSON.stringify({ s, max })).toEqual(textStats(s));
        expect(c.lineEnding(), JSON.stringify({ s, max })).toBe(lineEnding(s));
      }
    }
  });

  it('RecordSplitter cuts only between records: quoted newlines, "" escapes, stray quotes, CRLF', () => {
    const rows = ['id,comment,n'];
    for (let i = 0; i < 400; i++) {
      const comment = i % 5 === 0 ? `"multi\r\nline ""${i}"", with, commas"` : i % 7 === 0 ? `5" screen ${i}` : i % 11 === 0 ? `"spaced" ` : `plain ${i}`;
      rows.push(`${i},${comment},${i * 2}`);
    }
    const csv = rows.join('\r\n') + '\r\n';
    const whole = Papa.parse<string[]>(csv, { delimiter: ',', newline: '\r\n', skipEmptyLines: true }).data;
    for (const max of [1, 7, 300]) {
      const splitter = new RecordSplitter(',', '\r\n', 64);
      const segments = chunks(csv, max).flatMap((c) => splitter.push(c));
      segments.push(splitter.end());
      expect(segments.join('')).toBe(csv);
      expect(segments.length).toBeGreaterThan(20);
      const parsed = segments.flatMap((s) => Papa.parse<string[]>(s, { delimiter: ',', newline: '\r\n', skipEmptyLines: true }).data);
      expect(parsed).toEqual(whole);
    }
  });
});

describe('large text files', () => {
  it('a 40 MB UTF-8 file (characters cut by chunk boundaries, CRLF) streams to a full-text file; the result keeps a preview', async () => {
    const bytes = multibyteText(40 * MiB);
    // The worker reads 1 MiB chunks: make sure some boundary falls inside a multi-byte character.
    expect(Array.from({ length: 39 }, (_, k) => bytes[(k + 1) * MiB]!).some((b) => (b & 0xc0) === 0x80)).toBe(true);
    const file = fx.write('big.txt', bytes);
    const streamed = await extract(file, { spool: 'job-text' });
    const full = fullTextOf(streamed)!;
    expect(full).toMatchObject({ path: path.join(fx.dir, 'job-text', 'full-text.txt'), bytes: bytes.length, markdownIsText: true });
    expect(sha(readFileSync(full.path))).toBe(sha(bytes));

    const whole = await extract(file);
    expect(fullTextOf(whole)).toBeUndefined();
    expect(streamed.counters).toEqual(whole.counters);
    expect(full).toMatchObject({ chars: whole.counters.chars, lines: whole.counters.lines });
    expect(streamed.metadata).toMatchObject({ encoding: 'UTF-8', lineEnding: 'CRLF' });
    expect(whole.metadata).toMatchObject({ encoding: 'UTF-8', lineEnding: 'CRLF' });
    expect(streamed.detection.encoding).toBe(whole.detection.encoding);
    // The preview: the text's start, cut after a line, bounded; no second copy as Markdown.
    expect(streamed.text.length).toBeLessThanOrEqual(PREVIEW_CHARS + 1);
    expect(streamed.text.length).toBeGreaterThan(PREVIEW_CHARS / 2);
    expect(whole.text.startsWith(streamed.text)).toBe(true);
    expect(streamed.text.endsWith('\r\n')).toBe(true);
    expect(streamed.markdown).toBe('');
    expect(streamed.warnings.join('\n')).toMatch(/stored text is a preview of its first [\d,]+ of [\d,]+ characters\. The full text .* is in .*full-text\.txt/);
  });

  it('UTF-16 LE with a BOM', async () => {
    const text = multibyteText(3 * MiB).toString('utf8');
    const file = fx.write('utf16.txt', utf16le(text));
    const streamed = await extract(file, { spool: 'job-utf16', threshold: MiB });
    const whole = await extract(file);
    const full = fullTextOf(streamed)!;
    expect(readFileSync(full.path, 'utf8')).toBe(whole.text);
    expect(full.bytes).toBe(Buffer.byteLength(whole.text));
    expect(streamed.detection.encoding).toBe('UTF-16LE');
    expect(whole.detection.encoding).toBe('UTF-16LE');
    expect(streamed.counters).toEqual(whole.counters);
  });

  it('UTF-16 BE with an emoji cut in half by the 1 MiB read boundary', async () => {
    // BOM (2 bytes) + 'a' x (2^19 - 2) = 1 MiB - 2 bytes; the emoji's two halves straddle byte 1 MiB.
    const text = 'a'.repeat(2 ** 19 - 2) + '\u{1F600}' + ' tail\n'.repeat(200_000);
    const file = fx.write('utf16be.txt', utf16be(text));
    const streamed = await extract(file, { spool: 'job-utf16be', threshold: MiB });
    const whole = await extract(file);
    expect(streamed.detection.encoding).toBe('UTF-16BE');
    const full = readFileSync(fullTextOf(streamed)!.path, 'utf8');
    expect(full).not.toContain('\uFFFD');
    expect(full).toBe(whole.text);
  });

  it('UTF-8 cut inside its last character: still UTF-8, that one character becomes U+FFFD, and said', async () => {
    const bytes = Buffer.concat([multibyteText(2 * MiB), Buffer.from([0xe2, 0x82])]);
    const file = fx.write('cut.txt', bytes);
    const streamed = await extract(file, { spool: 'job-cut', threshold: MiB });
    const whole = await extract(file);
    expect(streamed.detection.encoding).toBe('UTF-8');
    const full = readFileSync(fullTextOf(streamed)!.path, 'utf8');
    expect(full.endsWith('\r\n\uFFFD')).toBe(true);
    expect(full).toBe(whole.text);
    expect(streamed.warnings.join('\n')).toMatch(/ends in the middle of a character/);
  });

  it('UTF-8 at the start, Latin-1 later: decoded again from the start in the fallback encoding, and said', async () => {
    const bytes = Buffer.concat([Buffer.from('plain ascii line\n'.repeat(20_000)), Buffer.from('Caf\xe9 cr\xe8me\n'.repeat(100_000), 'latin1')]);
    const file = fx.write('mixed.txt', bytes);
    const streamed = await extract(file, { spool: 'job-mixed', threshold: MiB });
    const whole = await extract(file);
    expect(readFileSync(fullTextOf(streamed)!.path, 'utf8')).toBe(whole.text);
    expect(streamed.warnings[0]).toMatch(/starts as UTF-8 but later bytes are not/);
    expect(streamed.counters).toEqual(whole.counters);
  });

  it('a file under the threshold is extracted whole, as before', async () => {
    const file = fx.write('small.txt', 'hello\r\nworld\r\n');
    const r = await extract(file, { spool: 'job-small', threshold: MiB });
    expect(fullTextOf(r)).toBeUndefined();
    expect(r).toMatchObject({ text: 'hello\r\nworld\r\n', markdown: 'hello\r\nworld\r\n', warnings: [] });
  });

  it('a re-run that no longer streams removes the full text an earlier run left in the spool folder (text and CSV)', async () => {
    for (const [name, body] of [
      ['rerun.txt', 'short now\n'],
      ['rerun.csv', 'a,b\n1,2\n'],
    ] as const) {
      const spool = `job-rerun-${name}`;
      const stale = path.join(fx.dir, spool, FULL_TEXT_FILE);
      mkdirSync(path.dirname(stale), { recursive: true });
      writeFileSync(stale, 'the full text of an earlier, larger version of the file');
      const r = await extract(fx.write(name, body), { spool, threshold: MiB });
      expect(fullTextOf(r)).toBeUndefined();
      expect(existsSync(stale)).toBe(false);
    }
  });

  it('a file with no earlier full text leaves its spool folder alone (none is made)', async () => {
    await extract(fx.write('fresh.txt', 'fresh\n'), { spool: 'job-fresh', threshold: MiB });
    expect(existsSync(path.join(fx.dir, 'job-fresh'))).toBe(false);
  });
});

describe('large CSV files', () => {
  /** CRLF rows, quoted fields with newlines and quotes, multi-byte text, some ragged rows. */
  function bigCsv(rowCount: number): string {
    const rows = ['id,name,comment,amount'];
    for (let i = 1; i <= rowCount; i++) {
      const comment = i % 3 === 0 ? `"Zeile eins\r\nzwei, ""drei"" € ${i}"` : `Grüße ${i}`;
      rows.push(i % 9_973 === 0 ? `${i},ragged` : `${i},name-${i},${comment},${(i * 1.5).toFixed(2)}`);
    }
    return rows.join('\r\n') + '\r\n';
  }

  it('mixed CR and CRLF line breaks: the same line numbers in warnings as the whole-file parse', async () => {
    // Old Mac (CR) rows with some CRLF ones: parsed with CR as the line break,
    // so a CRLF can be cut between two segments.
    let csv = 'id,name,amount';
    for (let i = 1; i <= 150_000; i++) csv += (i % 5 < 3 ? '\r' : '\r\n') + (i % 20_000 === 0 ? `${i},ragged` : `${i},name-${i},${i}.5`);
    csv += '\r';
    const file = fx.write('mixed-breaks.csv', csv);
    const streamed = await extract(file, { spool: 'job-mixed-breaks', threshold: MiB });
    const whole = await extract(file);
    const lines = (r: ExtractionResult) => r.warnings.filter((w) => /^Line \d+/.test(w));
    expect(lines(whole)).toHaveLength(7);
    expect(lines(streamed)).toEqual(lines(whole));
  });

  it('every row parsed and counted, a 1,000-row table preview, the same warnings (line numbers) as the whole-file parse', async () => {
    const csv = bigCsv(120_000);
    const file = fx.write('big.csv', csv);
    const streamed = await extract(file, { spool: 'job-csv', threshold: MiB });
    const whole = await extract(file);
    const full = fullTextOf(streamed)!;
    expect(sha(readFileSync(full.path))).toBe(sha(csv));
    expect(full.markdownIsText).toBe(false);
    expect(streamed.counters).toEqual(whole.counters);
    expect(streamed.counters.rows).toBe(120_001);
    const { fullText: _, ...metadata } = streamed.metadata;
    expect(metadata).toEqual(whole.metadata);
    expect(streamed.tables[0]!.rows).toEqual(whole.tables[0]!.rows.slice(0, 1000));
    const ragged = whole.warnings.filter((w) => /^Line \d+: expected 4 fields/.test(w));
    expect(ragged.length).toBe(12);
    expect(streamed.warnings.slice(0, whole.warnings.length)).toEqual(whole.warnings);
    expect(streamed.warnings.slice(whole.warnings.length).join('\n')).toMatch(
      /table is a preview: its first 1,000 of 120,001 rows[\s\S]*stored text is a preview/,
    );
    expect(streamed.markdown.split('\n')).toHaveLength(1001);
    expect(whole.text.startsWith(streamed.text)).toBe(true);
  });
});
