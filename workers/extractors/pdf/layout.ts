/**
 * pdf.js text items -> lines. pdf.js marks most line ends (hasEOL) but not
 * all, and does not always emit the space between two words drawn as
 * separate items, so we also look at the item geometry. Closing punctuation
 * drawn as an item of its own (a kerned ":" after a label) gets a space only
 * when the gap is as wide as a real space: "Total:", not "Total :".
 */

/** A word gap, and the wider gap a space before closing punctuation needs (fractions of the font size). */
const WORD_GAP = 0.15;
const PUNCTUATION_GAP = 0.3;
const CLOSING = /^[,.;:!?)\]}%»”’]/;

export interface PdfTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL?: boolean;
}

export function layoutText(items: ReadonlyArray<PdfTextItem | { type: string }>): string {
  let out = '';
  let lastY: number | undefined;
  let lastEnd: number | undefined;
  let lastSize = 0;
  for (const raw of items) {
    if (!('str' in raw)) continue; // marked-content markers
    const it = raw;
    const [, , c = 0, d = 0, x = 0, y = 0] = it.transform;
    const size = Math.hypot(c, d) || it.height || lastSize || 1;
    if (lastY !== undefined && out.length && !out.endsWith('\n') && it.str.length) {
      if (Math.abs(y - lastY) > Math.max(size, lastSize) * 0.6) {
        out += '\n';
      } else if (lastEnd !== undefined && x - lastEnd > size * (CLOSING.test(it.str) ? PUNCTUATION_GAP : WORD_GAP) && !/\s$/.test(out) && !/^\s/.test(it.str)) {
        out += ' ';
      }
    }
    out += it.str;
    if (it.hasEOL) out += '\n';
    if (it.str.length) {
      lastY = y;
      lastEnd = x + it.width;
      lastSize = size;
    }
  }
  return out;
}

/**
 * C0 control characters other than tab/newline: glyph codes of fonts that
 * lack a Unicode mapping. Such fonts very often put the space glyph at a
 * low code (poppler shows U+0002 between words), so a run of them becomes
 * one space rather than nothing: "Overview of the", not "Overviewofthe".
 */
const CONTROL_RUN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]+/g;

export function cleanPageText(text: string): { text: string; removedControls: number } {
  let removedControls = 0;
  const cleaned = text.replace(CONTROL_RUN, (run, offset: number, all: string) => {
    removedControls += run.length;
    const before = all[offset - 1];
    const after = all[offset + run.length];
    return before === undefined || after === undefined || /\s/.test(before) || /\s/.test(after) ? '' : ' ';
  });
  return {
    text: cleaned
      .split('\n')
      .map((l) => l.replace(/[ \t\u00a0]+$/, ''))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    removedControls,
  };
}
