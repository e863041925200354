/**
 * RTF: a small tokenizer over the control words that carry text (paragraphs,
 * tabs, table cells and rows, Unicode \uN with its \ucN fallback skip, \'hh
 * bytes in the code page of the current font or the document), skipping the
 * destinations that do not (font and colour tables, pictures, field
 * instructions, unknown \* groups). Footnotes are collected apart, the \info
 * group gives title, author and the rest. Written here: the npm RTF readers
 * are unmaintained or convert to HTML through much larger code.
 *
 * Iterative (a group stack, no recursion), so deep nesting cannot overflow.
 */
import iconv from 'iconv-lite';
import { ExtractionError, type Table } from '../../shared/extraction';
import { markdownTable } from './common';
import type { ExtractionParts, Extractor } from './types';

const SKIP = new Set([
  'fonttbl',
  'colortbl',
  'stylesheet',
  'listtable',
  'listoverridetable',
  'rsidtbl',
  'pict',
  'object',
  'objdata',
  'themedata',
  'colorschememapping',
  'latentstyles',
  'datastore',
  'xmlnstbl',
  'generator',
  'mmathPr',
  'pgdsctbl',
  'fldinst',
  'filetbl',
  'revtbl',
  'wgrffmtfilter',
  'defchp',
  'defpap',
  'pn',
  'listtext',
  'bkmkstart',
  'bkmkend',
  'protusertbl',
  'docvar',
  'falt',
  'panose',
]);
const INFO = new Set(['title', 'subject', 'author', 'operator', 'keywords', 'comment', 'company', 'manager', 'category', 'doccomm']);
const SYMBOLS: Record<string, string> = {
  emdash: '—',
  endash: '–',
  bullet: '•',
  lquote: '‘',
  rquote: '’',
  ldblquote: '“',
  rdblquote: '”',
  emspace: ' ',
  enspace: ' ',
  qmspace: ' ',
};
/** \fcharset -> code page. */
const CHARSETS: Record<number, string> = {
  128: 'cp932',
  129: 'cp949',
  134: 'cp936',
  136: 'cp950',
  161: 'cp1253',
  162: 'cp1254',
  177: 'cp1255',
  178: 'cp1256',
  186: 'cp1257',
  204: 'cp1251',
  238: 'cp1250',
  222: 'cp874',
};
const MAX_DEPTH = 10_000;

interface Group {
  /** Text goes nowhere in this group (a skipped destination). */
  skip: boolean;
  /** Where text goes: the body, a footnote, or an \info field. */
  sink: string[];
  uc: number;
  font: number;
  destination?: string;
  /** The font table's entry being read: its number. */
  fontDef?: number;
}

