/**
 * ODS (OpenDocument spreadsheet): content.xml read with the pull scanner.
 * Each table:table is a sheet; a cell's value is its displayed text
 * (text:p paragraphs joined by line breaks, text:s spaces, tabs and line
 * breaks kept), except dates, times and booleans, which come from their
 * typed attributes (ISO dates, as for XLSX). Repeated rows and columns
 * (number-rows-repeated="1048000" for the empty rest of a sheet) are
 * expanded only when they hold content. Comments (office:annotation) are
 * kept out of the cell text and listed as entities.
 */
import { ExtractionError, type Entity } from '../../../shared/extraction';
import { findFirst, parseXml, simpleFields } from '../../xml/ordered';
import { parseAttrs, scanXml } from '../../xml/scan';
import type { Extractor } from '../types';
import { openPackage } from './package';
import { columnName, Grid, sheetsToParts, tidyNumber, type SheetOut } from './sheet-common';

const MAX_CELLS = 5_000_000;
/** Repeats of a non-empty row/cell beyond this are not expanded (a one-cell file claiming a billion copies). */
const MAX_REPEAT = 10_000;

interface CellState {
  type: string;
  attrs: Record<string, string>;
  paragraphs: string[];
  repeat: number;
}

function typedValue(cell: CellState): string {
  const text = cell.paragraphs.join('\n');
  const a = cell.attrs;
  switch (cell.type) {
    case 'date':
      return a['date-value'] ?? text;
    case 'time': {
      const m = /^PT(\d+)H(\d+)M(\d+(?:\.\d+)?)S$/i.exec(a['time-value'] ?? '');
      return m ? `${m[1]!.padStart(2, '0')}:${m[2]!.padStart(2, '0')}:${String(Math.floor(Number(m[3]))).padStart(2, '0')}` : text;
    }
    case 'boolean':
      return a['boolean-value'] === 'true' ? 'TRUE' : a['boolean-value'] === 'false' ? 'FALSE' : text;
    case 'float':
    case 'percentage':
    case 'currency':
      return text || tidyNumber(a.value ?? '');
    default:
      return text;
  }
}

