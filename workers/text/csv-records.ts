/**
 * Cuts a CSV that arrives in chunks into segments of whole records, so each
 * segment can go through papaparse on its own and parse exactly as it would
 * inside the whole file. A record ends at a line break outside quotes; the
 * quote rules are papaparse's: a quote opens a field only as its first
 * character, `""` inside is a quote, and a quote closes the field only when
 * followed (after spaces) by the delimiter or the line break; any other
 * quote is a stray one and the field stays open.
 */

export class RecordSplitter {
  private buf = '';
  /** Where scanning resumes: everything before it has been classified. */
  private pos = 0;
  private inQuotes = false;
  private fieldStart = true;
  /** End of the last complete record in `buf` (0: none yet). */
  private lastBoundary = 0;
  /** Characters a delimiter or line break may be cut in at the end of `buf`. */
  private readonly hold: number;

  constructor(
    private readonly delimiter: string,
    private readonly newline: string,
    /** Segments are cut once this many characters of whole records are buffered. */
    private readonly segmentChars = 1024 * 1024,
    /** An unterminated quote must not buffer the rest of the file: past this, cut anyway. */
    private readonly maxPending = 64 * 1024 * 1024,
  ) {
    this.hold = Math.max(delimiter.length, newline.length) - 1;
  }

  /** Adds text; returns the segments now complete (usually none or one). */
  push(text: string): string[] {
    this.buf += text;
    this.scan();
    if (this.lastBoundary >= this.segmentChars) return [this.take(this.lastBoundary)];
    if (this.buf.length >= this.maxPending) return [this.take(this.lastBoundary || this.buf.length)];
    return [];
  }

  /** The rest, at the end of the file. */
  end(): string {
    const rest = this.buf;
    this.buf = '';
    this.pos = this.lastBoundary = 0;
    return rest;
  }

  private take(end: number): string {
    const segment = this.buf.slice(0, end);
    this.buf = this.buf.slice(end);
    if (end === this.lastBoundary) this.pos -= end;
    else {
      // A forced cut inside a record: start over as if a new record began.
      this.pos = 0;
      this.inQuotes = false;
      this.fieldStart = true;
    }
    this.lastBoundary = 0;
    return segment;
  }

  private scan(): void {
    const b = this.buf;
    const nl = this.newline;
    const d = this.delimiter;
    let i = this.pos;
    // Next delimiter / line break at or after i (-1: none in the buffer; -2: not looked yet).
    let nd = -2;
    let nn = -2;
    while (i < b.length) {
      if (this.inQuotes) {
        const next = this.closeQuote(b, i);
        if (next < 0) return; // what follows the quote has not arrived yet (pos is set)
        i = next;
        continue;
      }
      if (this.fieldStart && b.charCodeAt(i) === 34) {
        this.inQuotes = true;
        this.fieldStart = false;
        i++;
        continue;
      }
      if (nd !== -1 && nd < i) nd = b.indexOf(d, i);
      if (nn !== -1 && nn < i) nn = b.indexOf(nl, i);
      if (nn !== -1 && (nd === -1 || nn < nd)) {
        i = nn + nl.length;
        this.fieldStart = true;
        this.lastBoundary = i;
      } else if (nd !== -1) {
        i = nd + d.length;
        this.fieldStart = true;
      } else {
        // The field runs past the buffer; rescan its last characters, where a token may be cut.
        const resume = Math.max(i, b.length - this.hold);
        if (resume > i) this.fieldStart = false;
        i = resume;
        break;
      }
    }
    this.pos = i;
  }

  /** Inside quotes at i: the index after the closing token, or -1 to wait for more text. */
  private closeQuote(b: string, i: number): number {
    for (;;) {
      const q = b.indexOf('"', i);
      if (q < 0) return b.length;
      let j = q + 1;
      if (j >= b.length) return this.wait(q);
      if (b.charCodeAt(j) === 34) {
        i = j + 1; // "" is a quote inside the field
        continue;
      }
      while (j < b.length && b.charCodeAt(j) === 32) j++;
      if (j + this.hold >= b.length) return this.wait(q);
      if (b.startsWith(this.delimiter, j)) {
        this.inQuotes = false;
        this.fieldStart = true;
        return j + this.delimiter.length;
      }
      if (b.startsWith(this.newline, j)) {
        this.inQuotes = false;
        this.fieldStart = true;
        this.lastBoundary = j + this.newline.length;
        return this.lastBoundary;
      }
      i = q + 1; // a stray quote (papaparse: InvalidQuotes); the field stays open
    }
  }

  private wait(at: number): number {
    this.pos = at;
    return -1;
  }
}
