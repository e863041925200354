/**
 * Real-world corpus check for the formats handled so far (csv/, text/,
 * html/, pdf/ and the PDFs in bad/): every fact in MANIFEST.tsv's
 * expected_facts column for those files is checked against the BUILT worker
 * bundle running in a real piscina pool, as the app runs it.
 *
 * Facts are free text; each clause (split on "; ") must be matched by a rule
 * below that checks it, or by an explicit note saying why it is not checked
 * (deferred to a later issue, or not a property of our output). A clause
 * nobody recognises fails the test, so new manifest facts cannot slip by.
 *
 * The corpus lives outside the repo (../shared/corpus); without it the
 * suite is skipped with a warning.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Piscina from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryOf, ERROR_CODES, extractionResultSchema, type ErrorCode, type ExtractionResult, type Format, type WorkerOutcome } from '../../shared/extraction';
import { detectFile } from '../../workers/detect';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus');
const manifestPath = path.join(corpusDir, 'MANIFEST.tsv');
const hasCorpus = existsSync(manifestPath);
if (!hasCorpus) {
  console.warn(`[corpus] SKIPPED: ${manifestPath} not found. The real-world corpus lives next to the repo (../shared/corpus); without it only the generated-fixture tests run.`);
}

/** Per-file budget: a corrupt file must fail cleanly well within this, never hang. */
const FILE_TIMEOUT_MS = 30_000;

interface Row {
  path: string;
  sha256: string;
  bytes: number;
  facts: string;
}

function readManifest(): Row[] {
  const [head, ...lines] = readFileSync(manifestPath, 'utf8').split('\n').filter(Boolean);
  const cols = head!.split('\t');
  const idx = (name: string) => cols.indexOf(name);
  return lines.map((l) => {
    const f = l.split('\t');
    return { path: f[idx('path')]!, sha256: f[idx('sha256')]!, bytes: Number(f[idx('bytes')]), facts: f[idx('expected_facts')]! };
  });
}

/** The files of this issue: csv/, text/, html/, pdf/, and bad/*.pdf. */
const inScope = (p: string) => /^(csv|text|html|pdf)\//.test(p) || /^bad\/.*\.pdf$/.test(p);

// --- Fact rules ---------------------------------------------------------