export function parseRtf(src: string): { blocks: Array<string | string[][]>; footnotes: string[]; info: Record<string, string> } {
  if (!src.startsWith('{\\rtf')) throw new ExtractionError('corrupt_file', 'Not an RTF document: it does not start with {\\rtf');
  const fontCharset = new Map<number, number>();
  let ansi = 'cp1252';
  const body: string[] = [];
  const footnotes: string[] = [];
  const info: Record<string, string> = {};
  const blocks: Array<string | string[][]> = [];
  let row: string[] = [];
  const table: string[][] = [];
  const cell: string[] = [];
  let inTable = false;
  let bytes: number[] = [];
  let skipChars = 0;
  const stack: Group[] = [];
  let g: Group = { skip: false, sink: body, uc: 1, font: -1 };

  const flushBytes = () => {
    if (!bytes.length) return;
    const cs = fontCharset.get(g.font);
    const cp = (cs !== undefined && CHARSETS[cs]) || ansi;
    const text = iconv.encodingExists(cp) ? iconv.decode(Buffer.from(bytes), cp) : Buffer.from(bytes).toString('latin1');
    bytes = [];
    if (!g.skip) g.sink.push(text);
  };
  const emit = (s: string) => {
    flushBytes();
    if (skipChars > 0) {
      skipChars--;
      return;
    }
    if (!g.skip) g.sink.push(s);
  };
  const endParagraph = () => {
    flushBytes();
    if (g.sink !== body) return void g.sink.push('\n');
    const text = body.splice(0).join('');
    if (inTable) cell.push(text);
    else {
      if (table.length) blocks.push(table.splice(0));
      blocks.push(text);
    }
  };

  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '{') {
      flushBytes();
      if (stack.length >= MAX_DEPTH) throw new ExtractionError('resource_limit', `The RTF document nests groups more than ${MAX_DEPTH} deep`);
      stack.push(g);
      g = { ...g, destination: undefined, fontDef: undefined };
      skipChars = 0;
    } else if (c === '}') {
      flushBytes();
      const closing = g;
      g = stack.pop() ?? g;
      if (closing.destination === 'footnote') footnotes.push(closing.sink.join('').trim());
      else if (closing.destination && INFO.has(closing.destination)) info[closing.destination] = closing.sink.join('').trim();
    } else if (c === '\\') {
      const next = src[i + 1] ?? '';
      if (next === "'") {
        const hex = src.slice(i + 2, i + 4);
        i += 3;
        if (skipChars > 0) skipChars--;
        else if (/^[0-9a-fA-F]{2}$/.test(hex)) bytes.push(parseInt(hex, 16));
        continue;
      }
      const m = /^([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(src.slice(i + 1, i + 46));
      if (!m) {
        i++;
        if (next === '\\' || next === '{' || next === '}') emit(next);
        else if (next === '~') emit('\u00a0');
        else if (next === '_') emit('-');
        else if (next === '\n' || next === '\r') endParagraph();
        else if (next === '*') g.destination = '*';
        continue;
      }
      i += m[0].length;
      const word = m[1]!;
      const n = m[2] !== undefined ? Number(m[2]) : undefined;
      if (g.destination === '*' && !SKIP.has(word) && word !== 'footnote') {
        // An optional destination we do not know: skip it, as the specification says.
        g = { ...g, skip: true, destination: word };
        continue;
      }
      if (SKIP.has(word)) {
        g = { ...g, skip: true, destination: word };
        continue;
      }
      if (word === 'footnote') g = { ...g, skip: false, sink: [], destination: 'footnote' };
      else if (word === 'info') g = { ...g, skip: true, destination: 'info' };
      else if (INFO.has(word) && stack.some((s) => s.destination === 'info')) g = { ...g, skip: false, sink: [], destination: word };
      else if (word === 'ansicpg' && n) ansi = `cp${n}`;
      else if (word === 'uc' && n !== undefined) g.uc = n;
      else if (word === 'u' && n !== undefined) {
        emit(String.fromCharCode(n < 0 ? n + 65536 : n));
        skipChars = g.uc;
      } else if (word === 'f' && n !== undefined) {
        if (g.destination === 'fonttbl' || stack.some((s) => s.destination === 'fonttbl')) g.fontDef = n;
        else g.font = n;
      } else if (word === 'fcharset' && n !== undefined && g.fontDef !== undefined) fontCharset.set(g.fontDef, n);
      else if (word === 'par' || word === 'sect' || word === 'page') endParagraph();
      else if (word === 'line') emit('\n');
      else if (word === 'tab') emit('\t');
      else if (word === 'intbl') inTable = true;
      else if (word === 'pard') inTable = false;
      else if (word === 'cell' || word === 'nestcell') {
        endParagraph();
        row.push(cell.splice(0).join('\n').trim());
      } else if (word === 'row' || word === 'nestrow') {
        flushBytes();
        if (row.length) table.push(row);
        row = [];
      } else if (word === 'bin' && n) i += n;
      else if (SYMBOLS[word]) emit(SYMBOLS[word]!);
    } else if (c === '\n' || c === '\r') {
      continue;
    } else emit(c);
  }
  endParagraph();
  if (table.length) blocks.push(table);
  return { blocks, footnotes: footnotes.filter(Boolean), info };
}

export const rtfExtractor: Extractor = {
  name: 'rtf',
  version: '1.0.0',
  formats: ['rtf'],
  async extract(input): Promise<ExtractionParts> {
    const src = (await input.read()).toString('latin1');
    const { blocks, footnotes, info } = parseRtf(src);
    const tables: Table[] = blocks.filter((b): b is string[][] => Array.isArray(b)).map((rows, i) => ({ name: `table ${i + 1}`, rows, hasHeader: false }));
    const paragraphs = blocks.map((b) => (Array.isArray(b) ? b.map((r) => r.join('\t')).join('\n') : b.trim())).filter(Boolean);
    const md = blocks.map((b) => (Array.isArray(b) ? markdownTable(b, false) : b.trim())).filter(Boolean);
    const notes = footnotes.map((f, i) => `[${i + 1}] ${f}`);
    const text = [...paragraphs, ...(notes.length ? ['Footnotes:', ...notes] : [])].join('\n\n');
    const warnings = text ? [] : ['The document has no text'];
    return {
      text,
      markdown: [...md, ...(notes.length ? ['---', ...notes] : [])].join('\n\n'),
      metadata: { ...info, footnotes },
      tables,
      warnings,
      counters: { items: paragraphs.length, paragraphs: paragraphs.length, tables: tables.length, footnotes: footnotes.length },
    };
  },
};
