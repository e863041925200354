/** Counters shared by the text-based extractors; single passes, no big temporary arrays. */

export interface TextStats {
  lines: number;
  words: number;
  chars: number;
}

/** Lines as an editor counts them: a trailing newline does not open a new line. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  const last = text.charCodeAt(text.length - 1);
  return last === 10 || last === 13 ? n : n + 1;
}

export function textStats(text: string): TextStats {
  let words = 0;
  let chars = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Count code points, not UTF-16 units: skip the low half of a surrogate pair.
    if (c < 0xdc00 || c > 0xdfff) chars++;
    const space =
      c === 32 ||
      (c >= 9 && c <= 13) ||
      c === 0xa0 ||
      c === 0x3000 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x1680 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0xfeff;
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return { lines: countLines(text), words, chars };
}

/** Splits on any line ending (LF, CRLF, CR). */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function lineEnding(text: string): 'LF' | 'CRLF' | 'CR' | 'mixed' | 'none' {
  let crlf = 0;
  let lf = 0;
  let cr = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) {
        crlf++;
        i++;
      } else cr++;
    } else if (c === 10) lf++;
  }
  const kinds = [crlf > 0, lf > 0, cr > 0].filter(Boolean).length;
  if (kinds === 0) return 'none';
  if (kinds > 1) return 'mixed';
  return crlf ? 'CRLF' : lf ? 'LF' : 'CR';
}

/**
 * textStats, countLines and lineEnding over a text that arrives in chunks
 * (a streamed file): the same figures as on the whole string, with the
 * state a chunk boundary can cut (a word, a CR before its LF) carried over.
 */
export class TextCounter {
  private words = 0;
  private chars = 0;
  private inWord = false;
  private breaks = 0;
  private crlf = 0;
  private lf = 0;
  private cr = 0;
  /** The previous chunk ended with CR: a leading LF completes a CRLF. */
  private pendingCr = false;
  private last = -1;

  add(text: string): void {
    if (text.length === 0) return;
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.charCodeAt(0) === 10) {
        this.crlf++;
        this.chars++;
        this.inWord = false;
        i = 1; // the CR already counted the line break; LF is whitespace
      } else this.cr++;
    }
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff) this.chars++;
      if (isSpace(c)) this.inWord = false;
      else if (!this.inWord) {
        this.inWord = true;
        this.words++;
      }
      if (c === 10) {
        this.breaks++;
        this.lf++;
      } else if (c === 13) {
        this.breaks++;
        if (i + 1 === text.length) this.pendingCr = true;
        else if (text.charCodeAt(i + 1) === 10) {
          this.crlf++;
          this.chars++; // the LF, skipped below
          i++;
        } else this.cr++;
      }
    }
    this.last = text.charCodeAt(text.length - 1);
  }

  stats(): TextStats {
    const lines = this.last < 0 ? 0 : this.last === 10 || this.last === 13 ? this.breaks : this.breaks + 1;
    return { lines, words: this.words, chars: this.chars };
  }

  lineEnding(): ReturnType<typeof lineEnding> {
    const cr = this.cr + (this.pendingCr ? 1 : 0);
    const kinds = [this.crlf > 0, this.lf > 0, cr > 0].filter(Boolean).length;
    if (kinds === 0) return 'none';
    if (kinds > 1) return 'mixed';
    return this.crlf ? 'CRLF' : this.lf ? 'LF' : 'CR';
  }
}

function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x3000 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x1680 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0xfeff
  );
}
