/**
 * OCR of PDF pages that have no usable text layer (scans): the page's
 * images (page-images.ts) go to the OCR engine, offline, with the
 * resolution they have on the page. A page with real text is never OCR'd.
 *
 * A 500-page scan must not run for an hour without saying so: OCR stops
 * after `ocrMaxPages` pages or `ocrBudgetMs` of OCR time, whichever comes
 * first, and the result says which pages were left without text.
 */
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { encodePgm } from '../../ocr/bitmap';
import { OcrError, recognize } from '../../ocr/engine';
import type { ExtractOptions } from '../types';
import { scannedImages } from './page-images';
import type { PdfJs } from './pdfjs';

export const DEFAULT_OCR_MAX_PAGES = 100;
/** Under the default job time limit (10 min), with room for the rest of the file. */
export const DEFAULT_OCR_BUDGET_MS = 5 * 60_000;
/** Below this mean confidence the page's "text" is noise read from a picture (same bar as for images). */
export const MIN_OCR_CONFIDENCE = 50;
/** An image with more pixels is not OCR'd (the engine's memory grows with them); pdf.js does not even decode it. */
export const MAX_IMAGE_PIXELS = 50_000_000;

/**
 * Whether a page's text layer is worth keeping: not when it has no letter
 * or digit at all, nor when most of its glyphs had no Unicode mapping (an
 * OCR layer or a font the PDF left unmapped: what remains is garbage).
 */
export function textLayerState(text: string, unmappedGlyphs: number): 'usable' | TextLayer {
  const alnum = text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
  if (alnum === 0) return 'empty';
  const odd = text.match(/[\uFFFD\uE000-\uF8FF]/gu)?.length ?? 0;
  return alnum > 2 * (unmappedGlyphs + odd) ? 'usable' : 'garbage';
}

/**
 * A page's text layer that is no use: none at all, or garbage. A garbage
 * layer over a scan is an OCR layer gone wrong, and the scan is read again;
 * garbage from fonts without a Unicode mapping, on a page of text with a
 * figure, is not replaced by what OCR makes of the figure.
 */
export type TextLayer = 'empty' | 'garbage';

/** The share of the page a page's images must cover to be read, per kind of text layer. */
const MIN_COVERAGE: Record<TextLayer, number> = { empty: 0.1, garbage: 0.5 };

/** What OCR made of one page. */
export interface PageOcr {
  text: string;
  /** Mean word confidence (0-100), over all of the page's images. */
  confidence: number;
  words: number;
  /** The images read, upright, with their resolution on the page. */
  images: Array<{ width: number; height: number; dpi: number }>;
  /** Things to tell the user about this page (undecodable images, damaged data). */
  problems: string[];
}

/**
 * OCR of one page: each large image, top to bottom, within `timeoutMs`.
 * Undefined when the page has no image to read (a page drawn with vectors
 * would need rendering, which Quarry does not do).
 */
export async function ocrPage(
  pdfjs: PdfJs,
  doc: PDFDocumentProxy,
  n: number,
  lang: string,
  timeoutMs: number,
  minCoverage: number,
): Promise<PageOcr | undefined> {
  const started = performance.now();
  const page = await doc.getPage(n);
  const problems: string[] = [];
  try {
    // Decoding the page's images (a large JBIG2, a stalled stream) counts against the page's OCR time too.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OcrError(`decoding the page's images took longer than ${duration(timeoutMs)}`, [])), timeoutMs);
    });
    const images = await Promise.race([scannedImages(pdfjs, page, problems, minCoverage), late]).finally(() => clearTimeout(timer));
    if (!images.length) return problems.length ? { text: '', confidence: 0, words: 0, images: [], problems } : undefined;
    const texts: string[] = [];
    let confidenceSum = 0;
    let words = 0;
    for (const img of images) {
      if (img.bitmap.width * img.bitmap.height > MAX_IMAGE_PIXELS) {
        problems.push(`an image of ${img.bitmap.width}×${img.bitmap.height} pixels is over the ${MAX_IMAGE_PIXELS / 1e6} MP OCR limit`);
        continue;
      }
      const left = timeoutMs - (performance.now() - started);
      if (left <= 0) throw new OcrError(`OCR of the page took longer than ${duration(timeoutMs)}`, []);
      const r = await recognize(encodePgm(img.bitmap), lang, left, { dpi: img.dpi, layout: 'page' });
      const text = tidy(r.text);
      if (text) texts.push(text);
      confidenceSum += r.confidence * r.words.length;
      words += r.words.length;
    }
    return {
      text: texts.join('\n\n'),
      confidence: words ? Math.round(confidenceSum / words) : 0,
      words,
      images: images.map((i) => ({ width: i.bitmap.width, height: i.bitmap.height, dpi: Math.round(i.dpi) })),
      problems,
    };
  } finally {
    page.cleanup();
  }
}

