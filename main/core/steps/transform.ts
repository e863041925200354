/**
 * The transform step: pure clean-ups of an extraction result.
 * - clean_text: drops control characters, joins words hyphenated across line
 *   breaks, collapses runs of spaces and of blank lines, trims line ends;
 * - normalize_tables: trims cells, pads ragged rows, drops empty rows and columns;
 * - markdown: fills an empty Markdown from the text and the tables.
 */
import type { ExtractionResult, Table } from '../../../shared/extraction.js';
import type { StepExecutor } from './types.js';

export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/(\p{L})-\n(\p{Ll})/gu, '$1$2')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function normalizeTable(table: Table): Table {
  let rows = table.rows.map((r) => r.map((c) => c.replace(/\s+/g, ' ').trim()));
  rows = rows.filter((r) => r.some((c) => c !== ''));
  const width = Math.max(0, ...rows.map((r) => r.length));
  rows = rows.map((r) => [...r, ...Array<string>(width - r.length).fill('')]);
  const keep = Array.from({ length: width }, (_, i) => rows.some((r) => r[i] !== ''));
  rows = rows.map((r) => r.filter((_, i) => keep[i]));
  return { ...table, rows };
}

export function tableToMarkdown(table: Table): string {
  if (!table.rows.length) return '';
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
  const [head, ...body] = table.hasHeader ? table.rows : [table.rows[0]!.map((_, i) => `Column ${i + 1}`), ...table.rows];
  const line = (r: string[]) => `| ${r.map(esc).join(' | ')} |`;
  return [line(head!), line(head!.map(() => '---')), ...body.map(line)].join('\n');
}

export function transform(result: ExtractionResult, options: Record<string, unknown>): ExtractionResult {
  let out = result;
  if (options.clean_text) {
    out = { ...out, text: cleanText(out.text), pages: out.pages?.map((p) => ({ ...p, text: cleanText(p.text) })) };
    // The full text of a large file stays in its file, as extracted: say that only the preview was cleaned.
    if (out.fullText)
      out = { ...out, warnings: [...out.warnings, 'clean_text cleaned the stored preview only; the full text file (and exports) hold the text as extracted'] };
  }
  if (options.normalize_tables) out = { ...out, tables: out.tables.map(normalizeTable) };
  // A large text's Markdown is its full text (fullText.markdownIsText): filling it from the preview would only duplicate it.
  if (options.markdown && !out.markdown.trim() && !out.fullText?.markdownIsText) {
    const parts = [out.text, ...out.tables.map((t) => (t.name ? `## ${t.name}\n\n` : '') + tableToMarkdown(t))];
    out = { ...out, markdown: parts.filter((p) => p.trim()).join('\n\n') };
  }
  return out;
}

export const transformStep: StepExecutor = async (state, step) => {
  if (!state.result) throw new Error('transform needs a result: put an extract step before it');
  return { ...state, result: transform(state.result, step.options) };
};
