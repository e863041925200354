/**
 * DOM helpers over linkedom for the HTML extractor. Everything walks the
 * tree iteratively: pages built to blow a recursive parser's stack (deeply
 * nested <div>s) must still yield text.
 */

type AnyNode = any;

const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'SVG', 'CANVAS', 'IFRAME', 'OBJECT']);
/** Blocks that end a paragraph (blank line) vs. those that only end a line. */
const PARAGRAPH = new Set([
  'P',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'UL',
  'OL',
  'DL',
  'TABLE',
  'BLOCKQUOTE',
  'PRE',
  'FIGURE',
  'HR',
  'ADDRESS',
  'FORM',
  'FIELDSET',
]);
const LINE = new Set([
  'DIV',
  'LI',
  'TR',
  'SECTION',
  'ARTICLE',
  'HEADER',
  'FOOTER',
  'NAV',
  'ASIDE',
  'MAIN',
  'DT',
  'DD',
  'FIGCAPTION',
  'CAPTION',
  'THEAD',
  'TBODY',
  'TFOOT',
  'DETAILS',
  'SUMMARY',
  'BODY',
  'HTML',
  'TITLE',
  'OPTION',
  'LEGEND',
  'CENTER',
]);
const CELL = new Set(['TD', 'TH']);

/**
 * Readable text of a subtree: whitespace collapsed as a browser renders it,
 * blocks on their own lines, table cells separated by tabs, <pre> verbatim.
 */
export function readableText(root: AnyNode): string {
  const out: string[] = [];
  let pendingBreak = 0; // 0 none, 1 newline, 2 blank line
  let atLineStart = true;
  let lastWasSpace = true;
  const requestBreak = (level: number) => {
    pendingBreak = Math.max(pendingBreak, level);
  };
  const emit = (s: string, pre: boolean) => {
    if (!s) return;
    if (!pre) {
      s = s.replace(/[\s\u00a0]+/g, ' ');
      if (s === ' ' && (atLineStart || lastWasSpace || pendingBreak)) return;
    }
    if (pendingBreak && out.length) {
      // Drop a trailing space before the break.
      const last = out[out.length - 1]!;
      if (last.endsWith(' ')) out[out.length - 1] = last.replace(/ +$/, '');
      out.push(pendingBreak === 2 ? '\n\n' : '\n');
      atLineStart = true;
      lastWasSpace = true;
    }
    pendingBreak = 0;
    if (!pre && (atLineStart || lastWasSpace) && s.startsWith(' ')) s = s.slice(1);
    if (!s) return;
    out.push(s);
    atLineStart = s.endsWith('\n');
    lastWasSpace = /\s$/.test(s);
  };

  // Stack entries: a node to visit, or a closing marker for an element.
  const stack: Array<{ node: AnyNode; close?: boolean; pre?: boolean }> = [{ node: root, pre: false }];
  while (stack.length) {
    const { node, close, pre = false } = stack.pop()!;
    const type = node.nodeType;
    if (type === 3) {
      emit(node.data ?? node.textContent ?? '', pre);
      continue;
    }
    if (type !== 1 && type !== 9 && type !== 11) continue;
    const tag: string = type === 1 ? String(node.tagName).toUpperCase() : '';
    if (close) {
      if (PARAGRAPH.has(tag)) requestBreak(2);
      else if (LINE.has(tag)) requestBreak(1);
      continue;
    }
    if (SKIP.has(tag)) continue;
    if (tag === 'BR') {
      emit('\n', true);
      continue;
    }
    if (PARAGRAPH.has(tag)) requestBreak(2);
    else if (LINE.has(tag)) requestBreak(1);
    if (CELL.has(tag) && node.previousElementSibling && !pendingBreak) emit('\t', true);
    if (tag === 'IMG') {
      const alt = node.getAttribute?.('alt');
      if (alt) emit(alt, false);
      continue;
    }
    stack.push({ node, close: true, pre });
    const children = node.childNodes ?? [];
    const childPre = pre || tag === 'PRE' || tag === 'TEXTAREA';
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], pre: childPre });
  }
  return out
    .join('')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Rows of a table that belong to it (not to a nested table), in document order. */
