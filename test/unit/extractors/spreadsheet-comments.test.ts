/** Cell comments (notes) of XLSX and ODS workbooks come out as entities with their cell reference. */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, makeZipWith } from '../../helpers/fixtures';
import { extractOk } from './helpers';

const fx = fixtureDir('quarry-comments-');
afterAll(() => fx.cleanup());

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG = 'http://schemas.openxmlformats.org/package/2006/relationships';

describe('cell comments', () => {
  it('XLSX: each comment with its sheet, cell and author', async () => {
    const xlsx = makeZipWith([
      { name: '[Content_Types].xml', data: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
      { name: 'xl/workbook.xml', data: `<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>` },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: `<Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: `<worksheet xmlns="${MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row></sheetData></worksheet>`,
      },
      {
        name: 'xl/worksheets/_rels/sheet1.xml.rels',
        data: `<Relationships xmlns="${PKG}"><Relationship Id="rId9" Type="${REL}/comments" Target="../comments1.xml"/></Relationships>`,
      },
      {
        name: 'xl/comments1.xml',
        data: `<comments xmlns="${MAIN}"><authors><author>Ann</author><author>Bob</author></authors><commentList><comment ref="B1" authorId="1"><text><r><t>Check </t></r><r><t>this</t></r></text></comment><comment ref="A1" authorId="0"><text><t>Source: survey</t></text></comment></commentList></comments>`,
      },
    ]);
    const r = await extractOk(fx.write('notes.xlsx', xlsx));
    expect(r.entities.filter((e) => e.type === 'comment')).toEqual([
      { type: 'comment', value: 'Check this', attributes: { sheet: 'Data', cell: 'B1', author: 'Bob' } },
      { type: 'comment', value: 'Source: survey', attributes: { sheet: 'Data', cell: 'A1', author: 'Ann' } },
    ]);
    expect((r.metadata.sheets as Array<{ comments?: number }>)[0]!.comments).toBe(2);
  });

  it('ODS: an annotation names its cell', async () => {
    const NS =
      'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"';
    const content = `<office:document-content ${NS}><office:body><office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell><text:p>x</text:p></table:table-cell><table:table-cell><office:annotation><text:p>Why?</text:p></office:annotation><text:p>y</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`;
    const ods = makeZipWith([
      { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet', method: 0 },
      { name: 'content.xml', data: content },
    ]);
    const r = await extractOk(fx.write('notes.ods', ods));
    expect(r.entities.filter((e) => e.type === 'comment')).toEqual([
      { type: 'comment', value: 'Why?', attributes: { sheet: 'S', cell: 'B1', row: 1, column: 2 } },
    ]);
  });
});
