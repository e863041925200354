/**
 * HTML: linkedom parses (fast, no browser), turndown + the GFM plugin make
 * Markdown with tables kept as tables, and our own iterative walker makes
 * the readable text. Links and headings become entities; leaf tables also
 * go to `tables`. The charset comes from a BOM, the user, or <meta charset>.
 */
import type { Entity } from '../../../shared/extraction';
import { textStats } from '../../text/stats';
import { readText } from '../common';
import type { Extractor } from '../types';
import { parseHtmlDocument } from './document';
import { extractTables, headingsAndLinks, readableText } from './dom';
import { MAX_PARSE_DEPTH } from './nesting';
import { markdownOf } from './to-markdown';

// DOCX and e-mail bodies convert through the same code.
export { getTurndown, isStackOverflow, markdownOf } from './to-markdown';

const clean = (s: string | null | undefined) => (s ?? '').replace(/[\s\u00a0]+/g, ' ').trim();

export const htmlExtractor: Extractor = {
  name: 'html',
  version: '1.0.0',
  formats: ['html'],
  async extract(input) {
    const { text: source, encoding, warnings, empty } = await readText(input, true);
    const { document, body, nestingCut } = parseHtmlDocument(source);
    if (nestingCut)
      warnings.push(`HTML nests elements more than ${MAX_PARSE_DEPTH} levels deep; ${nestingCut} elements below that depth were left out (their text is kept)`);

    const title = clean(document.querySelector('title')?.textContent);
    const meta = (name: string) => clean(document.querySelector(`meta[name="${name}" i]`)?.getAttribute('content')) || undefined;

    let root = body;
    if (input.options.mainContentOnly) {
      const main = document.querySelector('main, article, [role="main"]');
      if (main) root = main as unknown as typeof root;
      else warnings.push('mainContentOnly: no <main>, <article> or role="main" element; kept the whole page');
    }

    const found = headingsAndLinks(root);
    const entities: Entity[] = [];
    for (const h of found.headings) {
      const value = clean(h.text);
      if (value) entities.push({ type: 'heading', value, attributes: { level: h.level } });
    }
    let linkCount = 0;
    for (const a of found.links) {
      const href = a.href.trim();
      if (!href || /^javascript:/i.test(href)) continue;
      entities.push({ type: 'link', value: href, attributes: { text: clean(a.text) } });
      linkCount++;
    }

    const text = readableText(root);
    const markdown = markdownOf(root, text, warnings, 'HTML');
    const tables = extractTables(root).map((t, i) => ({ name: `table ${i + 1}`, rows: t.rows, hasHeader: t.hasHeader }));
    const tableElements = document.querySelectorAll('table').length;

    if (!text && !empty) warnings.push('HTML has no visible text (only markup, scripts or styles)');
    const stats = textStats(text);
    const headings = entities.length - linkCount;
    return {
      text,
      markdown,
      metadata: {
        encoding,
        ...(title ? { title } : {}),
        ...(document.documentElement?.getAttribute('lang') ? { language: document.documentElement.getAttribute('lang') } : {}),
        ...(meta('description') ? { description: meta('description') } : {}),
        ...(meta('author') ? { author: meta('author') } : {}),
        ...(meta('keywords') ? { keywords: meta('keywords') } : {}),
        ...(meta('generator') ? { generator: meta('generator') } : {}),
        tableElements,
      },
      tables,
      entities,
      warnings,
      counters: { items: stats.lines, lines: stats.lines, words: stats.words, chars: stats.chars, links: linkCount, headings, tables: tables.length },
      encoding,
    };
  },
};
