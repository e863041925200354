/** RTF written here: info fields, Unicode and code-page text, tables, footnotes, skipped destinations, hostile nesting. */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-rtf-');
afterAll(() => fx.cleanup());

const RTF = [
  '{\\rtf1\\ansi\\ansicpg1252\\uc1\\deff0',
  "{\\fonttbl{\\f0\\froman\\fcharset0 Times;}{\\f1\\fmodern\\fcharset128 MS Mincho{\\*\\falt \\'82\\'6c};}}",
  '{\\colortbl;\\red0\\green0\\blue0;}',
  '{\\info{\\title Quarterly  notes}{\\author Ann Lee}{\\company ACME}}',
  '{\\*\\unknowndest this must not appear}',
  "\\pard\\plain Caf\\'e9 cr\\u232\\'3fme {\\f1 \\'93\\'fa\\'96\\'7b}\\par",
  'Second line\\line same paragraph{\\*\\fldinst HYPERLINK "x"}{\\fldrslt link text}\\par',
  'Note here{\\footnote \\pard Footnote body.}\\par',
  '\\trowd\\cellx1000\\cellx2000\\pard\\intbl A1\\cell B1\\cell\\row',
  '\\trowd\\cellx1000\\cellx2000\\pard\\intbl A2\\cell B2\\cell\\row',
  '\\pard After the table\\par',
  '{\\pict\\pngblip 89504e47}',
  '}',
].join('\n');

describe('RTF', () => {
  it('text with code-page and Unicode characters, info fields, a table, a footnote; skipped destinations stay out', async () => {
    const r = await extractOk(fx.write('doc.bin', RTF));
    expect(r.format).toBe('rtf');
    expect(r.text.split('\n\n').slice(0, 4)).toEqual(['Café crème 日本', 'Second line\nsame paragraphlink text', 'Note here', 'A1\tB1\nA2\tB2']);
    expect(r.text).toContain('After the table');
    expect(r.text).not.toMatch(/must not appear|HYPERLINK|89504e47|Times|MS Mincho/);
    expect(r.metadata).toMatchObject({ title: 'Quarterly  notes', author: 'Ann Lee', company: 'ACME', footnotes: ['Footnote body.'] });
    expect(r.tables).toEqual([
      {
        name: 'table 1',
        rows: [
          ['A1', 'B1'],
          ['A2', 'B2'],
        ],
        hasHeader: false,
      },
    ]);
    expect(r.markdown).toContain('| A1 | B1 |');
  });

  it('a truncated document keeps the text read so far', async () => {
    const r = await extractOk(fx.write('cut.rtf', RTF.slice(0, RTF.indexOf('Note here'))));
    expect(r.text).toContain('Café crème');
  });

  it('hostile nesting is a resource_limit, not a stack overflow', async () => {
    expect((await extractErr(fx.write('deep.rtf', '{\\rtf1' + '{'.repeat(50_000) + 'x'))).code).toBe('resource_limit');
  });
});