export const odsExtractor: Extractor = {
  name: 'ods',
  version: '1.1.0',
  formats: ['ods'],
  async extract(input, ctx) {
    const { pkg } = await openPackage(input, 'ODS');
    let content: string | undefined;
    let meta: Record<string, unknown> = {};
    const warnings: string[] = [];
    try {
      content = await pkg.text('content.xml');
      const metaXml = await pkg.text('meta.xml', 4 * 1024 * 1024).catch(() => undefined);
      const m = metaXml ? findFirst(parseXml(metaXml), 'meta') : undefined;
      if (m) {
        const f = simpleFields(m);
        meta = Object.fromEntries(
          Object.entries({
            title: f.title,
            subject: f.subject,
            author: f['initial-creator'] ?? f.creator,
            created: f['creation-date'],
            modified: f.date,
            generator: f.generator,
            keywords: f.keyword,
          }).filter(([, v]) => v),
        );
      }
    } finally {
      pkg.close();
    }
    if (content === undefined) throw new ExtractionError('corrupt_file', 'The ODS package has no content.xml');

    const sheets: SheetOut[] = [];
    const entities: Entity[] = [];
    let budget = MAX_CELLS;
    let truncated = false;
    let grid: Grid | null = null;
    let sheetName = '';
    let sheetHidden = false;
    let row = -1;
    let col = 0;
    let rowRepeat = 1;
    let rowCells: Array<{ col: number; value: string; repeat: number }> = [];
    let cell: CellState | null = null;
    let para: string | null = null;
    let annotation = 0;
    let annotationText = '';
    let formulas = 0;
    const hiddenStyles = new Set<string>();
    let currentStyle: string | null = null;

    const flushRow = () => {
      if (!grid) return;
      const hasContent = rowCells.some((c) => c.value !== '');
      const repeats = hasContent ? Math.min(rowRepeat, MAX_REPEAT) : 0;
      for (let k = 0; k < repeats; k++) {
        for (const c of rowCells) {
          if (c.value === '') continue;
          for (let j = 0; j < Math.min(c.repeat, MAX_REPEAT); j++) {
            if (budget <= 0) {
              truncated = true;
              return;
            }
            grid.set(row + k, c.col + j, c.value);
            budget--;
          }
        }
      }
    };

    for (const tok of scanXml(content)) {
      if (tok.kind === 'text') {
        if (annotation) annotationText += tok.text;
        else if (para !== null) para += tok.text;
        continue;
      }
      if (tok.kind === 'open') {
        switch (tok.local) {
          // Hidden sheets are marked through their table style (table:display="false").
          case 'table-properties': {
            const a = parseAttrs(tok.rawAttrs);
            if (a.display === 'false' && currentStyle) hiddenStyles.add(currentStyle);
            break;
          }
          case 'table':
            if (tok.name.startsWith('table:') || tok.name === 'table') {
              const a = parseAttrs(tok.rawAttrs);
              grid = new Grid();
              sheetName = a.name ?? `Sheet${sheets.length + 1}`;
              sheetHidden = !!a['style-name'] && hiddenStyles.has(a['style-name']);
              row = 0;
              if (tok.selfClosing) {
                sheets.push({ name: sheetName, rows: [], kind: 'worksheet', hidden: sheetHidden });
                grid = null;
              }
            }
            break;
          case 'table-row': {
            if (!grid) break;
            const a = parseAttrs(tok.rawAttrs);
            rowRepeat = Math.max(1, Number(a['number-rows-repeated'] ?? 1) || 1);
            rowCells = [];
            col = 0;
            if (tok.selfClosing) row += rowRepeat;
            break;
          }
          case 'table-cell':
          case 'covered-table-cell': {
            if (!grid) break;
            const a = parseAttrs(tok.rawAttrs);
            const repeat = Math.max(1, Number(a['number-columns-repeated'] ?? 1) || 1);
            if (a.formula) formulas++;
            if (tok.selfClosing) {
              col += repeat;
            } else {
              cell = { type: a['value-type'] ?? '', attrs: a, paragraphs: [], repeat };
            }
            break;
          }
          case 'annotation':
            if (!tok.selfClosing) annotation++;
            annotationText = annotation === 1 ? '' : annotationText;
            break;
          case 'p':
          case 'h':
            if (cell && !annotation && !tok.selfClosing) para = '';
            else if (cell && !annotation && tok.selfClosing) cell.paragraphs.push('');
            else if (annotation && annotationText) annotationText += '\n';
            break;
          case 's':
            if (para !== null && !annotation) para += ' '.repeat(Math.min(1000, Number(parseAttrs(tok.rawAttrs).c ?? 1) || 1));
            break;
          case 'tab':
            if (para !== null && !annotation) para += '\t';
            break;
          case 'line-break':
            if (para !== null && !annotation) para += '\n';
            break;
        }
        if (tok.local === 'style' && !tok.selfClosing) currentStyle = parseAttrs(tok.rawAttrs).name ?? null;
        continue;
      }
      switch (tok.local) {
        case 'style':
          currentStyle = null;
          break;
        case 'p':
        case 'h':
          if (cell && para !== null && !annotation) {
            cell.paragraphs.push(para);
            para = null;
          }
          break;
        case 'annotation':
          annotation = Math.max(0, annotation - 1);
          if (!annotation && annotationText.trim() && entities.length < 10_000) {
            entities.push({
              type: 'comment',
              value: annotationText.trim(),
              attributes: { sheet: sheetName, cell: `${columnName(col)}${row + 1}`, row: row + 1, column: col + 1 },
            });
          }
          break;
        case 'table-cell':
        case 'covered-table-cell':
          if (cell) {
            rowCells.push({ col, value: typedValue(cell), repeat: cell.repeat });
            col += cell.repeat;
            cell = null;
          }
          break;
        case 'table-row':
          if (grid) {
            flushRow();
            row += rowRepeat;
            rowRepeat = 1;
            rowCells = [];
          }
          break;
        case 'table':
          if (grid && (tok.name.startsWith('table:') || tok.name === 'table')) {
            const { rows } = grid.toRows();
            sheets.push({ name: sheetName, rows, kind: 'worksheet', hidden: sheetHidden });
            ctx.progress(sheets.length, sheets.length);
            grid = null;
          }
          break;
      }
    }
    if (grid) {
      warnings.push(`content.xml ends inside sheet "${sheetName}" (truncated?); kept what was read`);
      sheets.push({ name: sheetName, rows: grid.toRows().rows, kind: 'worksheet', hidden: sheetHidden });
    }
    if (truncated) warnings.push(`The spreadsheet was cut at ${MAX_CELLS.toLocaleString('en')} cells`);
    if (!sheets.length) warnings.push('The spreadsheet has no sheets');
    const parts = sheetsToParts(sheets);
    return {
      ...parts,
      entities,
      metadata: {
        ...meta,
        sheetNames: sheets.map((s) => s.name),
        sheets: sheets.map((s) => ({ name: s.name, rows: s.rows.length, columns: s.rows[0]?.length ?? 0, ...(s.hidden ? { hidden: true } : {}) })),
        formulas,
      },
      warnings,
      counters: { items: sheets.length, sheets: sheets.length, tables: parts.tables.length, cells: MAX_CELLS - budget, formulas },
    };
  },
};