export function ownRows(table: AnyNode): AnyNode[] {
  const rows: AnyNode[] = [];
  for (const child of table.children ?? []) {
    const tag = String(child.tagName).toUpperCase();
    if (tag === 'TR') rows.push(child);
    else if (tag === 'THEAD' || tag === 'TBODY' || tag === 'TFOOT') {
      for (const r of child.children ?? []) if (String(r.tagName).toUpperCase() === 'TR') rows.push(r);
    }
  }
  return rows;
}

/**
 * linkedom's HTMLTableElement has no `rows`, which the GFM table rules of
 * turndown rely on; without it every table degrades to run-on text. Define
 * it once on the shared prototype (same semantics as the DOM property).
 */
export function ensureTableRows(document: AnyNode): void {
  const proto = Object.getPrototypeOf(document.createElement('table'));
  if (proto && !Object.getOwnPropertyDescriptor(proto, 'rows') && !('rows' in proto)) {
    Object.defineProperty(proto, 'rows', {
      configurable: true,
      get(this: AnyNode) {
        return ownRows(this);
      },
    });
  }
}

function hasNestedTable(table: AnyNode): boolean {
  return Boolean(table.querySelector?.('table'));
}

export interface HtmlTable {
  rows: string[][];
  hasHeader: boolean;
}

/**
 * Leaf tables (those without tables inside) as rows of cell text. Outer
 * layout tables are skipped: their "cells" are whole page regions.
 */
/**
 * `keepEmpty`: a table whose cells are all empty is kept (a Word table is
 * content even when blank); web pages use empty tables for layout, so HTML
 * drops them.
 */
export function extractTables(root: AnyNode, opts: { keepEmpty?: boolean } = {}): HtmlTable[] {
  const tables: HtmlTable[] = [];
  for (const table of root.querySelectorAll('table')) {
    if (hasNestedTable(table)) continue;
    const trs = ownRows(table);
    const rows: string[][] = [];
    let hasHeader = false;
    trs.forEach((tr, i) => {
      const cells = (tr.children ?? []).filter((c: AnyNode) => CELL.has(String(c.tagName).toUpperCase()));
      if (!cells.length) return;
      const row: string[] = cells.map((c: AnyNode) => readableText(c).replace(/\s+/g, ' ').trim());
      if (i === 0) {
        hasHeader = String(tr.parentNode?.tagName).toUpperCase() === 'THEAD' || cells.every((c: AnyNode) => String(c.tagName).toUpperCase() === 'TH');
      }
      rows.push(row);
    });
    if (rows.length && (opts.keepEmpty || rows.some((r) => r.some((c) => c)))) tables.push({ rows, hasHeader });
  }
  return tables;
}

export interface HeadingsAndLinks {
  headings: Array<{ level: number; text: string }>;
  links: Array<{ href: string; text: string }>;
}

/**
 * Headings and links (<a href>) in document order, each with its text, in
 * one walk. A heading or link nested in another (linkedom nests them; a
 * browser's parser closes the outer one first) owns its own text, and the
 * outer one the rest: asking each for its textContent cost nodes × depth,
 * 50,000 nested links being a hang.
 */
export function headingsAndLinks(root: AnyNode): HeadingsAndLinks {
  const headings: Array<{ level: number; parts: string[] }> = [];
  const links: Array<{ href: string; parts: string[] }> = [];
  const stack: Array<{ node: AnyNode; heading?: string[]; link?: string[] }> = [];
  for (let c = root.lastChild; c; c = c.previousSibling) stack.push({ node: c });
  while (stack.length) {
    const entry = stack.pop()!;
    const { node } = entry;
    let { heading, link } = entry;
    if (node.nodeType === 3 || node.nodeType === 4) {
      heading?.push(node.data);
      link?.push(node.data);
      continue;
    }
    if (node.nodeType !== 1) continue;
    const tag = String(node.tagName).toUpperCase();
    if (/^H[1-6]$/.test(tag)) headings.push({ level: Number(tag[1]), parts: (heading = []) });
    if (tag === 'A' && node.hasAttribute('href')) links.push({ href: node.getAttribute('href'), parts: (link = []) });
    for (let c = node.lastChild; c; c = c.previousSibling) stack.push({ node: c, heading, link });
  }
  return {
    headings: headings.map((h) => ({ level: h.level, text: h.parts.join('') })),
    links: links.map((l) => ({ href: l.href, text: l.parts.join('') })),
  };
}
