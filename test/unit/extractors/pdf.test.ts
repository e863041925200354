import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../workers/extract';
import { fixtureDir, makeBlankPdf, makeEncryptedPdf, makePdf, makeRepeatedPagePdf } from '../../helpers/fixtures';
import { extractInChild } from '../../helpers/child-extract';
import { extractErr, extractOk } from './helpers';

// Before anything here loads pdf.js (each test file gets its own worker).
const nativePush = Array.prototype.push;
const fx = fixtureDir('quarry-pdf-');
let twoPages: string;
let pdfBytes: Uint8Array;

beforeAll(async () => {
  pdfBytes = await makePdf({
    pages: [['Quarry test document', 'First page body text'], ['Second page says hello', '# not a heading'], ['Third page, last one']],
    title: 'Quarry Fixture',
    author: 'Ada Lovelace',
    subject: 'Testing',
    keywords: ['pdf', 'quarry'],
    creator: 'quarry tests',
    producer: 'pdf-lib',
    creationDate: new Date('2024-05-06T07:08:09Z'),
  });
  twoPages = fx.write('three-pages.pdf', pdfBytes);
});
afterAll(() => fx.cleanup());

describe('pdf extractor', () => {
  it("leaves the thread's builtins native once pdf.js is loaded (its polyfills swap Array.prototype.push)", async () => {
    await extractOk(twoPages);
    // (core-js makes its polyfills print as native code: identity is the test.
    // It swaps push on V8 before 12.2 only, so this guards Node 20.)
    expect(Array.prototype.push).toBe(nativePush);
    const a: number[] = [];
    expect(a.push(1, 2)).toBe(2);
    // What pdf.js's polyfills add for Node 20 stays.
    expect(typeof (Promise as { withResolvers?: unknown }).withResolvers).toBe('function');
  });

  it('per-page text, joined text, Markdown sections', async () => {
    const r = await extractOk(twoPages);
    expect(r.format).toBe('pdf');
    expect(r.extractor.name).toBe('pdf');
    expect(r.extractor.version).toMatch(/^1\.\d+\.\d+\+pdfjs\.5\./);
    expect(r.pages).toEqual([
      { number: 1, text: 'Quarry test document\nFirst page body text' },
      { number: 2, text: 'Second page says hello\n# not a heading' },
      { number: 3, text: 'Third page, last one' },
    ]);
    expect(r.text).toBe('Quarry test document\nFirst page body text\n\nSecond page says hello\n# not a heading\n\nThird page, last one');
    expect(r.markdown).toBe(
      '## Page 1\n\nQuarry test document\nFirst page body text\n\n## Page 2\n\nSecond page says hello\n\\# not a heading\n\n## Page 3\n\nThird page, last one',
    );
    expect(r.counters).toMatchObject({ items: 3, pages: 3 });
    expect(r.warnings).toEqual([]);
  });

  it('document metadata', async () => {
    const r = await extractOk(twoPages);
    expect(r.metadata).toMatchObject({
      title: 'Quarry Fixture',
      author: 'Ada Lovelace',
      subject: 'Testing',
      keywords: 'pdf quarry',
      creator: 'quarry tests',
      producer: 'pdf-lib',
      creationDate: '2024-05-06T07:08:09.000Z',
      pdfVersion: '1.7',
      pageCount: 3,
      encrypted: false,
    });
  });

  it('reports progress page by page', async () => {
    const events: Array<[number, number]> = [];
    const out = await run({ path: twoPages, options: {} }, (p, t) => events.push([p, t]));
    expect(out.ok).toBe(true);
    expect(events).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
      [3, 3],
    ]);
  });

  it('pages without a text layer are named in a warning', async () => {
    const r = await extractOk(fx.write('blank.pdf', await makeBlankPdf(3)));
    expect(r.text).toBe('');
    expect(r.warnings).toEqual(['PDF has no text layer on any of its 3 pages, and no image there to OCR (blank, or text drawn as shapes?)']);
  });

  it('encrypted: needs a password, rejects a wrong one, opens with the right one', async () => {
    const p = fx.write('locked.pdf', makeEncryptedPdf({ userPassword: 'user', ownerPassword: 'owner', text: 'Top secret text', title: 'Locked Title' }));
    const missing = await extractErr(p);
    expect(missing).toMatchObject({ code: 'encrypted', details: { reason: 'password_required', password: 'required' } });
    expect(missing.message).toMatch(/needs a password: give it with --password/);
    expect(await extractErr(p, { password: 'nope' })).toMatchObject({ code: 'encrypted', details: { reason: 'incorrect_password', password: 'incorrect' } });
    const r = await extractOk(p, { password: 'user' });
    expect(r.text).toBe('Top secret text');
    expect(r.metadata).toMatchObject({ title: 'Locked Title', encrypted: true });
  });

  it('truncated PDF -> corrupt_file with a readable message, or a partial result; never a hang', async () => {
    const cut = pdfBytes.subarray(0, Math.floor(pdfBytes.length * 0.4));
    const out = await run({ path: fx.write('truncated.pdf', cut), options: {} });
    if (out.ok) {
      // pdf.js may rebuild the xref from the objects that survived.
      expect(out.result.warnings.length).toBeGreaterThan(0);
    } else {
      expect(out.error.code).toBe('corrupt_file');
      expect(out.error.message).toMatch(/PDF/);
    }
  });

  it('garbage after a PDF header and an empty .pdf are corrupt_file', async () => {
    const junk = await extractErr(fx.write('junk.pdf', '%PDF-1.7\n' + 'x'.repeat(5000)));
    expect(junk.code).toBe('corrupt_file');
    expect(junk.message).toMatch(/^PDF /);
    const empty = await extractErr(fx.write('empty.pdf', ''));
    expect(empty).toMatchObject({ code: 'corrupt_file', message: 'PDF file is empty (0 bytes)' });
  });
});

