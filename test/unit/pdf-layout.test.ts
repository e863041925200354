/** Text items as pdf.js gives them (string, transform, width) assembled into lines. */
import { describe, expect, it } from 'vitest';
import { cleanPageText, layoutText, type PdfTextItem } from '../../workers/extractors/pdf/layout';

/** An item at x on baseline y, 10-point text, each character 5 units wide. */
const item = (str: string, x: number, y = 700): PdfTextItem => ({ str, transform: [10, 0, 0, 10, x, y], width: str.length * 5, height: 10 });

describe('PDF text items to lines', () => {
  it('a kerned colon or comma drawn apart gets no space; one a real space away keeps it', () => {
    // "Total" ends at 50; the colon 2 units later (0.2 of the size): kerning, not a space.
    expect(layoutText([item('Total', 25), item(':', 52), item('42', 60)])).toBe('Total: 42');
    expect(layoutText([item('one', 0), item(',', 17), item('two', 26)])).toBe('one, two');
    // A French-style space before the colon, as wide as a space (0.4 of the size), is kept.
    expect(layoutText([item('Prix', 0), item(':', 24)])).toBe('Prix :');
  });

  it('words drawn as separate items get their space; a new baseline a new line', () => {
    expect(layoutText([item('Hello', 0), item('world', 27)])).toBe('Hello world');
    expect(layoutText([item('Line one', 0), item('Line two', 0, 680)])).toBe('Line one\nLine two');
  });
});

