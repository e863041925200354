/**
 * GFM table rules for turndown that cost time in proportion to the table.
 *
 * They write the Markdown of @joplin/turndown-plugin-gfm's `tables` rules
 * (the rest of that plugin is still used as is), whose helpers are
 * quadratic on linkedom: every `childNodes` access builds a new array, and
 * the plugin reads it inside loops (a cell's index, each column's
 * alignment, its scan of a table for nested lists or tables), and reads our
 * `rows` getter per row: a page with a table of a few thousand rows took
 * 40 s. Here each table is measured once per conversion: its rows, their
 * cells, the alignment of every column, what it contains. A row or cell
 * outside any table (the plugin throws on those) becomes a block of its own.
 */
import type TurndownService from 'turndown';
import { ownRows } from './dom';

type AnyNode = any;

interface TableFacts {
  /** The most children (cells, and text between them) any own row has. */
  columns: number;
  alignments: string[];
  /** Holds a list, heading, rule or quote: kept as HTML, as the plugin does. */
  asHtml: boolean;
  /** A one-cell table or one holding another table: its cells read as paragraphs. */
  skipped: boolean;
  /** The text of the first <caption> below it, if any. */
  caption: string | null;
}

const ALIGN_BORDER: Record<string, string> = { left: ':---', right: '---:', center: ':---:' };
const HTML_WORTHY = new Set(['UL', 'OL', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HR', 'BLOCKQUOTE']);

/**
 * The rules, installed on a converter. The memos are weak maps keyed by the
 * nodes of turndown's own copy of the tree, which nothing edits while rules
 * run, so they stay true for the whole conversion and go with the copy.
 */
export function gfmTables(service: TurndownService): void {
  const facts = new WeakMap<AnyNode, TableFacts>();
  const childIndex = new WeakMap<AnyNode, Map<AnyNode, number>>();

  const tableFacts = (table: AnyNode): TableFacts => {
    let f = facts.get(table);
    if (!f) facts.set(table, (f = measureTable(table, tableFacts)));
    return f;
  };
  const indexInParent = (node: AnyNode): number => {
    const parent = node.parentNode;
    let map = childIndex.get(parent);
    if (!map) {
      map = new Map();
      let i = 0;
      for (let c = parent.firstChild; c; c = c.nextSibling) map.set(c, i++);
      childIndex.set(parent, map);
    }
    return map.get(node) ?? -1;
  };
  /** The facts of the table a row or cell is a part of: null when it is in none. */
  const factsAbove = (node: AnyNode): TableFacts | null => {
    const table = parentTable(node);
    return table ? tableFacts(table) : null;
  };
  // A row or cell in no table stands as a block of its own; in a table read as paragraphs or kept as HTML, it gives its content.
  service.addRule('tableCell', {
    filter: ['th', 'td'],
    replacement: (content, node) => {
      const f = factsAbove(node);
      if (!f) return `\n\n${content}\n\n`;
      return f.skipped || f.asHtml ? content : cell(content, node, indexInParent(node));
    },
  });
  service.addRule('tableRow', {
    filter: 'tr',
    replacement: (content, node) => {
      const f = factsAbove(node);
      if (!f) return `\n\n${content}\n\n`;
      if (f.skipped || f.asHtml) return content;
      let borders = '';
      if (isHeadingRow(node)) {
        const children = childList(node);
        for (let i = 0; i < f.columns; i++) borders += cell(ALIGN_BORDER[f.alignments[i]!] ?? '---', children[i] ?? null, i);
      }
      return '\n' + content + (borders ? '\n' + borders : '');
    },
  });
  service.addRule('table', {
    filter: 'table',
    replacement: (content, node) => {
      const f = tableFacts(node);
      if (f.asHtml) {
        const wrapper = nearestDiv(node);
        return wrapper?.classList?.contains('joplin-table-wrapper') ? node.outerHTML : `\n\n<div class="joplin-table-wrapper">${node.outerHTML}</div>\n\n`;
      }
      if (f.skipped) return content;
      const lines = content.replace(/\n+/g, '\n');
      return `\n\n${f.caption ? `${f.caption}\n\n` : ''}${(emptyHeader(f, lines) + lines).trimStart()}\n\n`;
    },
  });
  service.addRule('tableCaption', { filter: ['caption'], replacement: () => '' });
  service.addRule('tableColgroup', { filter: ['colgroup', 'col'], replacement: () => '' });
  service.addRule('tableSection', { filter: ['thead', 'tbody', 'tfoot'], replacement: (content) => content });
}

/** A header of empty cells when the table has none (GFM needs one), with each column's alignment. */
function emptyHeader(f: TableFacts, content: string): string {
  const lines = content.trim().split('\n');
  const second = lines.length >= 2 ? lines[1]! : lines.join(',');
  if (!f.columns || /\| :?---/.test(second)) return '';
  let header = '|' + '     |'.repeat(f.columns) + '\n|';
  for (let i = 0; i < f.columns; i++) header += ' ' + (ALIGN_BORDER[f.alignments[i]!] ?? '---') + ' |';
  return header;
}

function cell(content: string, node: AnyNode, index: number): string {
  let text = content.trim().replace(/\n\r/g, '<br>').replace(/\n/g, '<br>').replace(/\|+/g, '\\|');
  while (text.length < 3) text += ' ';
  const span = Number(node?.getAttribute?.('colspan') || 1);
  for (let i = 1; i < span; i++) text += ' |    ';
  return (index === 0 ? '| ' : ' ') + text + ' |';
}

function measureTable(table: AnyNode, factsOf: (table: AnyNode) => TableFacts): TableFacts {
  const rows = ownRows(table).map(childList);
  const columns = rows.reduce((max, r) => Math.max(max, r.length), 0);
  const alignments: string[] = [];
  for (let i = 0; i < columns; i++) alignments.push(columnAlignment(rows, i));
  const inside = scanInside(table, factsOf);
  const oneCell = rows.length === 1 && rows[0]!.length <= 1;
  return { columns, alignments, asHtml: inside.htmlWorthy, skipped: oneCell || inside.table, caption: inside.caption };
}

/** The alignment most cells of a column ask for; the first to lead wins a tie. */
function columnAlignment(rows: AnyNode[][], index: number): string {
  const votes: Record<string, number> = { left: 0, right: 0, center: 0, '': 0 };
  let align = '';
  for (const row of rows) {
    if (index >= row.length) continue;
    const a = alignmentOf(row[index]);
    votes[a] = (votes[a] ?? 0) + 1;
    if (votes[a]! > votes[align]!) align = a;
  }
  return align;
}

function alignmentOf(node: AnyNode): string {
  if (node?.nodeType !== 1) return '';
  return String(node.getAttribute('align') || node.style?.textAlign || '').toLowerCase();
}

/**
 * What a table holds anywhere below it: another table, a block the plugin
 * keeps as HTML, its first caption. A nested table answers from its own
 * facts (measured once), so nested tables cost no more than flat ones.
 */
function scanInside(table: AnyNode, factsOf: (table: AnyNode) => TableFacts): { table: boolean; htmlWorthy: boolean; caption: string | null } {
  const found = { table: false, htmlWorthy: false, caption: null as string | null };
  const stack: AnyNode[] = [];
  for (let c = table.lastChild; c; c = c.previousSibling) stack.push(c);
  while (stack.length) {
    const node = stack.pop();
    if (node.nodeType !== 1) continue;
    const name = String(node.nodeName);
    if (name === 'TABLE') {
      const nested = factsOf(node);
      found.table = true;
      found.htmlWorthy ||= nested.asHtml;
      found.caption ??= nested.caption;
      continue;
    }
    if (HTML_WORTHY.has(name)) found.htmlWorthy = true;
    if (name === 'CAPTION') found.caption ??= node.textContent || '';
    for (let c = node.lastChild; c; c = c.previousSibling) stack.push(c);
  }
  return found;
}

// A tr is a heading row if its parent is a THEAD, or it is the first child
// of the TABLE or of the first TBODY (after a blank THEAD) and every cell is a TH.
function isHeadingRow(tr: AnyNode): boolean {
  const parent = tr.parentNode;
  if (parent.nodeName === 'THEAD') return true;
  return parent.firstChild === tr && (parent.nodeName === 'TABLE' || isFirstTbody(parent)) && childList(tr).every((n) => n.nodeName === 'TH');
}

function isFirstTbody(element: AnyNode): boolean {
  const previous = element.previousSibling;
  return element.nodeName === 'TBODY' && (!previous || (previous.nodeName === 'THEAD' && /^\s*$/.test(previous.textContent)));
}

function childList(node: AnyNode): AnyNode[] {
  const list: AnyNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) list.push(c);
  return list;
}

function parentTable(node: AnyNode): AnyNode | null {
  for (let p = node.parentNode; p; p = p.parentNode) if (p.nodeName === 'TABLE') return p;
  return null;
}

function nearestDiv(node: AnyNode): AnyNode | null {
  for (let p = node.parentNode; p; p = p.parentNode) if (p.nodeName === 'DIV') return p;
  return null;
}
