/**
 * XLSX: our own reader over yauzl (the package) and a pull scanner (the
 * sheet XML), because it must be lenient where Excel is (a worksheet with
 * stray text outside its root still opens in Excel, and fails exceljs),
 * must list chart sheets, and must not build a DOM of a 200 MB sheet.
 *
 * Every sheet, in workbook order, becomes a table named after it (leading
 * empty rows/columns trimmed, the used range in metadata). Values are what
 * Excel shows without number formatting: shared and inline strings, the
 * cached result of formulas (never recomputed), booleans, error codes, and
 * numbers; numbers in a date/time format become ISO dates/times, in the
 * workbook's date system (1900, or 1904 for old Mac workbooks). A merged
 * range keeps its value in its top-left cell; ranges are listed in metadata.
 */
import path from 'node:path';
import { ExtractionError, type Entity } from '../../../shared/extraction';
import type { Archive } from '../../zip/archive';
import { allText, attr, childNamed, children, childrenNamed, relAttr, findAll, findFirst, localName, parseXml, tagOf } from '../../xml/ordered';
import { parseAttrs, scanXml } from '../../xml/scan';
import type { Extractor } from '../types';
import { ooxmlProperties, openPackage, readRels } from './package';
import { columnName, Grid, sheetsToParts, tidyNumber, type SheetOut } from './sheet-common';

const MAX_CELLS = 5_000_000;

/** Built-in number formats that are dates or times (ECMA-376 §18.8.30 and common locale ids). */
const BUILTIN_DATE = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58, 71, 72, 73, 74, 75, 76, 77, 78,
  79, 80, 81,
]);

export type DateKind = 'date' | 'time' | 'datetime' | null;

