/**
 * DOCX: mammoth turns the document into semantic HTML (headings from
 * paragraph styles, lists, tables, footnotes, comments), and the HTML
 * pipeline we already have makes the Markdown (turndown + GFM tables), the
 * readable text and the tables. Document properties come from
 * docProps/core.xml and app.xml. Images are not embedded (no base64 in the
 * Markdown); their alt text is kept. mammoth never reads files outside the
 * package (externalFileAccess stays off).
 */
import mammoth from 'mammoth';
import { parseHTML } from 'linkedom';
import type { Entity } from '../../../shared/extraction';
import { textStats } from '../../text/stats';
import { WarningList } from '../common';
import { ensureTableRows, extractTables, readableText } from '../html/dom';
import { getTurndown, isStackOverflow } from '../html/html';
import type { Extractor } from '../types';
import { ooxmlProperties, openPackage } from './package';

const clean = (s: string | null | undefined) => (s ?? '').replace(/[\s\u00a0]+/g, ' ').trim();

export const docxExtractor: Extractor = {
  name: 'docx',
  version: '1.1.0',
  formats: ['docx'],
  async extract(input) {
    const { bytes, pkg } = await openPackage(input, 'DOCX');
    const warnings: string[] = [];
    let metadata: Record<string, unknown>;
    let hasComments: boolean;
    let hasFootnotes: boolean;
    try {
      metadata = await ooxmlProperties(pkg, warnings);
      hasComments = !!pkg.find('word/comments.xml');
      hasFootnotes = !!pkg.find('word/footnotes.xml');
      if (!pkg.find('word/document.xml') && !pkg.entries.some((e) => /^word\/document\d*\.xml$/i.test(e.name))) {
        warnings.push('The package has no word/document.xml; the main part may be named differently');
      }
    } finally {
      pkg.close();
    }

    let images = 0;
    const result = await mammoth.convertToHtml(
      { buffer: bytes },
      {
        styleMap: ['comment-reference => sup'],
        convertImage: mammoth.images.imgElement(async () => {
          images++;
          return { src: '' };
        }),
      },
    );
    const notes = new WarningList(20);
    for (const m of result.messages) {
      // Unknown styles are routine (custom styles fall back to plain paragraphs); other messages matter.
      if (/Unrecognised (paragraph|run|table) style/i.test(m.message)) continue;
      notes.add(`${m.type === 'error' ? 'Error' : 'Note'} from the DOCX converter: ${m.message}`);
    }
    warnings.push(...notes.toArray());

    const { document } = parseHTML(`<!doctype html><html><body>${result.value}</body></html>`);
    ensureTableRows(document);
    const body = document.body;
    // The "↑" links back from a footnote or comment to its reference are navigation, not text.
    for (const a of body?.querySelectorAll('a[href^="#"]') ?? []) if (clean(a.textContent) === '↑') a.remove();
    let markdown: string | null;
    try {
      markdown = body
        ? getTurndown()
            .turndown(body as unknown as HTMLElement)
            .trim()
        : '';
    } catch (err) {
      if (!isStackOverflow(err)) throw err;
      warnings.push('The document is nested too deeply for Markdown conversion; Markdown holds the plain text instead');
      markdown = null;
    }
    // Footnote, endnote and comment reference marks ("Ouch[1].") stay in the Markdown as links;
    // the plain text reads as the document does, with the notes themselves at the end.
    for (const a of body?.querySelectorAll('a[href^="#footnote-"], a[href^="#endnote-"], a[href^="#comment-"]') ?? []) {
      const parent = a.parentElement;
      (parent && parent.tagName.toUpperCase() === 'SUP' ? parent : a).remove();
    }
    const text = body ? readableText(body) : '';
    if (markdown === null) markdown = text;
    const tables = body ? extractTables(body, { keepEmpty: true }).map((t, i) => ({ name: `table ${i + 1}`, rows: t.rows, hasHeader: t.hasHeader })) : [];

    const entities: Entity[] = [];
    for (const h of body?.querySelectorAll('h1, h2, h3, h4, h5, h6') ?? []) {
      const value = clean(h.textContent);
      if (value) entities.push({ type: 'heading', value, attributes: { level: Number(h.tagName.slice(1)) } });
    }
    let links = 0;
    for (const a of body?.querySelectorAll('a[href]') ?? []) {
      const href = (a.getAttribute('href') ?? '').trim();
      // Footnote, endnote and comment anchors are internal links, not content.
      if (!href || href.startsWith('#')) continue;
      entities.push({ type: 'link', value: href, attributes: { text: clean(a.textContent) } });
      links++;
    }
    if (!text) warnings.push('The document has no text');
    const stats = textStats(text);
    const headings = entities.length - links;
    return {
      text,
      markdown,
      metadata: { ...metadata, images, hasComments, hasFootnotes, tables: tables.length },
      tables,
      entities,
      warnings,
      counters: { items: stats.lines, lines: stats.lines, words: stats.words, chars: stats.chars, tables: tables.length, headings, links, images },
    };
  },
};
