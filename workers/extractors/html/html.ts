/**
 * HTML: linkedom parses (fast, no browser), turndown + the GFM plugin make
 * Markdown with tables kept as tables, and our own iterative walker makes
 * the readable text. Links and headings become entities; leaf tables also
 * go to `tables`. The charset comes from a BOM, the user, or <meta charset>.
 */
import TurndownService from 'turndown';
import { gfm } from '@joplin/turndown-plugin-gfm';
import type { Entity } from '../../../shared/extraction';
import { textStats } from '../../text/stats';
import { readText } from '../common';
import type { Extractor } from '../types';
import { parseHtmlDocument } from './document';
import { extractTables, readableText } from './dom';

let turndown: TurndownService | undefined;

/** The shared HTML -> Markdown converter (GFM tables); also used for DOCX and e-mail bodies. */
export function getTurndown(): TurndownService {
  if (turndown) return turndown;
  const td = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '_' });
  td.use(gfm);
  td.remove(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'canvas'] as TurndownService.Filter);
  // Inline images as data: URIs would put megabytes of base64 into the Markdown.
  td.addRule('dataImages', {
    filter: (node) => node.nodeName === 'IMG' && /^\s*data:/i.test(node.getAttribute('src') ?? ''),
    replacement: (_content, node) => ((node as HTMLElement).getAttribute('alt') ? `![${(node as HTMLElement).getAttribute('alt')}]()` : ''),
  });
  turndown = td;
  return td;
}

const clean = (s: string | null | undefined) => (s ?? '').replace(/[\s\u00a0]+/g, ' ').trim();

export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/**
 * Markdown of a DOM subtree; if turndown or its GFM plugin fails on it (deep
 * nesting, a structure the plugin does not expect), the plain text stands in
 * and a warning says so: the text was extracted, the file is not lost.
 */
export function markdownOf(root: unknown, text: string, warnings: string[], what: string): string {
  try {
    return getTurndown().turndown(root as HTMLElement).trim();
  } catch (err) {
    warnings.push(
      isStackOverflow(err)
        ? `${what} is nested too deeply for Markdown conversion; Markdown holds the plain text instead`
        : `${what} could not be converted to Markdown (${(err as Error)?.message ?? err}); Markdown holds the plain text instead`,
    );
    return text;
  }
}

export const htmlExtractor: Extractor = {
  name: 'html',
  version: '1.0.0',
  formats: ['html'],
  async extract(input) {
    const { text: source, encoding, warnings, empty } = await readText(input, true);
    const { document, body } = parseHtmlDocument(source);

    const title = clean(document.querySelector('title')?.textContent);
    const meta = (name: string) => clean(document.querySelector(`meta[name="${name}" i]`)?.getAttribute('content')) || undefined;

    let root = body;
    if (input.options.mainContentOnly) {
      const main = document.querySelector('main, article, [role="main"]');
      if (main) root = main as unknown as typeof root;
      else warnings.push('mainContentOnly: no <main>, <article> or role="main" element; kept the whole page');
    }

    const entities: Entity[] = [];
    for (const h of root.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      const value = clean(h.textContent);
      if (value) entities.push({ type: 'heading', value, attributes: { level: Number(h.tagName.slice(1)) } });
    }
    let linkCount = 0;
    for (const a of root.querySelectorAll('a[href]')) {
      const href = (a.getAttribute('href') ?? '').trim();
      if (!href || /^javascript:/i.test(href)) continue;
      entities.push({ type: 'link', value: href, attributes: { text: clean(a.textContent) } });
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
