/**
 * PDF via pdf.js (legacy build, Node): per-page text, metadata, links.
 *
 * Safety: no eval, no font loading, no system fonts, no network (the file
 * is passed as bytes; CMaps come from the installed package), verbosity 0
 * so nothing reaches stdout. Every async step has a deadline: pdf.js runs
 * in this thread, so a synchronous loop can only be stopped by the pool's
 * timeout, but a stalled promise is turned into a clean 'timeout' here.
 */
import path from 'node:path';
import { ExtractionError, GIVE_PASSWORD, type Entity, type Table } from '../../../shared/extraction';
import { textStats } from '../../text/stats';
import { formatRanges } from '../common';
import type { ExtractionParts, Extractor } from '../types';
import { cleanPageText, layoutPage, type PdfTextItem } from './layout';
import { DocumentOcr, MAX_IMAGE_PIXELS, textLayerState } from './page-ocr';
import { pageMarkdown, type NamedTable } from './page-markdown';
import { continuesTable, findTables } from './tables';
import { loadPdfJs, pdfjsPackageDir, pdfjsVersion, type PdfJs } from './pdfjs';

const DEFAULT_STEP_TIMEOUT_MS = 60_000;
/**
 * Budgets for the page loop (options.maxPages, options.pageBudgetMs). A page
 * tree can list one page object 200,000 times in a 1 MB file, and pdf.js
 * finds page n by walking the tree's kids, so reading such a file is
 * quadratic (20,000 pages: 18 s; 200,000: half an hour); a file that declares
 * more than maxPages pages is refused before any page is read. A page that
 * takes longer than its budget fails the file: it would be as slow on every
 * retry, so both are resource_limit (permanent), not timeout.
 */
export const DEFAULT_MAX_PAGES = 10_000;
export const DEFAULT_PAGE_BUDGET_MS = 30_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(promise, ms, () => new ExtractionError('timeout', `PDF ${what} did not finish within ${duration(ms)}`, { stage: what }));
}

function withDeadline<T>(promise: Promise<T>, ms: number, late: () => ExtractionError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const duration = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

function pageOverBudget(n: number, budgetMs: number): ExtractionError {
  return new ExtractionError(
    'resource_limit',
    `PDF page ${n} took longer than the ${duration(budgetMs)} a page may take (options.pageBudgetMs); it would be as slow on every retry`,
    { page: n, pageBudgetMs: budgetMs },
  );
}

/** pdf.js's parts of one page, each bounded by what is left of the page's budget; over budget fails the file. */
async function readPage(doc: import('pdfjs-dist').PDFDocumentProxy, n: number, budgetMs: number) {
  const started = performance.now();
  const step = <T>(p: Promise<T>) => withDeadline(p, Math.max(0, budgetMs - (performance.now() - started)), () => pageOverBudget(n, budgetMs));
  const page = await step(doc.getPage(n));
  const content = await step(page.getTextContent({ includeMarkedContent: false }));
  const annotations = await step(page.getAnnotations({ intent: 'display' })).catch((err) => {
    if (err instanceof ExtractionError) throw err;
    return []; // links are a bonus: a broken annotation array must not cost the page's text
  });
  page.cleanup();
  // pdf.js may do a page's work synchronously, where no timer can fire: measured after the fact too.
  if (performance.now() - started > budgetMs) throw pageOverBudget(n, budgetMs);
  return { items: content.items as PdfTextItem[], annotations: annotations as Array<{ subtype?: string; url?: string; unsafeUrl?: string }> };
}

/**
 * A page whose text is garbage because its fonts have no Unicode mapping at
 * all (a body font without ToUnicode whose glyphs are named g18, g152...)
 * is typeset text, not a scan under a bad OCR layer: scanners' OCR layers
 * carry a mapping. There is no image to read there, and looking for one
 * costs a full operator list (every image decoded, every glyph's outline
 * built): TAMReview.pdf's 21 such pages doubled its time. Its glyphs are
 * counted and said in the warnings instead.
 */
function typesetGarbage(layer: 'empty' | 'garbage', unmappedFontGlyphs: number, removedControls: number): boolean {
  return layer === 'garbage' && unmappedFontGlyphs * 2 >= removedControls;
}

/** pdf.js errors -> our error codes, with messages a user can act on. */
function toExtractionError(err: unknown, passwordGiven: boolean): ExtractionError {
  if (err instanceof ExtractionError) return err;
  const e = err as { name?: string; message?: string; code?: number };
  const message = e?.message ?? String(err);
  if (e?.name === 'PasswordException') {
    // code 1 = NEED_PASSWORD, 2 = INCORRECT_PASSWORD
    if (e.code === 2 || passwordGiven) {
      return new ExtractionError(
        'encrypted',
        `PDF is encrypted and the password given is incorrect: ${GIVE_PASSWORD.replace('give it', 'give the right one')}`,
        {
          needsPassword: true,
          reason: 'incorrect_password',
          password: 'incorrect',
        },
      );
    }
    return new ExtractionError('encrypted', `PDF is encrypted and needs a password: ${GIVE_PASSWORD}`, {
      needsPassword: true,
      reason: 'password_required',
      password: 'required',
    });
  }
  if (e?.name === 'InvalidPDFException') {
    return new ExtractionError('corrupt_file', `PDF is damaged or truncated and could not be repaired: ${message}`, { library: 'pdf.js' });
  }
  return new ExtractionError('corrupt_file', `PDF could not be parsed: ${message}`, { library: 'pdf.js', name: e?.name });
}

/**
 * pdf.js wants a Uint8Array (not a Buffer) and transfers (detaches) it. A
 * buffer from readFile owns its memory, so hand that over without a copy;
 * copy only a slice of a shared pool, which must not be detached.
 */
function ownBytes(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) return new Uint8Array(buf.buffer, 0, buf.byteLength);
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return copy;
}

