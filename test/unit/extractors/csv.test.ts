import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, latin1, utf8Bom } from '../../helpers/fixtures';
import { extractOk } from './helpers';

const fx = fixtureDir('quarry-csv-');
afterAll(() => fx.cleanup());

describe('csv extractor', () => {
  it('odd quoting: embedded newlines, doubled quotes, delimiters in quotes, BOM stripped', async () => {
    const csv = 'id,comment,amount\r\n1,"line one\r\nline two",10\r\n2,"she said ""hi""",20\r\n3,"a, b, c",30\r\n';
    const r = await extractOk(fx.write('quoted.csv', utf8Bom(csv)));
    expect(r.format).toBe('csv');
    expect(r.tables).toHaveLength(1);
    expect(r.tables[0]!.rows).toEqual([
      ['id', 'comment', 'amount'],
      ['1', 'line one\r\nline two', '10'],
      ['2', 'she said "hi"', '20'],
      ['3', 'a, b, c', '30'],
    ]);
    expect(r.tables[0]!.hasHeader).toBe(true);
    expect(r.metadata).toMatchObject({ delimiter: 'comma', header: ['id', 'comment', 'amount'], encoding: 'UTF-8' });
    expect(r.counters).toMatchObject({ items: 4, rows: 4, columns: 3 });
    expect(r.text.charCodeAt(0)).not.toBe(0xfeff);
    expect(r.warnings).toEqual([]);
    // Markdown table: header divider, pipes escaped, newlines as <br>.
    expect(r.markdown.split('\n').slice(0, 3)).toEqual(['| id | comment | amount |', '| --- | --- | --- |', '| 1 | line one<br>line two | 10 |']);
  });

  it('semicolons (European CSV) with Latin-1 text', async () => {
    const r = await extractOk(fx.write('euro.csv', latin1('Name;Stadt;Betrag\nMüller;Köln;1,50\nCôté;Genève;2,75\n')));
    expect(r.metadata.delimiter).toBe('semicolon');
    expect(r.tables[0]!.rows[1]).toEqual(['Müller', 'Köln', '1,50']);
    expect(r.counters).toMatchObject({ rows: 3, columns: 3 });
  });

  it('pipes', async () => {
    const r = await extractOk(fx.write('pipes.csv', 'a|b\n1|2\n3|4\n'));
    expect(r.metadata.delimiter).toBe('pipe');
    expect(r.tables[0]!.rows).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('TSV', async () => {
    const r = await extractOk(fx.write('data.tsv', 'name\tvalue\nalpha\t1\nbeta, gamma\t2\n'));
    expect(r.format).toBe('tsv');
    expect(r.metadata.delimiter).toBe('tab');
    expect(r.tables[0]!.rows).toEqual([
      ['name', 'value'],
      ['alpha', '1'],
      ['beta, gamma', '2'],
    ]);
  });

  it('malformed rows are kept and reported with line numbers', async () => {
    const csv = ['a,b,c', '1,2,3', '4,5', '6,7,8,9', '10,"unterminated,11', '12,13,14', ''].join('\n');
    const r = await extractOk(fx.write('broken.csv', csv));
    const rows = r.tables[0]!.rows;
    expect(rows[2]).toEqual(['4', '5']);
    expect(rows[3]).toEqual(['6', '7', '8', '9']);
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Line 3: expected 3 fields .* found 2$/),
        expect.stringMatching(/^Line 4: expected 3 fields .* found 4$/),
        expect.stringMatching(/^Line 5: quoted field is never closed/),
      ]),
    );
  });

  it('empty lines are skipped, rows of empty fields are kept', async () => {
    const r = await extractOk(fx.write('blank.csv', 'a,b\n\n1,2\n,\n'));
    expect(r.tables[0]!.rows).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['', ''],
    ]);
  });

  it('header only and empty files say so', async () => {
    expect((await extractOk(fx.write('header.csv', 'a,b,c\n'))).warnings.join()).toMatch(/no data rows/);
    const empty = await extractOk(fx.write('empty.csv', ''));
    expect(empty.tables).toEqual([]);
    expect(empty.warnings.join()).toMatch(/empty/i);
  });
});
