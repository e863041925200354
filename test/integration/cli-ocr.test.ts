// `quarry extract` and OCR, end to end: the built binary on a scanned PDF
// written here (a page that is only an image of text), with OCR on (the
// default), off, and limited to no page at all.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeScanPdf, renderText } from '../helpers/scan-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.cjs');
const dir = tempDir('quarry-cli-ocr-');
const scan = path.join(dir, 'scan.pdf');

function extract(out: string, ...flags: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'extract', scan, '--out', path.join(dir, out), ...flags], {
    encoding: 'utf8',
    env: { ...process.env, QUARRY_HOME: path.join(dir, 'home') },
  });
  expect(r.status, r.stderr).toBe(0);
  const [record] = readFileSync(path.join(dir, out, 'quarry-results.jsonl'), 'utf8')
    .trim()
    .split('\n');
  return JSON.parse(record!) as Record<string, unknown>;
}

beforeAll(() => {
  const page = (n: number) => ({ image: renderText([`PAGE ${n} OF THE TEST`, 'WORDS MAKE LIFE BETTER'], 4), dpi: 150 });
  writeFileSync(scan, makeScanPdf([page(1), page(2)]));
});

describe('quarry extract --ocr', () => {
  it('reads scanned pages by default; --ocr off and --ocr-max-pages leave pages without text, saying why', () => {
    const on = extract('on');
    expect(on.text).toContain('PAGE 1 OF THE TEST');
    expect(on.text).toContain('PAGE 2 OF THE TEST');
    expect((on.pages as Array<{ ocr?: unknown }>).map((p) => Boolean(p.ocr))).toEqual([true, true]);

    const off = extract('off', '--ocr', 'off');
    expect(off.text).toBe('');
    expect(off.warnings).toEqual(['PDF has no text layer on any of its 2 pages (scanned?); OCR is off for this job (--ocr off)']);

    expect(extract('no-ocr', '--no-ocr').warnings).toEqual(off.warnings);

    const limited = extract('limited', '--ocr-max-pages', '1');
    expect(limited.text).toContain('PAGE 1 OF THE TEST');
    expect(limited.text).not.toContain('PAGE 2');
    expect(limited.warnings).toEqual(["OCR stopped at the limit of 1 OCR page per file (--ocr-max-pages): page 2 without a text layer was not OCR'd"]);
  }, 120_000);
});
