/**
 * pdf.js text items -> lines. pdf.js marks most line ends (hasEOL) but not
 * all, and does not always emit the space between two words drawn as
 * separate items, so we also look at the item geometry. Closing punctuation
 * drawn as an item of its own (a kerned ":" after a label) gets a space only
 * when the gap is as wide as a real space: "Total:", not "Total :".
 *
 * The lines keep the content stream's order (which is the reading order in
 * the great majority of files, columns included); margin line numbers drawn
 * as a block of their own are put back on their lines (margin-numbers.ts),
 * and a footnote block drawn before body text that stands above it goes
 * after that text (footnotes.ts). Two columns of prose drawn row by row
 * across the page are read column by column (columns.ts).
 */
import { columnOrder } from './columns';
import { footnotesLast } from './footnotes';
import { mergeMarginNumbers, type Line } from './margin-numbers';

export type { Line };

/** A word gap, and the wider gap a space before closing punctuation needs (fractions of the font size). */
const WORD_GAP = 0.15;
const PUNCTUATION_GAP = 0.3;
const CLOSING = /^[,.;:!?)\]}%»”’]/;
/** How far (in font sizes) an item may start left of where the last one ended and still continue it (kerning, an accent over a letter). */
const BACKWARDS = 1;

export interface PdfTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL?: boolean;
  fontName?: string;
}

/**
 * Spacing accents that TeX and older producers draw as a glyph of their own
 * over the letter that follows ("na¨" then "ıve", overlapping), and the
 * combining mark each stands for.
 */
const SPACING_ACCENTS: Record<string, string> = {
  '\u00A8': '\u0308', // diaeresis
  '\u00B4': '\u0301', // acute
  '`': '\u0300', // grave
  '\u02C6': '\u0302', // circumflex
  '\u02DC': '\u0303', // tilde
  '\u00B8': '\u0327', // cedilla
  '\u02DA': '\u030A', // ring
  '\u02C7': '\u030C', // caron
  '\u00AF': '\u0304', // macron
  '\u02D8': '\u0306', // breve
  '\u02D9': '\u0307', // dot
  '\u02DD': '\u030B', // double acute
};

/** The accent drawn before its letter, put on it: "na¨" + "ıve" -> "naïve" (the dotless i is there only because the accent takes the dot's place). */
function placeAccent(line: string, next: string): { line: string; next: string } | undefined {
  const mark = SPACING_ACCENTS[line.slice(-1)];
  const base = next[0];
  if (!mark || !base || !/\p{L}/u.test(base)) return undefined;
  const letter = base === '\u0131' ? 'i' : base === '\u0237' ? 'j' : base;
  return { line: line.slice(0, -1), next: (letter + mark).normalize('NFC') + next.slice(1) };
}

/**
 * Fonts of the page with no usable Unicode mapping at all: no ToUnicode and
 * glyph names that say nothing ("g18", "g152": glyph ids of the original
 * font). pdf.js then falls back to the raw codes, low ones as control
 * characters and the others as whatever ASCII letter has that code, so even
 * the printable part is garbage ("! \" #" for a name). A font is taken for
 * one when many distinct codes and a large share of its characters come out
 * unmapped; a font with a proper mapping that only lacks its space glyph
 * (U+0002 between words) or a ligature or two stays.
 */
function unmappedFonts(items: ReadonlyArray<PdfTextItem>): Set<string> {
  const seen = new Map<string, { chars: number; unmapped: number; codes: Set<number> }>();
  for (const it of items) {
    if (!it.fontName || !it.str) continue;
    let s = seen.get(it.fontName);
    if (!s) seen.set(it.fontName, (s = { chars: 0, unmapped: 0, codes: new Set<number>() }));
    // A loop over char codes, not regular expressions: this runs over every glyph of every page.
    const str = it.str;
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xa0) continue;
      s.chars++;
      if (c < 0x20 || c === 0x7f) {
        s.unmapped++;
        s.codes.add(c);
      }
    }
  }
  const out = new Set<string>();
  for (const [font, s] of seen) if (s.codes.size > 3 && s.unmapped >= 0.3 * s.chars) out.add(font);
  return out;
}

