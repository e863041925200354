/**
 * An HTML text -> a linkedom document whose <body> holds the page, as a
 * browser would build it. linkedom is a fast tree builder, not the HTML5
 * parsing algorithm, and differs where it hurts extraction:
 * - without an <html> tag its document element is the first element and the
 *   body is empty (a fragment lost all its text); with no element at all
 *   (empty, whitespace-only or plain-text files) `document.body` throws;
 * - content between <html> and <body>, or in an <html> without <body>, is
 *   left outside the body;
 * - U+0000 is kept (browsers drop it), and text between the cells of a
 *   header row (a NUL is enough) makes the GFM table rule throw;
 * - colspan and rowspan are kept as written, where browsers clamp them:
 *   a cell of colspan="99999999999" had the Markdown table rule pad it
 *   until the heap ran out.
 */
import { parseHTML } from 'linkedom';
import { ensureTableRows } from './dom';
import { capNesting } from './nesting';

type AnyNode = any;

/** `nestingCut`: elements left out of the tree for nesting too deep (see nesting.ts); their text is kept. */
export function parseHtmlDocument(source: string): { document: AnyNode; body: AnyNode; nestingCut: number } {
  const text = source.includes('\0') ? source.replace(/\0/g, '') : source;
  const wrapped = /<html[\s>]/i.test(text) ? text : `<!doctype html><html><body>${text}</body></html>`;
  const { html, cut } = capNesting(wrapped);
  const { document } = parseHTML(html);
  ensureTableRows(document);
  const body = gatherBody(document);
  tidyTableRows(body);
  clampSpans(document);
  return { document, body, nestingCut: cut };
}

/** Browsers' limits: colspan 1..1000, rowspan 0..65534 (0 spans the rest of its section). */
const SPANS = { colspan: { min: 1, max: 1000 }, rowspan: { min: 0, max: 65534 } };

/** colspan and rowspan read the way a browser reads them: a leading number, else 1, kept within the limits. */
function clampSpans(document: AnyNode): void {
  for (const cell of document.querySelectorAll('[colspan], [rowspan]')) {
    for (const [name, { min, max }] of Object.entries(SPANS)) {
      const raw = cell.getAttribute(name);
      if (raw === null) continue;
      const digits = /^\s*\+?(\d+)/.exec(raw)?.[1];
      const value = digits === undefined ? 1 : Math.min(Math.max(Number(digits), min), max);
      if (String(value) !== raw) cell.setAttribute(name, String(value));
    }
  }
}

/** The body, with whatever sits outside it in <html> (other than <head>) moved in, in document order. */
function gatherBody(document: AnyNode): AnyNode {
  const root = document.documentElement;
  const isBody = (n: AnyNode) => n.nodeType === 1 && String(n.tagName).toUpperCase() === 'BODY';
  const existing = [...root.childNodes].find(isBody);
  const outside = [...root.childNodes].filter(
    (n: AnyNode) =>
      !isBody(n) && !(n.nodeType === 1 && String(n.tagName).toUpperCase() === 'HEAD') && !(n.nodeType === 3 && !n.data.trim()) && n.nodeType !== 8,
  );
  if (!outside.length && existing) return existing;
  const body = document.createElement('body');
  for (const n of [...root.childNodes]) {
    if (n === existing) for (const c of [...n.childNodes]) body.appendChild(c);
    else if (outside.includes(n)) body.appendChild(n);
  }
  existing?.remove();
  root.appendChild(body);
  return body;
}

/**
 * Text directly inside a table row (not in a cell) moves before its table,
 * where a browser puts it: turndown's GFM rule for a header row takes every
 * child of the row for a cell element and calls getAttribute on it.
 */
function tidyTableRows(body: AnyNode): void {
  for (const tr of body.querySelectorAll('tr')) {
    for (const n of [...tr.childNodes]) {
      if (n.nodeType !== 3 || !n.data.trim()) continue;
      const before = tr.closest('table') ?? tr;
      before.parentNode.insertBefore(n, before);
    }
  }
}
