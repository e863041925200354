/**
 * Legacy Excel workbooks (.xls, Excel 97-2003 BIFF8): every sheet as a named
 * table, with cached formula values and dates as ISO dates, in the same
 * shape as XLSX and ODS (office/sheet-common.ts); metadata from the
 * property sets. The cells are read by ./biff.ts (no library: the npm
 * "xlsx" package has unfixed advisories for untrusted files), after the
 * compound file is checked (./compound.ts). Encrypted workbooks fail as
 * `encrypted`; Excel 5/95 workbooks (BIFF5, a "Book" stream) as
 * `unsupported_format`.
 */
import { ExtractionError } from '../../../shared/extraction';
import { oleMetadata } from '../office/ole-properties';
import { columnName, Grid, sheetsToParts, type SheetOut } from '../office/sheet-common';
import type { Extractor } from '../types';
import { readWorkbook } from './biff';
import { openCompound } from './compound';

const WHAT = 'Excel workbook (.xls)';

export const xlsExtractor: Extractor = {
  name: 'xls',
  version: '1.0.0',
  formats: ['xls'],
  async extract(input, ctx) {
    const bytes = await input.read();
    const file = openCompound(bytes, WHAT);
    const stream = file.stream('Workbook');
    if (!stream?.length) {
      if (file.stream('Book')?.length)
        throw new ExtractionError(
          'unsupported_format',
          'This is an Excel 5/95 workbook (BIFF5): only Excel 97 and later .xls files are read. Save it as .xlsx.',
        );
      throw new ExtractionError('corrupt_file', `Not a readable ${WHAT}: it has no "Workbook" stream`);
    }
    const book = readWorkbook(stream);
    const sheets: SheetOut[] = book.sheets.map((s, i) => {
      ctx.progress(i, book.sheets.length);
      const grid = new Grid();
      for (const c of s.cells) grid.set(c.row, c.col, c.value);
      const { rows, firstRow, firstCol } = grid.toRows();
      const range = rows.length ? `${columnName(firstCol)}${firstRow + 1}:${columnName(firstCol + rows[0]!.length - 1)}${firstRow + rows.length}` : undefined;
      return { name: s.name, rows, range, kind: s.kind, hidden: s.hidden };
    });
    const parts = sheetsToParts(sheets);
    const cells = book.sheets.reduce((n, s) => n + s.cells.length, 0);
    const warnings = cells ? [] : ['The workbook has no cells with values'];
    return {
      ...parts,
      metadata: {
        ...oleMetadata(file),
        sheetNames: sheets.map((s) => s.name),
        sheets: sheets.map((s) => ({ name: s.name, kind: s.kind, ...(s.range ? { range: s.range } : {}), ...(s.hidden ? { hidden: true } : {}) })),
        dateSystem: book.date1904 ? 1904 : 1900,
      },
      warnings,
      counters: { items: cells, sheets: sheets.length, cells },
    };
  },
};
