/**
 * A page's Markdown: its text, with each detected table in place of the
 * lines it was read from (the same content never appears twice: once as
 * lines of text and again as a table after the page). A line belongs to a
 * table when its baseline lies within the table's rows and it lies within
 * the table's left and right edges. A table none of whose lines is found
 * (a layout the lines do not follow) comes after the page's text, as before.
 */
import { markdownTable } from '../common';
import { cleanPageText, type Line } from './layout';
import type { PageTable } from './tables';

export interface NamedTable {
  name: string;
  table: PageTable;
  /** The table on the page before that this one goes on from. */
  continues?: string;
}

/** Markdown-significant line starts in extracted text are escaped ("# 1" is not a heading). */
const escapeText = (text: string) => text.replace(/^(\s*)([#>])/gm, '$1\\$2');

function inTable(line: Line, t: PageTable): boolean {
  if (line.y === undefined || line.x === undefined || !line.text.trim()) return false;
  const tol = (line.size ?? 10) * 0.5;
  return line.y <= t.top + tol && line.y >= t.bottom - tol && line.x >= t.left - tol && (line.end ?? line.x) <= t.right + tol;
}

const tableMarkdown = ({ name, table, continues }: NamedTable) =>
  `**${name}**${continues ? ` (continues ${continues})` : ''}\n\n${markdownTable(table.rows, table.hasHeader)}`;

export function pageMarkdown(lines: readonly Line[], tables: readonly NamedTable[]): string {
  const parts: string[] = [];
  const placed = new Set<NamedTable>();
  let text: string[] = [];
  const flush = () => {
    const cleaned = cleanPageText(text.join('\n')).text;
    if (cleaned) parts.push(escapeText(cleaned));
    text = [];
  };
  for (const line of lines) {
    const t = tables.find((n) => inTable(line, n.table));
    if (!t) {
      text.push(line.text);
      continue;
    }
    if (placed.has(t)) continue;
    flush();
    parts.push(tableMarkdown(t));
    placed.add(t);
  }
  flush();
  for (const t of tables) if (!placed.has(t)) parts.push(tableMarkdown(t));
  return parts.join('\n\n');
}