const duration = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms)} ms`);

const tidy = (s: string) =>
  s
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

/** How much OCR a document may still have (pages and time), and why it stopped. */
export class OcrBudget {
  private pages = 0;
  private spentMs = 0;
  readonly maxPages: number;
  readonly budgetMs: number;
  constructor(options: Pick<ExtractOptions, 'ocrMaxPages' | 'ocrBudgetMs'>) {
    this.maxPages = options.ocrMaxPages ?? DEFAULT_OCR_MAX_PAGES;
    this.budgetMs = options.ocrBudgetMs ?? DEFAULT_OCR_BUDGET_MS;
  }
  /** Why no more pages may be OCR'd, or undefined while they may. */
  get exhausted(): string | undefined {
    if (this.pages >= this.maxPages) return `the limit of ${this.maxPages} OCR page${this.maxPages === 1 ? '' : 's'} per file (--ocr-max-pages)`;
    if (this.spentMs >= this.budgetMs) return `the OCR time budget of ${duration(this.budgetMs)} per file (--ocr-budget)`;
    return undefined;
  }
  /** Time the next page may take. */
  get leftMs(): number {
    return Math.max(0, this.budgetMs - this.spentMs);
  }
  /** Time spent on a page, and whether it counts as a page OCR'd (not when the page had no image to read). */
  spend(ms: number, read: boolean): void {
    if (read) this.pages++;
    this.spentMs += ms;
  }
}

/** Why a page without a usable text layer still has no text. */
type Missing = 'ocr off' | 'over budget' | 'no image' | 'nothing found' | 'unreliable' | 'failed';

/**
 * The OCR side of one document: reads the pages it is given (those without
 * a usable text layer) while the budget lasts, and sums up what happened
 * for the result's warnings and metadata.
 */
export class DocumentOcr {
  private readonly budget: OcrBudget;
  private readonly lang: string;
  private readonly enabled: boolean;
  private readonly read: Array<{ page: number; confidence: number; words: number; images: PageOcr['images'] }> = [];
  private readonly missing = new Map<Missing, number[]>();
  private readonly problems: string[] = [];
  private stoppedBy: string | undefined;
  private failure: string | undefined;

  constructor(
    private readonly pdfjs: PdfJs,
    private readonly doc: PDFDocumentProxy,
    options: ExtractOptions,
  ) {
    this.budget = new OcrBudget(options);
    this.lang = options.ocrLanguage ?? 'eng';
    this.enabled = options.ocr !== false;
  }

  /** The text for a page whose text layer is not usable, with its OCR note; undefined = keep what the layer had. */
  async page(
    n: number,
    layer: TextLayer,
    stepTimeoutMs: number,
  ): Promise<{ text: string; ocr: { engine: string; language: string; confidence: number } } | undefined> {
    // A garbage layer is kept, and said so elsewhere, unless OCR can replace it.
    const miss = (why: Missing) => (layer === 'empty' ? this.miss(why, n) : undefined);
    if (!this.enabled) return miss('ocr off');
    if (this.failure) return miss('failed');
    const over = this.budget.exhausted;
    if (over) {
      this.stoppedBy ??= over;
      return miss('over budget');
    }
    const started = performance.now();
    let ran = false;
    try {
      const r = await ocrPage(this.pdfjs, this.doc, n, this.lang, Math.min(stepTimeoutMs, this.budget.leftMs), MIN_COVERAGE[layer]);
      if (!r) return miss('no image');
      for (const p of r.problems) this.problems.push(`page ${n}: ${p}`);
      if (!r.images.length) return miss('failed'); // its images could not be decoded: said in the problems
      ran = true;
      this.read.push({ page: n, confidence: r.confidence, words: r.words, images: r.images });
      if (!r.text) return miss('nothing found');
      if (r.confidence < MIN_OCR_CONFIDENCE) return miss('unreliable');
      return { text: r.text, ocr: { engine: 'tesseract.js', language: this.lang, confidence: r.confidence } };
    } catch (err) {
      // The engine failing (a language not shipped, a page past its time) fails OCR, not the document's text.
      const message = err instanceof Error ? err.message : String(err);
      if (/not installed|not an OCR language/.test(message)) this.failure = message;
      else this.problems.push(`page ${n}: OCR failed: ${message}`);
      if (err instanceof OcrError && err.decoderMessages.length)
        this.problems.push(`page ${n}: the image decoder reported: ${err.decoderMessages.slice(0, 3).join('; ')}`);
      ran = true;
      return miss('failed');
    } finally {
      this.budget.spend(performance.now() - started, ran);
    }
  }

  private miss(why: Missing, n: number): undefined {
    const list = this.missing.get(why) ?? [];
    list.push(n);
    this.missing.set(why, list);
    return undefined;
  }

  /** Pages left without text, and why (for the document's warnings). */
  warnings(formatRanges: (pages: number[]) => string, total: number): string[] {
    const pages = (list: number[]) =>
      list.length === total && total > 1 ? `any of its ${total} pages` : `page${list.length === 1 ? '' : 's'} ${formatRanges(list)}`;
    const out: string[] = [];
    const say: Record<Missing, (list: number[]) => string> = {
      'ocr off': (l) => `PDF has no text layer on ${pages(l)} (scanned?); OCR is off for this job (--ocr off)`,
      'over budget': (l) => `OCR stopped at ${this.stoppedBy}: ${pages(l)} without a text layer ${l.length === 1 ? 'was' : 'were'} not OCR'd`,
      'no image': (l) => `PDF has no text layer on ${pages(l)}, and no image there to OCR (blank, or text drawn as shapes?)`,
      'nothing found': (l) => `PDF has no text layer on ${pages(l)}, and OCR found no text there (blank?)`,
      unreliable: (l) =>
        `OCR of ${pages(l)} found only unreliable text (mean confidence below ${MIN_OCR_CONFIDENCE}%): a picture rather than text? Kept out of the text`,
      failed: (l) => `PDF has no text layer on ${pages(l)}, and OCR failed${this.failure ? `: ${this.failure}` : ' (see the other warnings)'}`,
    };
    for (const [why, list] of this.missing) out.push(say[why](list));
    if (this.problems.length)
      out.push(`OCR: ${this.problems.slice(0, 5).join('; ')}${this.problems.length > 5 ? ` (and ${this.problems.length - 5} more)` : ''}`);
    return out;
  }

  /** For metadata.ocr: what was read, and the page count the result reports. */
  metadata(): Record<string, unknown> | undefined {
    if (!this.read.length && !this.missing.size) return undefined;
    const words = this.read.reduce((a, r) => a + r.words, 0);
    return {
      engine: 'tesseract.js',
      language: this.lang,
      pages: this.read.map((r) => r.page),
      images: this.read.flatMap((r) => r.images.map((i) => ({ page: r.page, ...i }))),
      ...(words ? { confidence: Math.round(this.read.reduce((a, r) => a + r.confidence * r.words, 0) / words) } : {}),
      ...(this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}),
      ...(this.enabled ? {} : { skipped: 'disabled for this job' }),
    };
  }

  /** Pages whose text OCR read (and was kept). */
  get pagesRead(): number {
    return this.read.length;
  }
}