describe('PDF page budgets', () => {
  it('a page tree listing one page 200,000 times is refused as resource_limit before any page is read', async () => {
    // Unbounded, pdf.js's page lookup makes this file quadratic (about half an hour): a child process, killed if it runs on.
    const file = fx.write('fan-out.pdf', makeRepeatedPagePdf(200_000));
    const runs = await extractInChild([file], { killAfterMs: 60_000 });
    expect({ status: runs.status, signal: runs.signal }).toEqual({ status: 0, signal: null });
    expect(runs.outcomes[0]).toMatchObject({
      ok: false,
      error: {
        code: 'resource_limit',
        message: 'PDF declares 200,000 pages, over the limit of 10,000 (options.maxPages); no page was read',
        details: { pages: 200_000, maxPages: 10_000 },
      },
    });
  }, 90_000);

  it('maxPages is an option; at the limit the file extracts', async () => {
    const file = fx.write('repeated-3.pdf', makeRepeatedPagePdf(3));
    expect(await extractErr(file, { maxPages: 2 })).toMatchObject({ code: 'resource_limit', details: { pages: 3, maxPages: 2 } });
    const r = await extractOk(file, { maxPages: 3 });
    expect(r.pages?.map((p) => p.text)).toEqual(['The same page again', 'The same page again', 'The same page again']);
  });

  it('a page over its time budget fails the file as resource_limit (permanent), not timeout', async () => {
    // No page loads in a microsecond: the budget is surely spent, however fast the machine.
    const err = await extractErr(twoPages, { pageBudgetMs: 0.001 });
    expect(err).toMatchObject({ code: 'resource_limit', details: { page: 1, pageBudgetMs: 0.001 } });
    expect(err.message).toMatch(/^PDF page 1 took longer than the 0.001 ms a page may take \(options.pageBudgetMs\)/);
  });
});