/** Whether a number format code shows a date, a time, or both. */
export function dateKindOfFormat(code: string): DateKind {
  const stripped = code
    .split(';')[0]!
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]/gi, '')
    .toLowerCase();
  if (/general|@/.test(stripped) && !/[dy]/.test(stripped)) return null;
  const hasDate = /[dy]/.test(stripped) || (/m/.test(stripped) && !/[hs]/.test(stripped) && !/[0#?]/.test(stripped));
  const hasTime = /[hs]/.test(stripped);
  if (hasDate && hasTime) return 'datetime';
  if (hasDate) return 'date';
  if (hasTime) return 'time';
  return null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An Excel serial as an ISO date / time / date-time, in the 1900 or 1904 system. */
export function serialToIso(serial: number, date1904: boolean, kind: Exclude<DateKind, null>): string {
  if (!Number.isFinite(serial)) return String(serial);
  let days = Math.floor(serial);
  let ms = Math.round((serial - days) * 86_400_000);
  if (ms >= 86_400_000) {
    days += 1;
    ms -= 86_400_000;
  }
  const time = `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}`;
  if (kind === 'time' && serial < 1) return time;
  let epoch: number;
  if (date1904) epoch = Date.UTC(1904, 0, 1);
  else if (days === 60)
    return `1900-02-29${kind === 'date' ? '' : `T${time}`}`; // Lotus 1-2-3's leap-year bug, kept by Excel
  else epoch = days < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  const d = new Date(epoch + days * 86_400_000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return kind === 'date' && ms === 0 ? date : `${date}T${time}`;
}

/** "BC12" -> { row: 11, col: 54 } (0-based). */
export function parseRef(ref: string): { row: number; col: number } | null {
  const m = /^\$?([A-Z]{1,3})\$?(\d+)$/i.exec(ref);
  if (!m) return null;
  let col = 0;
  for (const ch of m[1]!.toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(m[2]) - 1, col: col - 1 };
}

async function sharedStrings(pkg: Archive, target: string | undefined): Promise<string[]> {
  const xml = await pkg.text(target ?? 'xl/sharedStrings.xml');
  if (!xml) return [];
  const out: string[] = [];
  let cur: string | null = null;
  let inT = false;
  let skip = 0; // inside <rPh> (phonetic guide) text is not part of the value
  for (const tok of scanXml(xml)) {
    if (tok.kind === 'open') {
      if (tok.local === 'si') {
        cur = '';
        if (tok.selfClosing) {
          out.push('');
          cur = null;
        }
      } else if (tok.local === 'rPh' && !tok.selfClosing) skip++;
      else if (tok.local === 't' && !tok.selfClosing) inT = true;
    } else if (tok.kind === 'close') {
      if (tok.local === 'si' && cur !== null) {
        out.push(cur);
        cur = null;
      } else if (tok.local === 'rPh') skip = Math.max(0, skip - 1);
      else if (tok.local === 't') inT = false;
    } else if (inT && !skip && cur !== null) cur += tok.text;
  }
  return out;
}

async function dateStyles(pkg: Archive, target: string | undefined): Promise<DateKind[]> {
  const xml = await pkg.text(target ?? 'xl/styles.xml');
  if (!xml) return [];
  const tree = parseXml(xml);
  const custom = new Map<number, string>();
  const numFmts = findFirst(tree, 'numFmts');
  for (const f of numFmts ? findAll(children(numFmts), 'numFmt') : []) custom.set(Number(attr(f, 'numFmtId')), attr(f, 'formatCode') ?? '');
  const xfs = findFirst(tree, 'cellXfs');
  return (xfs ? children(xfs).filter((c) => localName(tagOf(c)) === 'xf') : []).map((xf) => {
    const id = Number(attr(xf, 'numFmtId') ?? 0);
    if (custom.has(id)) return dateKindOfFormat(custom.get(id)!);
    if (BUILTIN_DATE.has(id)) return (id >= 18 && id <= 21) || (id >= 45 && id <= 47) ? 'time' : id === 22 ? 'datetime' : 'date';
    return null;
  });
}

interface SheetStats {
  /** The <dimension ref> the producer declared (may include formatted-only cells). */
  dimension?: string;
  /** Hyperlinks: cell ref -> relationship id (or in-workbook location). */
  links: Array<{ ref: string; rid?: string; location?: string }>;
  formulas: number;
  merges: string[];
  hiddenRows: number;
  hiddenColumns: number;
  truncated: boolean;
}

function readSheet(xml: string, strings: string[], styles: DateKind[], date1904: boolean, budget: { cells: number }): { grid: Grid; stats: SheetStats } {
  const grid = new Grid();
  const stats: SheetStats = { links: [], formulas: 0, merges: [], hiddenRows: 0, hiddenColumns: 0, truncated: false };
  let row = -1;
  let col = -1;
  let cell: { t: string; s: number } | null = null;
  let value = '';
  let inline = '';
  let field: 'v' | 'f' | 't' | null = null;
  let inIs = false;
  for (const tok of scanXml(xml)) {
    if (tok.kind === 'text') {
      if (!cell || !field) continue;
      if (field === 'v') value += tok.text;
      else if (field === 't' && inIs) inline += tok.text;
      continue;
    }
    if (tok.kind === 'open') {
      switch (tok.local) {
        case 'row': {
          const a = parseAttrs(tok.rawAttrs);
          row = a.r ? Number(a.r) - 1 : row + 1;
          col = -1;
          if (a.hidden === '1' || a.hidden === 'true') stats.hiddenRows++;
          break;
        }
        case 'c': {
          const a = parseAttrs(tok.rawAttrs);
          const ref = a.r ? parseRef(a.r) : null;
          if (ref) {
            row = ref.row;
            col = ref.col;
          } else col++;
          cell = { t: a.t ?? 'n', s: Number(a.s ?? 0) };
          value = '';
          inline = '';
          if (tok.selfClosing) cell = null;
          break;
        }
        case 'v':
          if (!tok.selfClosing) field = 'v';
          break;
        case 'f':
          if (cell) stats.formulas++;
          if (!tok.selfClosing) field = 'f';
          break;
        case 'is':
          inIs = !tok.selfClosing;
          break;
        case 't':
          if (inIs && !tok.selfClosing) field = 't';
          break;
        case 'dimension':
          stats.dimension = parseAttrs(tok.rawAttrs).ref;
          break;
        case 'hyperlink': {
          const a = parseAttrs(tok.rawAttrs);
          if (a.ref && stats.links.length < 10_000) stats.links.push({ ref: a.ref, rid: a.id, location: a.location });
          break;
        }
        case 'mergeCell': {
          const ref = parseAttrs(tok.rawAttrs).ref;
          if (ref && stats.merges.length < 1000) stats.merges.push(ref);
          break;
        }
        case 'col': {
          const a = parseAttrs(tok.rawAttrs);
          if (a.hidden === '1' || a.hidden === 'true') stats.hiddenColumns += Math.max(1, Number(a.max ?? a.min ?? 1) - Number(a.min ?? 1) + 1);
          break;
        }
      }
      continue;
    }
    // close
    switch (tok.local) {
      case 'v':
      case 'f':
      case 't':
        field = null;
        break;
      case 'is':
        inIs = false;
        break;
      case 'c': {
        if (!cell) break;
        let out = '';
        const v = value.trim();
        switch (cell.t) {
          case 's':
            out = strings[Number(v)] ?? '';
            break;
          case 'inlineStr':
            out = inline;
            break;
          case 'str':
            out = value;
            break;
          case 'b':
            out = v === '1' || v === 'true' ? 'TRUE' : v === '' ? '' : 'FALSE';
            break;
          case 'e':
            out = v;
            break;
          case 'd':
            out = v; // already ISO 8601
            break;
          default: {
            if (v === '') break;
            const kind = styles[cell.s] ?? null;
            const n = Number(v);
            out = kind && Number.isFinite(n) ? serialToIso(n, date1904, kind) : tidyNumber(v);
          }
        }
        if (row >= 0 && col >= 0 && out !== '') {
          if (budget.cells <= 0) {
            stats.truncated = true;
            return { grid, stats };
          }
          grid.set(row, col, out);
          budget.cells--;
        }
        cell = null;
        break;
      }
    }
  }
  return { grid, stats };
}

/** Hyperlink targets are external relationships, which readRels skips: read them here. */
async function externalLinks(pkg: Archive, sheetParts: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of sheetParts) {
    const relsName = path.posix.join(path.posix.dirname(part), '_rels', `${path.posix.basename(part)}.rels`);
    const xml = await pkg.text(relsName);
    if (!xml || !xml.includes('External')) continue;
    const root = findFirst(parseXml(xml), 'Relationships');
    for (const rel of root ? children(root) : []) {
      if (attr(rel, 'TargetMode') === 'External' && (attr(rel, 'Type') ?? '').endsWith('/hyperlink'))
        out.set(`${part}#${attr(rel, 'Id')}`, attr(rel, 'Target') ?? '');
    }
  }
  return out;
}

/** A sheet's cell comments (notes): the comments part its relationships name, each with its cell reference and author. */
async function sheetComments(pkg: Archive, sheetPart: string): Promise<Array<{ cell: string; text: string; author?: string }>> {
  const rels = await readRels(pkg, sheetPart);
  const target = [...rels.values()].find((r) => r.type === 'comments')?.target;
  const xml = target ? await pkg.text(target) : undefined;
  if (!xml) return [];
  const doc = parseXml(xml);
  const authorsNode = findFirst(doc, 'authors');
  const authors = authorsNode ? childrenNamed(authorsNode, 'author').map((a) => allText(a).trim()) : [];
  return findAll(doc, 'comment').map((c) => {
    const textNode = childNamed(c, 'text');
    const author = authors[Number(attr(c, 'authorId'))];
    return { cell: attr(c, 'ref') ?? '', text: textNode ? findAll([textNode], 't').map(allText).join('').trim() : '', ...(author ? { author } : {}) };
  });
}

function rangeName(firstRow: number, firstCol: number, rows: string[][]): string | undefined {
  if (!rows.length) return undefined;
  return `${columnName(firstCol)}${firstRow + 1}:${columnName(firstCol + rows[0]!.length - 1)}${firstRow + rows.length}`;
}

export const xlsxExtractor: Extractor = {
  name: 'xlsx',
  version: '1.1.0',
  formats: ['xlsx'],
  async extract(input, ctx) {
    const { pkg } = await openPackage(input, 'XLSX');
    try {
      const warnings: string[] = [];
      const metadata = await ooxmlProperties(pkg, warnings);
      const workbookPart = pkg.find('xl/workbook.xml') ? 'xl/workbook.xml' : pkg.entries.find((e) => /^xl\/workbook\d*\.xml$/i.test(e.name))?.name;
      const workbookXml = workbookPart ? await pkg.text(workbookPart) : undefined;
      if (!workbookPart || !workbookXml) throw new ExtractionError('corrupt_file', 'The XLSX package has no workbook part (xl/workbook.xml)');
      const wb = parseXml(workbookXml);
      const pr = findFirst(wb, 'workbookPr');
      const date1904 = pr ? ['1', 'true'].includes(attr(pr, 'date1904') ?? '') : false;
      const rels = await readRels(pkg, workbookPart);
      const relOfType = (type: string) => [...rels.values()].find((r) => r.type === type)?.target;
      const strings = await sharedStrings(pkg, relOfType('sharedStrings'));
      const styles = await dateStyles(pkg, relOfType('styles'));
      const sheetsNode = findFirst(wb, 'sheets');
      const sheetDefs = (sheetsNode ? children(sheetsNode).filter((c) => localName(tagOf(c)) === 'sheet') : []).map((s) => {
        const rel = rels.get(relAttr(s) ?? '');
        return { name: attr(s, 'name') ?? 'Sheet', state: attr(s, 'state') ?? 'visible', target: rel?.target, type: rel?.type ?? 'worksheet' };
      });
      const definedNames = findFirst(wb, 'definedNames');
      const names = definedNames
        ? children(definedNames)
            .filter((c) => localName(tagOf(c)) === 'definedName')
            .map((d) => attr(d, 'name'))
            .filter(Boolean)
        : [];

      const budget = { cells: MAX_CELLS };
      const entities: Entity[] = [];
      const externalTargets = await externalLinks(
        pkg,
        sheetDefs.map((d) => d.target).filter((t): t is string => !!t),
      );
      const sheets: SheetOut[] = [];
      const sheetMeta: Array<Record<string, unknown>> = [];
      let formulas = 0;
      for (let i = 0; i < sheetDefs.length; i++) {
        const def = sheetDefs[i]!;
        const kind: SheetOut['kind'] =
          def.type === 'chartsheet' ? 'chartsheet' : def.type === 'dialogsheet' ? 'dialogsheet' : def.type === 'xlMacrosheet' ? 'macrosheet' : 'worksheet';
        const hidden = def.state !== 'visible';
        if (kind !== 'worksheet' || !def.target) {
          if (kind === 'worksheet') warnings.push(`Sheet "${def.name}" has no worksheet part`);
          sheets.push({ name: def.name, rows: [], kind, hidden });
          sheetMeta.push({ name: def.name, kind, ...(hidden ? { state: def.state } : {}) });
          continue;
        }
        let xml: string | undefined;
        try {
          xml = await pkg.text(def.target);
        } catch (err) {
          if (err instanceof ExtractionError && err.code === 'resource_limit') throw err;
          warnings.push(`Sheet "${def.name}" could not be read: ${(err as Error).message}`);
        }
        if (xml === undefined) {
          sheets.push({ name: def.name, rows: [], kind, hidden });
          sheetMeta.push({ name: def.name, kind, missing: true });
          continue;
        }
        if (/^\s*<\?xml[^>]*\?>\s*[^<\s]/.test(xml) || /<\/worksheet>\s*[^\s<]/.test(xml)) {
          warnings.push(`Sheet "${def.name}": its XML has text outside the root element (read leniently, as Excel does)`);
        }
        const { grid, stats } = readSheet(xml, strings, styles, date1904, budget);
        formulas += stats.formulas;
        const { rows, firstRow, firstCol } = grid.toRows();
        if (stats.links.length) {
          const sheetRels = await readRels(pkg, def.target);
          for (const l of stats.links) {
            const value = l.rid ? (sheetRels.get(l.rid)?.target ?? externalTargets.get(`${def.target}#${l.rid}`)) : l.location;
            if (value) entities.push({ type: 'link', value, attributes: { sheet: def.name, cell: l.ref } });
          }
        }
        const comments = await sheetComments(pkg, def.target);
        for (const c of comments)
          entities.push({ type: 'comment', value: c.text, attributes: { sheet: def.name, cell: c.cell, ...(c.author ? { author: c.author } : {}) } });
        if (stats.truncated) warnings.push(`Sheet "${def.name}" was cut at ${MAX_CELLS.toLocaleString('en')} cells for the whole workbook`);
        sheets.push({ name: def.name, rows, range: rangeName(firstRow, firstCol, rows), kind, hidden });
        sheetMeta.push({
          name: def.name,
          kind,
          ...(hidden ? { state: def.state } : {}),
          range: rangeName(firstRow, firstCol, rows) ?? null,
          ...(stats.dimension ? { declaredRange: stats.dimension } : {}),
          cells: grid.size,
          ...(stats.formulas ? { formulas: stats.formulas } : {}),
          ...(stats.merges.length ? { mergedCells: stats.merges } : {}),
          ...(stats.hiddenRows ? { hiddenRows: stats.hiddenRows } : {}),
          ...(stats.hiddenColumns ? { hiddenColumns: stats.hiddenColumns } : {}),
          ...(comments.length ? { comments: comments.length } : {}),
        });
        ctx.progress(i + 1, sheetDefs.length);
      }
      if (!sheetDefs.length) warnings.push('The workbook lists no sheets');
      const parts = sheetsToParts(sheets);
      return {
        ...parts,
        entities,
        metadata: {
          ...metadata,
          sheetNames: sheetDefs.map((s) => s.name),
          sheets: sheetMeta,
          dateSystem: date1904 ? 1904 : 1900,
          ...(names.length ? { definedNames: names.slice(0, 200) } : {}),
          formulas,
        },
        warnings,
        counters: { items: sheets.length, sheets: sheets.length, tables: parts.tables.length, cells: MAX_CELLS - budget.cells, formulas },
      };
    } finally {
      pkg.close();
    }
  },
};
