/** DOCX, PPTX, XLSX and ODS extraction from packages written here (no corpus files). */
import { afterAll, describe, expect, it } from 'vitest';
import { dateKindOfFormat, serialToIso } from '../../../workers/extractors/office/xlsx';
import { fixtureDir, makeDocx, makeOds, makePptx, makeXlsx, makeZipWith } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-office-');
afterAll(() => fx.cleanup());

describe('DOCX', () => {
  it('headings, lists and tables become Markdown; properties become metadata', async () => {
    const p = fx.write(
      'report.docx',
      makeDocx({
        title: 'Quarterly report',
        author: 'Ada',
        body: [
          { text: 'Results', style: 'Heading1' },
          { text: 'Revenue grew.' },
          { text: 'First point', bullet: true },
          { text: 'Second point', bullet: true },
          {
            table: [
              ['Region', 'Sales'],
              ['North', '10'],
              ['South', '7'],
            ],
          },
          { text: 'The end.' },
        ],
      }),
    );
    const r = await extractOk(p);
    expect(r.format).toBe('docx');
    expect(r.metadata).toMatchObject({ title: 'Quarterly report', author: 'Ada', created: '2024-01-02T03:04:05Z' });
    expect(r.markdown).toContain('# Results');
    expect(r.markdown).toMatch(/^-\s+First point$/m);
    expect(r.markdown).toContain('| Region | Sales |');
    expect(r.tables).toEqual([
      {
        name: 'table 1',
        rows: [
          ['Region', 'Sales'],
          ['North', '10'],
          ['South', '7'],
        ],
        hasHeader: false,
      },
    ]);
    expect(r.entities).toContainEqual({ type: 'heading', value: 'Results', attributes: { level: 1 } });
    expect(r.text.indexOf('Revenue grew.')).toBeLessThan(r.text.indexOf('The end.'));
    expect(r.extractor.name).toBe('docx');
  });

  it('a truncated package is a corrupt_file, not a crash', async () => {
    const whole = makeDocx({ body: [{ text: 'x' }] });
    const err = await extractErr(fx.write('cut.docx', whole.subarray(0, whole.length - 40)));
    expect(err.code).toBe('corrupt_file');
  });

  it('a zip bomb posing as a DOCX is refused before inflating', async () => {
    const p = fx.write(
      'bomb.docx',
      makeZipWith([
        { name: '[Content_Types].xml', data: '<Types/>' },
        { name: 'word/document.xml', data: Buffer.alloc(8 * 1024 * 1024), declaredSize: 2 * 1024 ** 3 },
      ]),
    );
    expect((await extractErr(p)).code).toBe('resource_limit');
  });
});