/** Text items -> lines, in the content stream's order; counts the glyphs of fonts without a mapping. */
function collectLines(items: ReadonlyArray<PdfTextItem>): { lines: Line[]; unmappedFontGlyphs: number } {
  const garbled = unmappedFonts(items);
  let unmappedFontGlyphs = 0;
  const lines: Line[] = [{ text: '' }];
  let line = lines[0]!;
  const newLine = () => {
    line = { text: '' };
    lines.push(line);
  };
  let lastY: number | undefined;
  let lastEnd: number | undefined;
  let lastSize = 0;
  for (const it of items) {
    const [, , c = 0, d = 0, x = 0, y = 0] = it.transform;
    const size = Math.hypot(c, d) || it.height || lastSize || 1;
    // Every character of a font without a mapping counts as unmapped (cleanPageText drops and counts them).
    let str = it.str;
    if (it.fontName && garbled.has(it.fontName)) {
      str = str.replace(/\S/g, '\u0001');
      unmappedFontGlyphs += str.length;
    }
    if (lastY !== undefined && line.text.length && str.length) {
      if (Math.abs(y - lastY) > Math.max(size, lastSize) * 0.6) {
        newLine();
      } else if (lastEnd !== undefined && x < lastEnd - size * 0.1 && placeAccent(line.text, str)) {
        ({ line: line.text, next: str } = placeAccent(line.text, str)!);
      } else if (
        lastEnd !== undefined &&
        // A gap as wide as a space, or a jump back left on the same baseline (a running header drawn right part
        // first, then its page number at the left margin): "Journal of Stone 12", not "Journal of Stone12".
        (x - lastEnd > size * (CLOSING.test(str) ? PUNCTUATION_GAP : WORD_GAP) || x < lastEnd - size * BACKWARDS) &&
        !/\s$/.test(line.text) &&
        !/^[\s\p{M}]/u.test(str)
      ) {
        line.text += ' ';
      }
    }
    line.text += str;
    if (str.length) {
      line.y ??= y;
      line.x ??= x;
      line.end = x + it.width;
      line.size = size;
      lastY = y;
      lastEnd = x + it.width;
      lastSize = size;
    }
    if (it.hasEOL) newLine();
  }
  return { lines, unmappedFontGlyphs };
}

/**
 * A page's text, and how many of its glyphs (spaces included) belong to
 * fonts with no Unicode mapping at all: they come out as control characters,
 * which cleanPageText drops and counts.
 */
export function layoutPage(items: ReadonlyArray<PdfTextItem | { type: string }>): { text: string; lines: Line[]; unmappedFontGlyphs: number } {
  const collected = collectLines(columnOrder(items.filter((it): it is PdfTextItem => 'str' in it))); // marked-content markers go
  const lines = footnotesLast(mergeMarginNumbers(collected.lines));
  return { text: lines.map((l) => l.text).join('\n'), lines, unmappedFontGlyphs: collected.unmappedFontGlyphs };
}

export function layoutText(items: ReadonlyArray<PdfTextItem | { type: string }>): string {
  return layoutPage(items).text;
}

/**
 * C0 control characters other than tab/newline: glyph codes of fonts that
 * lack a Unicode mapping. Such fonts very often put the space glyph at a
 * low code (poppler shows U+0002 between words), so a run of them becomes
 * one space rather than nothing: "Overview of the", not "Overviewofthe".
 */
const CONTROL_RUN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]+/g;

/**
 * A word broken at the end of a line by a hyphen, continued in lower case
 * on the next: joined again ("com-" / "pile" -> "compile"), as pdftotext
 * does, so that the word can be found. The rest of the next line stays on
 * its line. A hyphen after a digit ("2008-") or before a capital stays.
 */
const HYPHENATED = /(\p{L})[-\u00AD]\n(\p{Ll}\S*)[ \t]*(?:\n|(?=\S)|$)/gu;

export function joinHyphenated(text: string): string {
  return text.replace(HYPHENATED, (_m, last: string, rest: string) => `${last}${rest}\n`);
}

export function cleanPageText(text: string): { text: string; removedControls: number } {
  let removedControls = 0;
  const cleaned = text.replace(CONTROL_RUN, (run, offset: number, all: string) => {
    removedControls += run.length;
    const before = all[offset - 1];
    const after = all[offset + run.length];
    return before === undefined || after === undefined || /\s/.test(before) || /\s/.test(after) ? '' : ' ';
  });
  return {
    text: joinHyphenated(
      cleaned
        .split('\n')
        .map((l) => l.replace(/[ \t\u00a0]+$/, ''))
        .join('\n'),
    )
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    removedControls,
  };
}