interface Ctx {
  row: Row;
  outcome: WorkerOutcome;
  ms: number;
}
/** true = pass; a string = why it failed. */
type Verdict = true | string;
interface Rule {
  re: RegExp;
  /** Only for files under these folders (facts like 'starts "..."' mean different things per folder). */
  dirs?: string[];
  check?: (r: ExtractionResult, m: RegExpExecArray, ctx: Ctx) => Verdict;
  /** For bad/ files: a check that also accepts a clean typed failure. */
  checkOutcome?: (ctx: Ctx, m: RegExpExecArray) => Verdict;
  /** Not checked, and why. */
  note?: string;
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const eq = (actual: unknown, expected: unknown, what: string): Verdict =>
  JSON.stringify(actual) === JSON.stringify(expected) ? true : `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
const quoted = (s: string) => [...s.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
const table0 = (r: ExtractionResult) => r.tables[0]?.rows ?? [];
const containsAll = (r: ExtractionResult, phrases: string[]): Verdict => {
  const text = norm(r.text);
  const missing = phrases.filter((p) => !text.includes(norm(p)));
  return missing.length ? `text lacks ${JSON.stringify(missing)}` : true;
};
const cleanFailure = (o: WorkerOutcome): boolean =>
  !o.ok && o.error.code in ERROR_CODES && o.error.code !== 'internal' && categoryOf(o.error.code as ErrorCode) === 'permanent' && o.error.message.length > 0;

const RULES: Rule[] = [
  // --- PDF ---
  { re: /^pages=(\d+)$/, check: (r, m) => eq([r.counters.pages, r.pages?.length], [Number(m[1]), Number(m[1])], 'page count') },
  { re: /^Title="(.+)"$/, check: (r, m) => eq(r.metadata.title, m[1], 'Title') },
  { re: /^Producer=(.+)$/, check: (r, m) => eq(r.metadata.producer, m[1], 'Producer') },
  { re: /^Form=AcroForm$/, check: (r) => eq(r.metadata.hasAcroForm, true, 'hasAcroForm') },
  // Phrases are compared with whitespace normalised: poppler (the reference) and pdf.js wrap lines differently.
  { re: /^text contains (.+)$/, check: (r, m) => containsAll(r, quoted(m[1]!)) },
  { re: /^visible text only "([^"]+)" and "([^"]+)"$/, check: (r, m) => eq(norm(r.text).split(' '), [m[1], m[2]], 'visible words') },
  {
    re: /^(\d+) embedded file "([^"]+)" \((\d+) bytes\)$/,
    check: (r, m) => eq(r.metadata.attachments, [{ name: m[2], bytes: Number(m[3]) }], 'attachments'),
  },
  {
    re: /^(no extractable text \(0 words\)|0 words)$/,
    check: (r) => (r.counters.words === 0 && r.text === '' ? (r.warnings.some((w) => /no text layer/.test(w)) ? true : 'no warning explains the empty text') : `words=${r.counters.words}`),
  },
  {
    re: /^line numbers (\d+)\.\.(\d+) in margin$/,
    check: (r, m) => {
      const lines = new Set(r.text.split('\n').map((l) => l.trim()));
      const missing: number[] = [];
      for (let n = Number(m[1]); n <= Number(m[2]); n++) if (!lines.has(String(n))) missing.push(n);
      return missing.length ? `margin numbers missing: ${missing.join(',')}` : true;
    },
  },
  {
    re: /^Arabic text \((\d+) repetitions of one line, (\d+) words\)$/,
    check: (r, m) => {
      const lines = r.text.split('\n').filter((l) => l.trim());
      if (!/[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]/.test(r.text)) return 'no Arabic characters';
      if (lines.length !== Number(m[1]) || new Set(lines).size !== 1) return `expected ${m[1]} identical lines, got ${JSON.stringify(lines)}`;
      return eq(r.counters.words, Number(m[2]), 'words');
    },
  },
  {
    re: /^RTL order differs between extractors$/,
    note: 'not a property to reproduce: word order of right-to-left text is extractor-specific; the Arabic line and word count are checked instead',
  },
  {
    re: /lack ToUnicode \(control chars such as U\+0002 appear in extracted text\)/,
    // We drop unmapped control characters (poppler keeps them) and say so in a warning.
    check: (r) => (r.warnings.some((w) => /ToUnicode/.test(w)) && !/[\u0000-\u0008]/.test(r.text) ? true : 'expected a ToUnicode warning and no control characters'),
  },
  { re: /^one large ruled table/, note: 'deferred to the extraction-breadth issue: PDF table detection (text is checked via the phrases)' },
  // --- bad/ PDFs: a clean typed failure or the recoverable result ---
  { re: /^encrypted AES-256 with empty user password \(opens\)$/, check: (r) => eq(r.metadata.encrypted, true, 'encrypted') },
  { re: /^copy:no$/, check: (r) => eq((r.metadata.permissions as { copy?: boolean } | undefined)?.copy, false, 'permissions.copy') },
  {
    re: /^(broken xref|missing xref keyword), recoverable$/,
    checkOutcome: ({ outcome }) => (outcome.ok || cleanFailure(outcome) ? true : `unclean failure: ${JSON.stringify(outcome)}`),
  },
  {
    re: /^text "([^"]+)"$/,
    checkOutcome: ({ outcome }, m) => (outcome.ok ? containsAll(outcome.result, [m[1]!]) : cleanFailure(outcome) ? true : 'unclean failure'),
  },
  {
    re: /^expect a clean failure \(or repaired partial result\), never a hang$/,
    checkOutcome: ({ outcome, ms }) =>
      ms > FILE_TIMEOUT_MS ? `took ${ms} ms` : outcome.ok || cleanFailure(outcome) ? true : `unclean failure: ${JSON.stringify(outcome)}`,
  },
  { re: /^DERIVED: /, note: 'provenance of a derived file, not a fact about its content' },
  { re: /^poppler: /, note: "another tool's message; our own clean failure is checked instead" },
  // --- CSV / TSV ---
  { re: /(\d+) records incl\. header/, check: (r, m) => eq(table0(r).length, Number(m[1]), 'records') },
  { re: /records incl\. header \(([^)]+)\)/, check: (r, m) => eq(table0(r)[0], m[1]!.split(','), 'header') },
  { re: /(?:^|, )(\d+) columns$/, check: (r, m) => eq(r.counters.columns, Number(m[1]), 'columns') },
  { re: /^tab-separated/, check: (r) => eq([r.format, r.metadata.delimiter], ['tsv', 'tab'], 'format/delimiter') },
  {
    re: /^unbalanced quote near line (\d+)$/,
    check: (r, m) => {
      const near = r.warnings.find((w) => /quote/i.test(w) && Math.abs(Number(/^Line (\d+)/.exec(w)?.[1] ?? -99) - Number(m[1])) <= 1);
      return near ? true : `no quote warning near line ${m[1]}: ${JSON.stringify(r.warnings)}`;
    },
  },
  { re: /^header starts (.+)$/, check: (r, m) => eq(table0(r)[0]?.slice(0, quoted(m[1]!).length), quoted(m[1]!), 'header start') },
  { re: /^header ([^\s",]+(?:,[^\s",]+)+)$/, check: (r, m) => eq(table0(r)[0], m[1]!.split(','), 'header') },
  {
    re: /^embedded newlines and doubled quotes$/,
    check: (r) => (table0(r).flat().some((c) => c.includes('\n') && c.includes('"')) ? true : 'no cell with a newline and a quote'),
  },
  { re: /^UTF-8 BOM$/, check: (r) => eq([r.detection.encoding, table0(r)[0]?.[0]?.charCodeAt(0) === 0xfeff], ['UTF-8', false], 'encoding/BOM stripped') },
  {
    re: /^(\d+) data rows?( incl\. non-ASCII)?$/,
    check: (r, m) => {
      const data = table0(r).slice(1);
      if (data.length !== Number(m[1])) return `data rows: expected ${m[1]}, got ${data.length}`;
      return m[2] && !data.flat().some((c) => /[^\x00-\x7f]/.test(c)) ? 'no non-ASCII cell' : true;
    },
  },
  // --- HTML ---
  { re: /^<title>="(.+)"$/, check: (r, m) => eq(r.metadata.title, m[1], '<title>') },
  { re: /^<title> starts "(.+)"$/, check: (r, m) => (String(r.metadata.title ?? '').startsWith(m[1]!) ? true : `title ${JSON.stringify(r.metadata.title)}`) },
  { re: /^(\d+) <table>/, check: (r, m) => eq(r.metadata.tableElements, Number(m[1]), '<table> elements') },
  { re: /^Japanese page$/, check: (r) => (/[\u3040-\u30ff\u4e00-\u9fff]/.test(r.text) ? true : 'no Japanese text') },
  // --- text/ ---
  { re: /^JSON array with (\d+) object$/, check: (r, m) => eq([r.format, r.metadata.topLevelType, r.metadata.length, r.metadata.elementTypes], ['json', 'array', Number(m[1]), ['object']], 'JSON shape') },
  { re: /(?:^|, )(\d+) lines\b/, dirs: ['text'], check: (r, m) => eq(r.counters.lines, Number(m[1]), 'lines') },
  { re: /starts "(.+)"$/, dirs: ['text'], check: (r, m) => (r.text.split('\n')[0] === m[1] ? true : `first line ${JSON.stringify(r.text.split('\n')[0])}`) },
  { re: /UTF-8 multilingual/, check: (r) => eq([r.detection.encoding, /[äöüéèàçßñãõ]/.test(r.text)], ['UTF-8', true], 'UTF-8 accents') },
  { re: /^Markdown, /, check: (r) => eq(r.format, 'markdown', 'format') },
  { re: /^well-formed XML, root element (\S+)$/, check: (r, m) => eq([r.format, r.metadata.rootElement], ['xml', m[1]], 'XML root') },
];

// --- Run ------------------------------------------------------------------

interface Tally {
  passed: number;
  failed: number;
  noted: number;
}
const tallies = new Map<string, Tally>();
const timings: Array<{ file: string; ms: number; status: string }> = [];
const failures: string[] = [];

function groupOf(p: string): string {
  return `${p.split('/')[0]}/*${path.extname(p)}`;
}

describe.skipIf(!hasCorpus)('real-world corpus (csv, text, html, pdf, bad PDFs)', () => {
  const rows = hasCorpus ? readManifest().filter((r) => inScope(r.path)) : [];
  let pool: Piscina;

  beforeAll(() => {
    pool = new Piscina({ filename: path.resolve(repoRoot, 'dist/workers/extract.cjs'), maxThreads: 2 });
  });

  afterAll(async () => {
    await pool?.destroy();
    const lines = ['', 'Corpus facts (format × facts):', 'group            passed  failed  noted'];
    for (const [g, t] of [...tallies].sort()) lines.push(`${g.padEnd(16)} ${String(t.passed).padStart(6)}  ${String(t.failed).padStart(6)}  ${String(t.noted).padStart(5)}`);
    const total = [...tallies.values()].reduce((a, t) => ({ passed: a.passed + t.passed, failed: a.failed + t.failed, noted: a.noted + t.noted }), { passed: 0, failed: 0, noted: 0 });
    lines.push(`${'total'.padEnd(16)} ${String(total.passed).padStart(6)}  ${String(total.failed).padStart(6)}  ${String(total.noted).padStart(5)}`);
    lines.push('', 'Extraction time per file (pool, 2 threads):');
    for (const t of timings) lines.push(`  ${t.file.padEnd(44)} ${String(t.ms).padStart(6)} ms  ${t.status}`);
    if (failures.length) lines.push('', 'Failed facts:', ...failures.map((f) => `  ${f}`));
    console.log(lines.join('\n'));
  });

  it('has files in scope', () => {
    expect(rows.length).toBeGreaterThan(20);
  });

  // Detection covers every format, not only those with an extractor yet.
  it('detects the format of every corpus file (all folders)', async () => {
    const byFolder: Record<string, Format> = {
      pdf: 'pdf', dxf: 'dxf', ifc: 'ifc', step: 'step', docx: 'docx', xlsx: 'xlsx', ods: 'ods', pptx: 'pptx',
      image: 'image', ocr: 'image', html: 'html', zip: 'zip',
    };
    const byExt: Record<string, Format> = {
      '.csv': 'csv', '.tsv': 'tsv', '.json': 'json', '.txt': 'text', '.md': 'markdown', '.xml': 'xml', '.eml': 'eml', '.msg': 'msg',
      '.pdf': 'pdf', '.ifc': 'ifc', '.dxf': 'dxf', '.jpg': 'image', '.docx': 'docx', '.xlsx': 'xlsx', '.zip': 'zip',
    };
    const wrong: string[] = [];
    for (const row of readManifest()) {
      const folder = row.path.split('/')[0]!;
      // The manifest says this one is OpenCASCADE BREP text, not STEP.
      const expected: Format = row.path.endsWith('.brep') ? 'text' : (byFolder[folder] ?? byExt[path.extname(row.path)] ?? 'unknown');
      const d = await detectFile(path.join(corpusDir, row.path));
      if (d.format !== expected) wrong.push(`${row.path}: ${d.format} (${d.method}), expected ${expected}`);
    }
    expect(wrong).toEqual([]);
  });

  for (const row of rows) {
    it(row.path, async () => {
      const file = path.join(corpusDir, row.path);
      const bytes = readFileSync(file);
      // Never test against a file that is not the one the facts were established on.
      expect(createHash('sha256').update(bytes).digest('hex'), `sha256 of ${row.path}`).toBe(row.sha256);

      const t0 = performance.now();
      const outcome = (await pool.run({ path: file, options: {} }, { signal: AbortSignal.timeout(FILE_TIMEOUT_MS) })) as WorkerOutcome;
      const ms = Math.round(performance.now() - t0);
      timings.push({ file: row.path, ms, status: outcome.ok ? `ok (${outcome.result.format})` : `error ${outcome.error.code}: ${outcome.error.message}` });
      if (outcome.ok) expect(extractionResultSchema.safeParse(outcome.result).success).toBe(true);

      const tally = tallies.get(groupOf(row.path)) ?? { passed: 0, failed: 0, noted: 0 };
      tallies.set(groupOf(row.path), tally);
      const folder = row.path.split('/')[0]!;
      const ctx: Ctx = { row, outcome, ms };
      const problems: string[] = [];
      for (const clause of row.facts.split(/;\s*/).map((c) => c.trim()).filter(Boolean)) {
        const matching = RULES.map((rule) => ({ rule, m: rule.re.exec(clause) })).filter(
          (x): x is { rule: Rule; m: RegExpExecArray } => x.m !== null && (!x.rule.dirs || x.rule.dirs.includes(folder)),
        );
        if (!matching.length) {
          problems.push(`unrecognised fact "${clause}" (add a rule or a note)`);
          tally.failed++;
          continue;
        }
        for (const { rule, m } of matching) {
          let verdict: Verdict;
          if (rule.note) {
            tally.noted++;
            continue;
          } else if (rule.checkOutcome) verdict = rule.checkOutcome(ctx, m);
          else if (!outcome.ok) verdict = `extraction failed: ${outcome.error.code}: ${outcome.error.message}`;
          else verdict = rule.check!(outcome.result, m, ctx);
          if (verdict === true) tally.passed++;
          else {
            tally.failed++;
            problems.push(`"${clause}": ${verdict}`);
          }
        }
      }
      failures.push(...problems.map((p) => `${row.path}: ${p}`));
      expect(problems, row.path).toEqual([]);
    });
  }
});
