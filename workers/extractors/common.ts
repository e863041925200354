/** Helpers shared by the text-based extractors. */
import { decodeText, declaredCharset } from '../text/decode';
import type { ExtractInput } from './types';

export interface DecodedInput {
  text: string;
  encoding: string;
  warnings: string[];
  /** The file has no bytes, or only whitespace. */
  empty: boolean;
}

/**
 * Reads and decodes the file. `useDeclared` honours an HTML <meta charset>
 * or XML encoding="..." declaration (after a BOM and the user's choice).
 */
export async function readText(input: ExtractInput, useDeclared = false): Promise<DecodedInput> {
  const bytes = await input.read();
  const decoded = decodeText(bytes, {
    override: input.options.encoding,
    declared: useDeclared ? declaredCharset(bytes) : undefined,
  });
  const warnings = [...decoded.warnings];
  let empty = false;
  if (bytes.length === 0) {
    warnings.push('File is empty (0 bytes)');
    empty = true;
  } else if (decoded.text.trim().length === 0) {
    warnings.push('File contains only whitespace');
    empty = true;
  }
  return { text: decoded.text, encoding: decoded.encoding, warnings, empty };
}

/** A cell as GFM allows it: pipes escaped, line breaks as <br>. */
function mdCell(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>')
    .trim();
}

/**
 * Rows -> a GFM table. GFM needs a header row; when the data has none we
 * emit an empty one so the table still renders.
 */
export function markdownTable(rows: string[][], hasHeader = true): string {
  if (rows.length === 0) return '';
  const width = rows.reduce((w, r) => Math.max(w, r.length), 1);
  const line = (r: string[]) => '| ' + Array.from({ length: width }, (_, i) => mdCell(r[i] ?? '')).join(' | ') + ' |';
  const header = hasHeader ? rows[0]! : Array.from({ length: width }, () => '');
  const body = hasHeader ? rows.slice(1) : rows;
  const out = [line(header), '| ' + Array.from({ length: width }, () => '---').join(' | ') + ' |'];
  for (const r of body) out.push(line(r));
  return out.join('\n');
}

/** "1-3, 5, 7-9" from sorted page numbers. */
export function formatRanges(numbers: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Caps a warning list so a badly broken file cannot produce a million warnings. */
export class WarningList {
  readonly items: string[] = [];
  private dropped = 0;
  constructor(private readonly max = 100) {}
  add(message: string): void {
    if (this.items.length < this.max) this.items.push(message);
    else this.dropped++;
  }
  toArray(): string[] {
    return this.dropped ? [...this.items, `…and ${this.dropped} more similar warnings`] : [...this.items];
  }
}