describe('PPTX', () => {
  it('slides in presentation order, with titles, bullets, tables and notes', async () => {
    const p = fx.write(
      'deck.pptx',
      makePptx({
        slides: [
          { title: 'Welcome', bullets: ['Point A', 'Point B'], notes: 'Say hello' },
          {
            title: 'Numbers',
            table: [
              ['Q', 'Value'],
              ['Q1', '3'],
            ],
          },
        ],
      }),
    );
    const r = await extractOk(p);
    expect(r.pages?.map((x) => x.number)).toEqual([1, 2]);
    expect(r.pages?.[0]?.text).toBe('Welcome\nPoint A\nPoint B\nNotes:\nSay hello');
    expect(r.pages?.[1]?.text).toContain('Q1\t3');
    expect(r.tables).toEqual([
      {
        name: 'slide 2 table 1',
        page: 2,
        rows: [
          ['Q', 'Value'],
          ['Q1', '3'],
        ],
        hasHeader: true,
      },
    ]);
    expect(r.entities.filter((e) => e.type === 'heading').map((e) => e.value)).toEqual(['Welcome', 'Numbers']);
    expect(r.markdown).toContain('## Slide 1: Welcome');
    expect(r.markdown).toContain('> **Notes:** Say hello');
    expect(r.text).not.toContain('‹#›'); // slide-number placeholders are not content
    expect(r.counters).toMatchObject({ slides: 2, tables: 1, notes: 1 });
    expect(r.metadata).toMatchObject({ title: 'Deck', author: 'Presenter', slides: 2 });
  });

  it('Markdown: bullets only where the slide has them, numbered lists numbered, text boxes as paragraphs', async () => {
    const para = (text: string, pPr = '') => `<a:p>${pPr}<a:r><a:t>${text}</a:t></a:r></a:p>`;
    const shape = (ph: string, paras: string) =>
      `<p:sp><p:nvSpPr><p:cNvPr id="5" name="x"/><p:cNvSpPr/><p:nvPr>${ph}</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>${paras}</p:txBody></p:sp>`;
    const shapes = [
      shape('', para('A plain text box.') + para('Its second paragraph.')),
      shape(
        '<p:ph type="body" idx="1"/>',
        para('Inherited bullet') + para('No bullet here', '<a:pPr><a:buNone/></a:pPr>') + para('Sub point', '<a:pPr lvl="1"/>'),
      ),
      shape(
        '',
        para('First step', '<a:pPr><a:buAutoNum type="arabicPeriod"/></a:pPr>') + para('Second step', '<a:pPr><a:buAutoNum type="arabicPeriod"/></a:pPr>'),
      ),
      shape('', para('Third', '<a:pPr><a:buAutoNum type="arabicPeriod" startAt="3"/></a:pPr>') + para('Starred', '<a:pPr><a:buChar char="*"/></a:pPr>')),
      shape('<p:ph type="subTitle" idx="2"/>', para('A subtitle')),
    ].join('');
    const r = await extractOk(fx.write('lists.pptx', makePptx({ slides: [{ title: 'Lists', shapes }] })));
    expect(r.markdown).toBe(
      [
        '## Slide 1: Lists',
        'A plain text box.',
        'Its second paragraph.',
        '- Inherited bullet',
        'No bullet here',
        '  - Sub point',
        '1. First step\n2. Second step',
        '3. Third',
        '- Starred',
        'A subtitle',
      ].join('\n\n'),
    );
  });

  it('a slide holding only an empty table has no text (the table is still listed)', async () => {
    const r = await extractOk(
      fx.write(
        'empty-table.pptx',
        makePptx({
          slides: [
            {
              table: [
                ['', ''],
                ['', ''],
              ],
            },
          ],
        }),
      ),
    );
    expect([r.text, r.pages?.[0]?.text, r.markdown, r.tables.length]).toEqual(['', '', '## Slide 1', 1]);
  });

  it('a presentation without slides gets a warning', async () => {
    const r = await extractOk(fx.write('empty.pptx', makePptx({ slides: [] })));
    expect(r.counters.slides).toBe(0);
    expect(r.warnings).toContain('The presentation has no slides');
  });
});