describe('PDF tables from text geometry', () => {
  const item = (str: string, x: number, y: number, width = str.length * 5) => ({ str, transform: [10, 0, 0, 10, x, y], width, height: 10 });
  it('finds a grid of short cells and ignores prose', async () => {
    const { detectTables } = await import('../../../workers/extractors/pdf/tables');
    const grid = [
      item('Name', 50, 700),
      item('Qty', 200, 700),
      item('Price', 300, 700),
      item('Apples', 50, 686),
      item('3', 210, 686),
      item('1.20', 300, 686),
      item('Pears', 50, 672),
      item('12', 205, 672),
      item('0.80', 300, 672),
      item('Plums', 50, 658),
      item('7', 210, 658),
      item('2.10', 300, 658),
    ];
    const prose = [item('This is a paragraph of running text that is long.', 50, 600), item('It continues here on the next line of the page.', 50, 586)];
    expect(detectTables([...grid, ...prose])).toEqual([
      [
        ['Name', 'Qty', 'Price'],
        ['Apples', '3', '1.20'],
        ['Pears', '12', '0.80'],
        ['Plums', '7', '2.10'],
      ],
    ]);
    expect(detectTables(prose)).toEqual([]);
  });

  const grid = (rows: string[][], y0 = 700) => rows.flatMap((r, i) => r.map((c, k) => ({ ...item(c, 50 + k * 120, y0 - 14 * i), hasEOL: k === r.length - 1 })));

  it('dot leaders are stripped from cells; a header row is a header, a first row of figures is not', async () => {
    const { findTables } = await import('../../../workers/extractors/pdf/tables');
    const [toc] = findTables(
      grid([
        ['Chapter', 'Title', 'Page'],
        ['1', 'Granite ..........', '3'],
        ['2', 'Basalt . . . . . . .', '17'],
        ['3', 'Marble', '. . . . 42'],
      ]),
    );
    expect(toc!.rows.slice(1)).toEqual([
      ['1', 'Granite', '3'],
      ['2', 'Basalt', '17'],
      ['3', 'Marble', '42'],
    ]);
    expect(toc!.hasHeader).toBe(true);
    // A table continued from the page before starts with data: no row of it is a header.
    const [continued] = findTables(
      grid([
        ['Pears', '12', '0.80'],
        ['Plums', '7', '2.10'],
        ['Figs', '9', '3.40'],
      ]),
    );
    expect(continued!.hasHeader).toBe(false);
  });

  it('a table going on over the next page is marked as continuing the one before', async () => {
    const { continuesTable, findTables } = await import('../../../workers/extractors/pdf/tables');
    const header = ['Fruit', 'Qty', 'Price'];
    const [first] = findTables(grid([header, ['Apples', '3', '1.20'], ['Pears', '12', '0.80'], ['Plums', '7', '2.10']], 120));
    const [rest] = findTables(
      grid(
        [
          ['Figs', '9', '3.40'],
          ['Kiwis', '4', '0.90'],
          ['Limes', '6', '0.50'],
        ],
        780,
      ),
    );
    const [repeated] = findTables(grid([header, ['Figs', '9', '3.40'], ['Kiwis', '4', '0.90'], ['Limes', '6', '0.50']], 780));
    const [other] = findTables(
      grid(
        [
          ['Code', 'Stone', 'Tonnes'],
          ['G1', 'Granite', '40'],
          ['B2', 'Basalt', '12'],
          ['M3', 'Marble', '7'],
        ],
        780,
      ),
    );
    const [shifted] = findTables(
      grid(
        [
          ['Figs', '9', '3.40'],
          ['Kiwis', '4', '0.90'],
          ['Limes', '6', '0.50'],
        ],
        780,
      ).map((it) => ({ ...it, transform: [10, 0, 0, 10, it.transform[4]! * 1.5, it.transform[5]!] })),
    );
    expect([continuesTable(first!, rest!), continuesTable(first!, repeated!)]).toEqual([true, true]);
    expect([continuesTable(first!, other!), continuesTable(first!, shifted!)]).toEqual([false, false]);
  });

  it('through the extractor: a table split over two pages is one table continued, each row once in the Markdown', async () => {
    const { PDFDocument, StandardFonts } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const draw = (rows: string[][], top: number, intro?: string) => {
      const page = doc.addPage([612, 792]);
      if (intro) page.drawText(intro, { x: 72, y: 740, size: 12, font });
      rows.forEach((r, i) => r.forEach((c, k) => page.drawText(c, { x: 72 + k * 150, y: top - i * 18, size: 12, font })));
    };
    draw(
      [
        ['Stone', 'Tonnes', 'Price'],
        ['Granite', '40', '12.50'],
        ['Basalt', '12', '9.80'],
        ['Marble', '7', '31.00'],
      ],
      200,
      'Output of the year',
    );
    draw(
      [
        ['Slate', '22', '7.10'],
        ['Gneiss', '5', '14.20'],
        ['Schist', '3', '6.60'],
      ],
      740,
    );
    const r = await extractOk(fx.write('split-table.pdf', await doc.save()));
    expect(r.tables.map((t) => [t.name, t.hasHeader, t.continues])).toEqual([
      ['page 1 table 1', true, undefined],
      ['page 2 table 1', false, 'page 1 table 1'],
    ]);
    expect(r.markdown).toContain('**page 2 table 1** (continues page 1 table 1)');
    for (const stone of ['Granite', 'Slate']) expect(r.markdown.split(stone).length - 1).toBe(1);
    expect(r.markdown.indexOf('Output of the year')).toBeLessThan(r.markdown.indexOf('| Stone | Tonnes | Price |'));
  });

  it("in Markdown a table takes its lines' place in the page, and its content appears once", async () => {
    const { findTables } = await import('../../../workers/extractors/pdf/tables');
    const { layoutPage } = await import('../../../workers/extractors/pdf/layout');
    const { pageMarkdown } = await import('../../../workers/extractors/pdf/page-markdown');
    const items = [
      { ...item('Prices of the season', 50, 740), hasEOL: true },
      ...grid([
        ['Fruit', 'Qty', 'Price'],
        ['Apples', '3', '1.20'],
        ['Pears', '12', '0.80'],
        ['Plums', '7', '2.10'],
      ]),
      { ...item('Prices are per kilogram.', 50, 600), hasEOL: true },
    ];
    const laid = layoutPage(items);
    expect(laid.text).toContain('Pears 12 0.80'); // the plain text keeps the rows as lines
    const md = pageMarkdown(
      laid.lines,
      findTables(items).map((table) => ({ name: 'page 1 table 1', table })),
    );
    expect(md).toBe(
      [
        'Prices of the season',
        '**page 1 table 1**',
        '| Fruit | Qty | Price |\n| --- | --- | --- |\n| Apples | 3 | 1.20 |\n| Pears | 12 | 0.80 |\n| Plums | 7 | 2.10 |',
        'Prices are per kilogram.',
      ].join('\n\n'),
    );
  });
});