describe('PDF reading order and words (issue 15, measured against pdftotext in bench case 15)', () => {
  it('an accent drawn as a glyph of its own before its letter lands on it, not a space before it', () => {
    // tracemonkey.pdf: "a na¨" then "ıve ..." starting inside it (TeX draws the diaeresis over a dotless i).
    expect(layoutText([item('a na¨', 0), item('ıve idea', 22)])).toBe('a naïve idea');
    expect(layoutText([item('caf', 0), item('´', 13), item('e', 13)])).toBe('café');
    // A spacing accent that is really followed by a gap stays what it is.
    expect(layoutText([item('x ¨', 0), item('y', 40)])).toBe('x ¨ y');
  });

  it("a running header's page number drawn after the title, at the left margin, is not glued to it", () => {
    // The title right-aligned (ends at 560), then "12" at the left margin on the same baseline.
    expect(layoutText([item('Journal of Stone Studies', 440, 760), item('12', 50, 760), { ...item('', 0, 760), hasEOL: true }]).trim()).toBe(
      'Journal of Stone Studies 12',
    );
    // Kerning back by less than a letter stays glued: "AV" drawn as "A" then "V" pulled left.
    expect(layoutText([item('A', 0), item('V', 3)])).toBe('AV');
  });

  it('a word hyphenated at a line end is joined again; a hyphen after a digit or before a capital stays', () => {
    expect(cleanPageText('the com-\npile step\nnext').text).toBe('the compile\nstep\nnext');
    expect(cleanPageText('a na-\nive\n\nNew paragraph').text).toBe('a naive\n\nNew paragraph');
    expect(cleanPageText('ends here com-\npile').text).toBe('ends here compile');
    expect(cleanPageText('lua-l/2008-\n10.html').text).toBe('lua-l/2008-\n10.html');
    expect(cleanPageText('Anglo-\nSaxon').text).toBe('Anglo-\nSaxon');
  });

  it('margin line numbers drawn as a block before the text go back to the start of their lines', () => {
    // scotus-transcript-p1.pdf: numbers right-aligned at 104 drawn first, then the text; line 3 is empty.
    const y = (n: number) => 700 - 26 * n;
    const numbers = [1, 2, 3, 4, 5, 6].map((n) => ({ ...item(String(n), 104 - String(n).length * 5, y(n)), hasEOL: true }));
    const lines = ['Official header', 'IN THE SUPREME COURT', 'first line', 'second line', 'fourth line', 'fifth line', 'sixth line'];
    const text = [item(lines[0]!, 150, 740), ...[1, 2, 4, 5, 6].map((n, k) => ({ ...item(lines[k + 1]!, 130, y(n)), hasEOL: true }))];
    expect(cleanPageText(layoutText([...numbers, ...text])).text.split('\n')).toEqual([
      'Official header',
      '1 IN THE SUPREME COURT',
      '2 first line',
      '3',
      '4 second line',
      '5 fourth line',
      '6 fifth line',
    ]);
  });

  it('a column of figures that are not line numbers keeps its order', () => {
    const figures = [10, 11, 12, 13, 14].map((n, k) => ({ ...item(String(n), 300, 700 - 20 * k), hasEOL: true }));
    const prose = [{ ...item('A paragraph on its own', 20, 400), hasEOL: true }];
    expect(cleanPageText(layoutText([...figures, ...prose])).text.split('\n')).toEqual(['10', '11', '12', '13', '14', 'A paragraph on its own']);
  });

  it('a font with no Unicode mapping at all is dropped and counted, not turned into stray letters', () => {
    // TAMReview.pdf: a Cambria subset without ToUnicode, glyphs named g18, g152...: pdf.js gives raw codes.
    const font = (str: string, x: number, fontName: string) => ({ ...item(str, x), fontName });
    const garbled = font('\u0002\u0003\u0004\u0005 ! " #\u0006\u0007\u000e\u000f', 0, 'f1');
    const page = cleanPageText(layoutText([font('Abstract', 0, 'f2'), { ...garbled, transform: [10, 0, 0, 10, 0, 680] }]));
    expect(page.text).toBe('Abstract');
    expect(page.removedControls).toBe(11); // every glyph of the font, the printable-looking ones too
    // A font with a proper mapping that lacks only its space glyph (U+0002) keeps its words.
    expect(cleanPageText(layoutText([font('Ease\u0002of\u0002Use', 0, 'f3')])).text).toBe('Ease of Use');
  });

  it('two columns drawn row by row: a title across the page first, then the left column, then the right', () => {
    const left = ['the left column starts here and', 'goes on for a few more words', 'and ends its paragraph here'];
    const right = ['the right column starts here and', 'it also has a few words more', 'before its paragraph ends'];
    const rows = left.flatMap((l, i) => [item(l, 50, 680 - i * 14), { ...item(right[i]!, 320, 680 - i * 14), hasEOL: true }]);
    const title = { ...item('A title set across the whole width of the page', 150, 720), hasEOL: true };
    expect(cleanPageText(layoutText([title, ...rows])).text.split('\n')).toEqual([title.str, ...left, ...right]);
    // A table of short cells drawn row by row keeps its rows.
    const table = [0, 1, 2, 3].flatMap((i) => [item(`Stone ${i}`, 50, 600 - i * 14), { ...item(`${i * 7} t`, 320, 600 - i * 14), hasEOL: true }]);
    expect(layoutText(table).trim().split('\n')).toEqual(['Stone 0 0 t', 'Stone 1 7 t', 'Stone 2 14 t', 'Stone 3 21 t']);
    // So does a code listing with its comments aligned on the right (tracemonkey.pdf).
    const code = ['mov edx, ebx(748)', 'mov edi(0), edx', 'mov esi, ebx(764)'].flatMap((c, i) => [
      item(c, 50, 500 - i * 14),
      { ...item('// load primes from the trace record', 200, 500 - i * 14), hasEOL: true },
    ]);
    expect(layoutText(code).trim().split('\n')[0]).toBe('mov edx, ebx(748) // load primes from the trace record');
  });

  it('a small block at the bottom moves after the body only when it is a footnote (a number or symbol first)', () => {
    const small = (str: string, x: number, y: number): PdfTextItem => ({ str, transform: [7, 0, 0, 7, x, y], width: str.length * 3.5, height: 7 });
    const body = ['The body of the page begins here', 'and it goes on for another line', 'before it ends at this very line'].map((t, i) => ({
      ...item(t, 50, 700 - i * 14),
      hasEOL: true,
    }));
    const note = { ...small('* The source of this claim is lost.', 50, 100), hasEOL: true };
    const credit = { ...small('Photograph by the quarry owner', 50, 100), hasEOL: true };
    expect(
      layoutText([note, ...body])
        .trim()
        .split('\n'),
    ).toEqual([...body.map((b) => b.str), note.str]);
    expect(
      layoutText([...body, note])
        .trim()
        .split('\n'),
    ).toEqual([...body.map((b) => b.str), note.str]);
    expect(
      layoutText([credit, ...body])
        .trim()
        .split('\n'),
    ).toEqual([credit.str, ...body.map((b) => b.str)]);
  });
});