function cleanString(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/\u0000/g, '').trim();
  return s || undefined;
}

function pdfDate(pdfjs: PdfJs, v: unknown): string | undefined {
  const s = cleanString(v);
  if (!s) return undefined;
  const d = pdfjs.PDFDateString.toDateObject(s);
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : s;
}

async function readMetadata(pdfjs: PdfJs, doc: import('pdfjs-dist').PDFDocumentProxy): Promise<Record<string, unknown>> {
  const { info: rawInfo, metadata: xmp } = await doc.getMetadata();
  const info = (rawInfo ?? {}) as Record<string, unknown>;
  const xmpGet = (name: string) => {
    try {
      return cleanString(xmp?.get(name));
    } catch {
      return undefined;
    }
  };
  const md: Record<string, unknown> = {
    title: cleanString(info.Title) ?? xmpGet('dc:title'),
    author: cleanString(info.Author) ?? xmpGet('dc:creator'),
    subject: cleanString(info.Subject) ?? xmpGet('dc:description'),
    keywords: cleanString(info.Keywords) ?? xmpGet('pdf:keywords'),
    creator: cleanString(info.Creator) ?? xmpGet('xmp:creatortool'),
    producer: cleanString(info.Producer) ?? xmpGet('pdf:producer'),
    creationDate: pdfDate(pdfjs, info.CreationDate),
    modificationDate: pdfDate(pdfjs, info.ModDate),
    pdfVersion: cleanString(info.PDFFormatVersion),
    language: cleanString(info.Language),
    pageCount: doc.numPages,
    encrypted: Boolean(info.EncryptFilterName),
    hasAcroForm: Boolean(info.IsAcroFormPresent),
    hasXfa: Boolean(info.IsXFAPresent),
    linearized: Boolean(info.IsLinearized),
  };
  // Permission bits of encrypted files (null when unrestricted). Recorded, not
  // enforced: extraction for search/indexing is what the user asked for.
  const flags = await doc.getPermissions().catch(() => null);
  if (flags) {
    const F = pdfjs.PermissionFlag;
    const has = (f: number) => flags.includes(f);
    md.permissions = {
      print: has(F.PRINT),
      printHighQuality: has(F.PRINT_HIGH_QUALITY),
      copy: has(F.COPY),
      copyForAccessibility: has(F.COPY_FOR_ACCESSIBILITY),
      modify: has(F.MODIFY_CONTENTS),
      annotate: has(F.MODIFY_ANNOTATIONS),
      fillForms: has(F.FILL_INTERACTIVE_FORMS),
      assemble: has(F.ASSEMBLE),
    };
  }
  for (const k of Object.keys(md)) if (md[k] === undefined) delete md[k];
  return md;
}