describe('PDF reading order: columns and footnotes (issue 15)', () => {
  const LEFT = [
    'Quarrying began on the hill in the spring',
    'of the year, when the snow had gone and',
    'the track to the upper face was open again',
    'for carts loaded with the first blocks cut',
  ];
  const RIGHT = [
    'The second face was opened in the autumn',
    'by a team that came down from the valley',
    'with new saws and a crane for the larger',
    'blocks, which went by rail to the coast.',
  ];
  const NOTE = 'Parish records give the date as 1851.';
  /** A US Letter page with two columns of 10-point prose (x 72 and 320) and a footnote under the left column. */
  async function twoColumnPdf(order: 'note-first' | 'columns' | 'rows'): Promise<string> {
    const { PDFDocument, StandardFonts } = await import('pdf-lib');
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage([612, 792]);
    const left = () => LEFT.forEach((t, i) => page.drawText(t, { x: 72, y: 700 - i * 14, size: 10, font }));
    const right = () => RIGHT.forEach((t, i) => page.drawText(t, { x: 320, y: 700 - i * 14, size: 10, font }));
    const note = () => {
      page.drawLine({ start: { x: 72, y: 112 }, end: { x: 150, y: 112 }, thickness: 0.5 });
      page.drawText('1', { x: 72, y: 103, size: 5, font });
      page.drawText(NOTE, { x: 76, y: 100, size: 8, font });
    };
    if (order === 'note-first') [note, left, right].forEach((f) => f());
    else if (order === 'columns') [left, note, right].forEach((f) => f());
    else {
      // Row by row across the gutter, then the footnote: the lines of a row must not be glued together.
      LEFT.forEach((t, i) => {
        page.drawText(t, { x: 72, y: 700 - i * 14, size: 10, font });
        page.drawText(RIGHT[i]!, { x: 320, y: 700 - i * 14, size: 10, font });
      });
      note();
    }
    return fx.write(`two-columns-${order}.pdf`, await doc.save());
  }

  it('a footnote drawn first in the stream comes after the body text', async () => {
    const r = await extractOk(await twoColumnPdf('note-first'));
    const text = r.pages![0]!.text;
    expect(text.indexOf(LEFT[0]!)).toBeGreaterThanOrEqual(0);
    expect(text.indexOf(RIGHT[3]!)).toBeLessThan(text.indexOf(NOTE));
    expect(text.trim().endsWith(`1 ${NOTE}`)).toBe(true);
  });

  it('two columns drawn column by column read left column then right, the left footnote after both', async () => {
    const r = await extractOk(await twoColumnPdf('columns'));
    const lines = r.pages![0]!.text.split('\n').filter((l) => l.trim());
    expect(lines).toEqual([...LEFT, ...RIGHT, `1 ${NOTE}`]);
    expect(r.markdown.indexOf(RIGHT[0]!)).toBeLessThan(r.markdown.indexOf(NOTE));
  });

  it('two columns drawn row by row across the page are read column by column, not glued line by line', async () => {
    const r = await extractOk(await twoColumnPdf('rows'));
    const lines = r.pages![0]!.text.split('\n').filter((l) => l.trim());
    expect(lines).toEqual([...LEFT, ...RIGHT, `1 ${NOTE}`]);
  });

  it('a two-column article page is not a table', async () => {
    for (const order of ['columns', 'rows'] as const) {
      const r = await extractOk(await twoColumnPdf(order));
      expect(r.tables).toEqual([]);
      expect(r.markdown).not.toContain('| ---');
    }
  });
});
