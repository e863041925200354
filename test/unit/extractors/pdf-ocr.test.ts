/**
 * Scanned PDF pages: OCR of pages without a text layer, on PDFs written here
 * whose pages are only an image of text (8-bit Flate, 1-bit, sideways), next
 * to a page with a real text layer that must never be OCR'd; OCR off; the
 * page limit and time budget; damaged and hostile image streams.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../workers/extract';
import { textLayerState } from '../../../workers/extractors/pdf/page-ocr';
import { encodePgm } from '../../../workers/ocr/bitmap';
import { stopOcr } from '../../../workers/ocr/engine';
import { fixtureDir } from '../../helpers/fixtures';
import { makeScanPdf, renderText, rotateClockwise, type ScanPage } from '../../helpers/scan-fixtures';
import { skipWhen } from '../../helpers/skip';
import { extractOk } from './helpers';

/** ImageMagick with its JPEG 2000 writer, to make a JPX scan (Debian's imagemagick package). */
const canWriteJp2 = (() => {
  try {
    return /JP2\*?\s+JP2\s+rw/.test(execFileSync('convert', ['-list', 'format'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

const fx = fixtureDir('quarry-pdf-ocr-');
afterAll(async () => {
  await stopOcr();
  fx.cleanup();
});

/** Words the 5×7 test font reads back reliably. */
const scan = (n: number) => renderText([`PAGE ${n} OF THE TEST`, 'WORDS MAKE LIFE BETTER'], 4);
const scanPage = (n: number, extra: Partial<ScanPage> = {}): ScanPage => ({ image: scan(n), dpi: 150, ...extra });

describe('scanned PDF pages (OCR)', () => {
  it('a page that is only an image is read by OCR: its text, its confidence, a note that it came from OCR', async () => {
    const r = await extractOk(fx.write('scan.pdf', makeScanPdf([scanPage(1)])));
    expect(r.text).toContain('PAGE 1 OF THE TEST');
    expect(r.text).toContain('WORDS MAKE LIFE BETTER');
    const page = r.pages![0]!;
    expect(page.ocr).toMatchObject({ engine: 'tesseract.js', language: 'eng' });
    expect(page.ocr!.confidence).toBeGreaterThanOrEqual(50);
    expect(r.metadata).toMatchObject({ ocrPages: 1, ocr: { pages: [1], images: [{ page: 1, width: scan(1).width, height: scan(1).height, dpi: 150 }] } });
    expect(r.counters.ocrPages).toBe(1);
    expect(r.markdown).toContain(`## Page 1 (OCR, ${page.ocr!.confidence}% confidence)`);
    expect(r.warnings).toEqual([]);
  }, 120_000);

  it("a page with real text is never OCR'd, even over a full-page image; 1-bit and sideways scans are read upright", async () => {
    const pdf = makeScanPdf([
      scanPage(1, { text: 'Typed text on top of a picture' }),
      scanPage(2, { bits: 1 }),
      { image: rotateClockwise(scan(4)), dpi: 150, sideways: true },
    ]);
    const r = await extractOk(fx.write('mixed.pdf', pdf));
    expect(r.pages!.map((p) => Boolean(p.ocr))).toEqual([false, true, true]);
    expect(r.pages![0]!.text).toBe('Typed text on top of a picture');
    expect(r.pages![1]!.text).toContain('PAGE 2 OF THE TEST');
    expect(r.pages![2]!.text).toContain('PAGE 4 OF THE TEST');
    expect(r.metadata).toMatchObject({ ocrPages: 2, ocr: { pages: [2, 3] } });
  }, 120_000);

  it('which text layers are no use: none, or mostly glyphs without Unicode (a broken OCR layer, an unmapped font)', () => {
    expect(textLayerState('', 0)).toBe('empty');
    expect(textLayerState(' \n-- . ', 0)).toBe('empty');
    expect(textLayerState('Real text on the page', 0)).toBe('usable');
    // TAMReview.pdf's pages: letters survive among thousands of dropped control characters.
    expect(textLayerState('ab cd', 40)).toBe('garbage');
    expect(textLayerState('\uFFFD\uFFFD\uE001\uE002 x', 0)).toBe('garbage');
    // A few unmapped glyphs in a page of text are not garbage.
    expect(textLayerState('A page of real text with a formula', 3)).toBe('usable');
  });

  it('ocr: false leaves scanned pages empty and says so', async () => {
    const r = await extractOk(fx.write('off.pdf', makeScanPdf([scanPage(1), scanPage(2)])), { ocr: false });
    expect(r.text).toBe('');
    expect(r.pages!.every((p) => !p.ocr)).toBe(true);
    expect(r.metadata.ocrPages).toBe(0);
    expect(r.warnings).toEqual(['PDF has no text layer on any of its 2 pages (scanned?); OCR is off for this job (--ocr off)']);
  });

  it('the page limit stops OCR and names the pages left without text; progress is reported per page', async () => {
    const events: Array<[number, number]> = [];
    const out = await run({ path: fx.write('long.pdf', makeScanPdf([scanPage(1), scanPage(2), scanPage(4)])), options: { ocrMaxPages: 1 } }, (p, t) =>
      events.push([p, t]),
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const r = out.result;
    expect(r.pages!.map((p) => Boolean(p.ocr))).toEqual([true, false, false]);
    expect(r.text).toContain('PAGE 1 OF THE TEST');
    expect(r.metadata).toMatchObject({ ocrPages: 1, ocr: { stoppedBy: 'the limit of 1 OCR page per file (--ocr-max-pages)' } });
    expect(r.warnings).toEqual(["OCR stopped at the limit of 1 OCR page per file (--ocr-max-pages): pages 2-3 without a text layer were not OCR'd"]);
    expect(events.slice(0, 3)).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  }, 120_000);

  it('the time budget stops OCR with a warning, not a failure', async () => {
    const r = await extractOk(fx.write('budget.pdf', makeScanPdf([scanPage(1), scanPage(2)])), { ocrBudgetMs: 1 });
    expect(r.text).toBe('');
    expect(r.warnings).toEqual([
      'PDF has no text layer on page 1, and OCR failed (see the other warnings)',
      "OCR stopped at the OCR time budget of 1 ms per file (--ocr-budget): page 2 without a text layer was not OCR'd",
      expect.stringMatching(/^OCR: page 1: OCR failed: (OCR (of the page )?|decoding the page's images )took longer than 1 ms$/),
    ]);
  }, 120_000);

  it(
    "a JPEG 2000 (JPX) scan is decoded by pdf.js's OpenJPEG, from the installed package",
    { ...skipWhen(!canWriteJp2, 'JPX scan: ImageMagick with JPEG 2000 support (`convert`) is not installed here'), timeout: 120_000 },
    async () => {
      const image = scan(7);
      const pgm = fx.write('page.pgm', encodePgm(image));
      execFileSync('convert', [pgm, `${pgm}.jp2`]);
      const pdf = makeScanPdf([scanPage(7, { stream: readFileSync(`${pgm}.jp2`) })]);
      const jpx = Buffer.from(pdf.toString('latin1').replace('/Filter /FlateDecode', '/Filter /JPXDecode'), 'latin1');
      const r = await extractOk(fx.write('jpx.pdf', jpx));
      expect(r.text).toContain('PAGE 7 OF THE TEST');
      expect(r.warnings).toEqual([]);
    },
  );

  it('a damaged or hostile image stream is a warning, never a crash', async () => {
    const image = scan(1);
    const truncated = makeScanPdf([scanPage(1, { stream: Buffer.from('x\u009c\u00ed\u00c1\u0001\u0001\u0000\u0000', 'latin1') }), scanPage(2)]);
    const r = await extractOk(fx.write('truncated.pdf', truncated));
    // The damaged page gives no text (and says why); the next one is read all the same.
    expect(r.pages![0]!.text).toBe('');
    expect(r.pages![1]!.text).toContain('PAGE 2 OF THE TEST');
    expect(r.warnings).toEqual([
      'PDF has no text layer on page 1, and OCR failed (see the other warnings)',
      'OCR: page 1: an image could not be decoded (damaged image data?)',
    ]);
    expect(r.metadata).toMatchObject({ ocrPages: 1, ocr: { pages: [2] } });
    // A header declaring 60,000 × 60,000 pixels over a few bytes: pdf.js does not allocate it.
    const huge = makeScanPdf([{ image: { width: 60_000, height: 60_000, data: image.data }, stream: Buffer.from([0x78, 0x9c, 3, 0]) }]);
    const h = await extractOk(fx.write('huge.pdf', huge));
    expect(h.text).toBe('');
    expect(h.warnings).toEqual(['PDF has no text layer on page 1, and no image there to OCR (blank, or text drawn as shapes?)']);
  }, 120_000);
});
