/** Text items as pdf.js gives them (string, transform, width) assembled into lines. */
import { describe, expect, it } from 'vitest';
import { layoutText, type PdfTextItem } from '../../workers/extractors/pdf/layout';

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