export const pdfExtractor: Extractor = {
  name: 'pdf',
  // The pdf.js version is part of ours: its text output changes between releases.
  version: `1.5.0+pdfjs.${pdfjsVersion()}`,
  formats: ['pdf'],
  async extract(input, ctx) {
    const bytes = await input.read();
    if (bytes.length === 0) throw new ExtractionError('corrupt_file', 'PDF file is empty (0 bytes)');
    const stepMs = input.options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    const maxPages = input.options.maxPages ?? DEFAULT_MAX_PAGES;
    const pageBudgetMs = input.options.pageBudgetMs ?? DEFAULT_PAGE_BUDGET_MS;
    const password = typeof input.options.password === 'string' ? input.options.password : undefined;
    const pdfjs = await loadPdfJs();

    const task = pdfjs.getDocument({
      data: ownBytes(bytes),
      password,
      verbosity: 0,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      // pdf.js's WebAssembly decoders (OpenJPEG for JPEG 2000 scans, JBIG2, colour profiles), read from the installed package, never fetched.
      useWasm: true,
      wasmUrl: path.join(pdfjsPackageDir(), 'wasm') + path.sep,
      enableXfa: false,
      stopAtErrors: false,
      // Images are decoded only for OCR (page-ocr.ts); a huge one is dropped, not allocated (a 60,000² scan header on 1 KB of data).
      maxImageSize: MAX_IMAGE_PIXELS,
      isOffscreenCanvasSupported: false,
      disableAutoFetch: true,
      disableStream: true,
      disableRange: true,
      // Local CMaps so CJK/CID text maps to Unicode; read from disk, never fetched.
      cMapUrl: path.join(pdfjsPackageDir(), 'cmaps') + path.sep,
      cMapPacked: true,
    });

    try {
      let doc: import('pdfjs-dist').PDFDocumentProxy;
      try {
        doc = await withTimeout(task.promise, stepMs, 'loading');
      } catch (err) {
        throw toExtractionError(err, password !== undefined);
      }

      const warnings: string[] = [];
      const metadata = await withTimeout(readMetadata(pdfjs, doc), stepMs, 'metadata').catch((err) => {
        warnings.push(`PDF metadata could not be read: ${(err as Error).message}`);
        return { pageCount: doc.numPages } as Record<string, unknown>;
      });

      const total = doc.numPages;
      if (total > maxPages) {
        throw new ExtractionError(
          'resource_limit',
          `PDF declares ${total.toLocaleString('en-US')} pages, over the limit of ${maxPages.toLocaleString('en-US')} (options.maxPages); no page was read`,
          { pages: total, maxPages },
        );
      }
      const pages: NonNullable<ExtractionParts['pages']> = [];
      const ocr = new DocumentOcr(pdfjs, doc, input.options);
      const entities: Entity[] = [];
      const tables: Table[] = [];
      const failedPages: number[] = [];
      let removedControls = 0;
      const unmappedPages: number[] = [];
      const markdownBodies = new Map<number, string>();
      // The last table seen, for a table that goes on over the next page.
      let lastTable: (NamedTable & { page: number }) | undefined;
      for (let n = 1; n <= total; n++) {
        try {
          const { items, annotations } = await readPage(doc, n, pageBudgetMs);
          const laid = layoutPage(items);
          const cleaned = cleanPageText(laid.text);
          removedControls += cleaned.removedControls;
          if (cleaned.removedControls) unmappedPages.push(n);
          // A scanned page: no text layer, or one that is garbage. A page with real text is never OCR'd.
          const layer = textLayerState(cleaned.text, cleaned.removedControls);
          const scan =
            layer === 'usable' || typesetGarbage(layer, laid.unmappedFontGlyphs, cleaned.removedControls) ? undefined : await ocr.page(n, layer, stepMs);
          pages.push(scan ? { number: n, ...scan } : { number: n, text: cleaned.text });
          const found: NamedTable[] = findTables(items).map((t, k) => ({
            name: `page ${n} table ${k + 1}`,
            table: { ...t, rows: t.rows.map((r) => r.map((c) => cleanPageText(c).text)) },
          }));
          for (const [k, { name, table }] of found.entries()) {
            const continued = k === 0 && lastTable?.page === n - 1 && continuesTable(lastTable.table, table) ? lastTable.name : undefined;
            tables.push({ name, page: n, rows: table.rows, hasHeader: table.hasHeader, ...(continued ? { continues: continued } : {}) });
            if (continued) found[k]!.continues = continued;
          }
          const last = found[found.length - 1];
          if (last) lastTable = { ...last, page: n };
          // The page's Markdown is made now, while its lines are at hand: tables in place of their lines.
          markdownBodies.set(n, scan ? scan.text.replace(/^(\s*)([#>])/gm, '$1\\$2') : pageMarkdown(laid.lines, found));

          for (const a of annotations) {
            const url = a.url ?? a.unsafeUrl;
            if (a.subtype === 'Link' && url) entities.push({ type: 'link', value: url, attributes: { page: n } });
          }
        } catch (err) {
          if (err instanceof ExtractionError) throw err;
          // One broken page should not cost the rest of the document.
          failedPages.push(n);
          pages.push({ number: n, text: '' });
          warnings.push(`Page ${n} could not be read: ${(err as Error)?.message ?? String(err)}`);
        }
        ctx.progress(n, total);
      }
      if (failedPages.length === total && total > 0) {
        throw new ExtractionError('corrupt_file', `PDF pages could not be read (${warnings[warnings.length - 1] ?? 'unknown error'})`);
      }

      try {
        const attachments = await withTimeout(doc.getAttachments(), stepMs, 'attachments');
        if (attachments && typeof attachments === 'object') {
          metadata.attachments = Object.values(attachments as Record<string, { filename?: string; content?: Uint8Array }>).map((a) => ({
            name: a.filename ?? '',
            bytes: a.content?.byteLength ?? 0,
          }));
        }
      } catch {
        // Attachments are a bonus; a broken name tree must not fail the text.
      }

      warnings.push(...ocr.warnings(formatRanges, total));
      const ocrMeta = ocr.metadata();
      if (ocrMeta) metadata.ocr = ocrMeta;
      metadata.ocrPages = ocr.pagesRead;
      if (total === 0) warnings.push('PDF has no pages');
      if (removedControls) {
        warnings.push(
          `${removedControls} character${removedControls === 1 ? '' : 's'} without a Unicode mapping (fonts lacking ToUnicode) were dropped ` +
            `on page${unmappedPages.length === 1 ? '' : 's'} ${formatRanges(unmappedPages)}; text there may be incomplete or garbled`,
        );
      }

      const text = pages
        .map((p) => p.text)
        .filter(Boolean)
        .join('\n\n');
      const markdown = pages
        .map((p) => {
          const heading = p.ocr ? `## Page ${p.number} (OCR, ${p.ocr.confidence}% confidence)` : `## Page ${p.number}`;
          return `${heading}\n\n${markdownBodies.get(p.number) || '_(no text)_'}`;
        })
        .join('\n\n');
      const stats = textStats(text);
      return {
        text,
        markdown,
        metadata,
        pages,
        tables,
        entities,
        warnings,
        counters: {
          items: total,
          pages: total,
          words: stats.words,
          chars: stats.chars,
          lines: stats.lines,
          links: entities.length,
          tables: tables.length,
          ocrPages: ocr.pagesRead,
        },
      };
    } finally {
      await task.destroy().catch(() => undefined);
    }
  },
};