describe('XLSX', () => {
  it('every sheet is a table; strings, numbers, booleans, cached formula results, dates', async () => {
    const p = fx.write(
      'book.xlsx',
      makeXlsx({
        sheets: [
          {
            name: 'Data',
            rows: [
              ['Name', 'Amount', 'Paid', 'Total', 'Due'],
              ['Ann', 1.5, true, { formula: 'B2*2', value: 3 }, { date: 45292 }],
              ['Bob', 0.1 + 0.2, false, { formula: 'CONCAT("a","b")', value: 'ab' }, { date: 45292.5 }],
            ],
            merges: ['A5:C5'],
          },
          { name: 'Empty', rows: [] },
          { name: 'Secret', rows: [['x']], hidden: true },
        ],
      }),
    );
    const r = await extractOk(p);
    expect(r.metadata.sheetNames).toEqual(['Data', 'Empty', 'Secret']);
    expect(r.tables.map((t) => t.name)).toEqual(['Data', 'Secret']);
    expect(r.tables[0]!.rows).toEqual([
      ['Name', 'Amount', 'Paid', 'Total', 'Due'],
      ['Ann', '1.5', 'TRUE', '3', '2024-01-01'],
      ['Bob', '0.3', 'FALSE', 'ab', '2024-01-01T12:00:00'],
    ]);
    expect(r.pages).toHaveLength(3);
    expect((r.metadata.sheets as Array<Record<string, unknown>>)[0]).toMatchObject({ formulas: 2, mergedCells: ['A5:C5'] });
    expect((r.metadata.sheets as Array<Record<string, unknown>>)[2]).toMatchObject({ state: 'hidden' });
    expect(r.metadata).toMatchObject({ dateSystem: 1900, title: 'Workbook title' });
  });

  it('the 1904 date system shifts dates; stray text outside the sheet root is tolerated with a warning', async () => {
    const r = await extractOk(
      fx.write('mac.xlsx', makeXlsx({ date1904: true, strayText: true, sheets: [{ name: 'S', rows: [[{ date: 0 }, { date: 1462 }]] }] })),
    );
    expect(r.tables[0]!.rows[0]).toEqual(['1904-01-01', '1908-01-02']);
    expect(r.metadata.dateSystem).toBe(1904);
    expect(r.warnings.some((w) => /outside the root/.test(w))).toBe(true);
  });

  it('date helpers', () => {
    expect(serialToIso(1, false, 'date')).toBe('1900-01-01');
    expect(serialToIso(60, false, 'date')).toBe('1900-02-29');
    expect(serialToIso(61, false, 'date')).toBe('1900-03-01');
    expect(serialToIso(0.75, false, 'time')).toBe('18:00:00');
    expect(dateKindOfFormat('yyyy-mm-dd')).toBe('date');
    expect(dateKindOfFormat('hh:mm')).toBe('time');
    expect(dateKindOfFormat('dd/mm/yyyy hh:mm')).toBe('datetime');
    expect(dateKindOfFormat('0.00%')).toBeNull();
    expect(dateKindOfFormat('"Day "0')).toBeNull();
    expect(dateKindOfFormat('[Red]#,##0')).toBeNull();
  });
});

describe('ODS', () => {
  it('sheet names, cells, multi-line cells, dates; repeated empty rows/columns cost nothing', async () => {
    const p = fx.write(
      'calc.ods',
      makeOds([
        {
          name: 'First',
          rows: [
            ['A', 'B'],
            [{ lines: ['line 1', 'line 2'] }, { date: '2024-03-04' }],
            ['', { float: 2.5 }],
          ],
        },
        { name: 'Second', rows: [] },
      ]),
    );
    const r = await extractOk(p);
    expect(r.metadata.sheetNames).toEqual(['First', 'Second']);
    expect(r.tables[0]!.rows).toEqual([
      ['A', 'B'],
      ['line 1\nline 2', '2024-03-04'],
      ['', '2.5'],
    ]);
    // The empty rest of each sheet (1,048,000 rows of 1,024 cells) is never laid out:
    // only the five cells with a value are, and nothing was cut at the cell limit.
    expect(r.counters.cells).toBe(5);
    expect(r.warnings).toEqual([]);
  });
});

describe('DOCX tables, empty ones included', () => {
  it('every table is in tables with its rows and cells, a blank one too', async () => {
    const docx = makeDocx({
      body: [
        { table: [['a', 'b']] },
        {
          table: [
            ['', ''],
            ['', ''],
          ],
        },
        { text: 'after' },
      ],
    });
    const r = await extractOk(fx.write('blank-table.docx', docx));
    expect(r.tables.map((t) => t.rows)).toEqual([
      [['a', 'b']],
      [
        ['', ''],
        ['', ''],
      ],
    ]);
    expect(r.counters.tables).toBe(2);
  });
});
