/**
 * Case 15: how far Quarry's PDF text agrees with poppler's `pdftotext` (the
 * usual reference), per corpus PDF, OCR off: word-bag F1 (the same words, as
 * many times, in any order) and sequence similarity (1 − the word-level
 * edit distance over the longer text's word count: the same words in the
 * same order). Bars (issue 15): F1 ≥ 0.98 and similarity ≥ 0.90 on every
 * text PDF; scanned PDFs (no text layer) are left out. Says so and measures
 * nothing when pdftotext is not installed (`apt-get install poppler-utils`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { emit, ROOT, say, tmp, type Opts } from './lib.js';

const CLI = path.join(ROOT, 'dist', 'cli.cjs');

/** Quarry's text of one file, as a person gets it: `quarry extract --ocr off`, read back from its JSON Lines export. */
function quarryText(file: string): { ok: true; text: string } | { ok: false; error: string } {
  const dir = mkdtempSync(path.join(tmp(), 'pdf-'));
  const r = spawnSync(process.execPath, [CLI, 'extract', file, '--db', path.join(dir, 'jobs.db'), '--out', dir, '--ocr', 'off'], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, error: (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}` };
  const rec = JSON.parse(readFileSync(path.join(dir, 'quarry-results.jsonl'), 'utf8').split('\n')[0]!) as { text: string };
  return { ok: true, text: rec.text };
}

const words = (s: string) => s.normalize('NFKC').toLowerCase().split(/\s+/).filter(Boolean);

/** Word-bag F1 of `got` against `want`. */
export function bagF1(got: string[], want: string[]): number {
  if (!got.length && !want.length) return 1;
  const counts = new Map<string, number>();
  for (const w of want) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of got) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      common++;
      counts.set(w, n - 1);
    }
  }
  const p = got.length ? common / got.length : 0;
  const r = want.length ? common / want.length : 0;
  return p + r ? (2 * p * r) / (p + r) : 0;
}

/** 1 − word-level Levenshtein distance / the longer length (two rows of the table, ids for words). */
export function sequenceSimilarity(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  if (!n) return 1;
  const ids = new Map<string, number>();
  const id = (w: string) => ids.get(w) ?? (ids.set(w, ids.size), ids.size - 1);
  const x = Int32Array.from(a, id);
  const y = Int32Array.from(b, id);
  let prev = Int32Array.from({ length: y.length + 1 }, (_, j) => j);
  let cur = new Int32Array(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (xi === y[j - 1] ? 0 : 1));
    [prev, cur] = [cur, prev];
  }
  return 1 - prev[y.length]! / n;
}

export async function pdfAgreement(o: Opts): Promise<void> {
  const skip = (why: string) =>
    emit({ key: 'pdf.agreement', label: 'PDF text: Quarry against pdftotext', unit: 'files', better: 'higher', samples: [], skipped: why });
  if (!o.corpus) return skip('no corpus');
  if (spawnSync('pdftotext', ['-v']).error) return skip('pdftotext is not installed (apt-get install poppler-utils)');
  const dir = path.join(o.corpus as string, 'pdf');
  const files: Array<{ file: string; words: number; f1: number; similarity: number }> = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.pdf'))
    .sort()) {
    const file = path.join(dir, name);
    const ref = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const want = words(ref.stdout ?? '');
    if (want.length < 20) {
      say(`${name}: left out (pdftotext reads ${want.length} words: a scan or an empty page)`);
      continue;
    }
    const out = quarryText(file);
    const got = out.ok ? words(out.text) : [];
    const row = { file: name, words: want.length, f1: bagF1(got, want), similarity: sequenceSimilarity(got, want) };
    files.push(row);
    say(`${name}: ${row.words} words, F1 ${row.f1.toFixed(3)}, sequence similarity ${row.similarity.toFixed(3)}${out.ok ? '' : ` (failed: ${out.error})`}`);
  }
  emit({
    key: 'pdf.agreement',
    label: 'PDF text: Quarry against pdftotext',
    unit: 'files',
    better: 'higher',
    samples: [files.filter((f) => f.f1 >= 0.98 && f.similarity >= 0.9).length],
    info: { total: files.length, files },
  });
}
