/**
 * A reader for the cells of a BIFF8 workbook stream (Excel 97-2003,
 * [MS-XLS]): sheets (BOUNDSHEET), the shared strings (SST, across its
 * CONTINUE records), the cell records (LABELSST, LABEL, NUMBER, RK, MULRK,
 * BOOLERR, FORMULA with its cached value and STRING), the number formats
 * that make a number a date (FORMAT, XF), and the 1904 date system. Every
 * read is bounds-checked: a record that lies about its length fails the
 * file as corrupt_file, never reads past the stream.
 */
import { ExtractionError } from '../../../shared/extraction';

const R = {
  bof: 0x0809,
  eof: 0x000a,
  boundSheet: 0x0085,
  sst: 0x00fc,
  cont: 0x003c,
  filePass: 0x002f,
  dateMode: 0x0022,
  format: 0x041e,
  xf: 0x00e0,
  labelSst: 0x00fd,
  label: 0x0204,
  number: 0x0203,
  rk: 0x027e,
  mulRk: 0x00bd,
  boolErr: 0x0205,
  formula: 0x0006,
  string: 0x0207,
} as const;

export interface BiffCell {
  row: number;
  col: number;
  value: string;
}
export interface BiffSheet {
  name: string;
  kind: 'worksheet' | 'chartsheet' | 'macrosheet' | 'dialogsheet';
  hidden: boolean;
  cells: BiffCell[];
}
export interface BiffWorkbook {
  sheets: BiffSheet[];
  date1904: boolean;
}

const corrupt = (why: string) => new ExtractionError('corrupt_file', `Not a readable Excel workbook (.xls): ${why}`);

interface Record {
  type: number;
  /** The record's data with its CONTINUE records appended, and where each of them began. */
  data: Buffer;
  breaks: number[];
  offset: number;
}

/** Records from `at`, CONTINUEs folded into the record before them. */
function* records(s: Buffer, at: number): Generator<Record> {
  let pending: { type: number; chunks: Buffer[]; breaks: number[]; length: number; offset: number } | null = null;
  const done = (p: NonNullable<typeof pending>): Record => ({
    type: p.type,
    data: p.chunks.length === 1 ? p.chunks[0]! : Buffer.concat(p.chunks),
    breaks: p.breaks,
    offset: p.offset,
  });
  while (at + 4 <= s.length) {
    const type = s.readUInt16LE(at);
    const len = s.readUInt16LE(at + 2);
    if (at + 4 + len > s.length) throw corrupt(`a record (type 0x${type.toString(16)}) runs past the end of the workbook stream`);
    const data = s.subarray(at + 4, at + 4 + len);
    if (type === R.cont && pending) {
      pending.breaks.push(pending.length);
      pending.chunks.push(data);
      pending.length += len;
    } else {
      if (pending) yield done(pending);
      pending = { type, chunks: [data], breaks: [], length: len, offset: at };
    }
    at += 4 + len;
  }
  if (pending) yield done(pending);
}

/** A cursor over a record's data that knows where CONTINUE records began (strings restart their flags there). */
class Cursor {
  constructor(
    private readonly r: Record,
    public at = 0,
  ) {}
  need(n: number): void {
    if (this.at + n > this.r.data.length) throw corrupt('a string runs past the end of its record');
  }
  u8(): number {
    this.need(1);
    return this.r.data[this.at++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.r.data.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.r.data.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.at += n;
  }
  /** XLUnicodeRichExtendedString characters: at a CONTINUE boundary a new flags byte sets the width again. */
  chars(count: number, high: boolean): string {
    let out = '';
    let wide = high;
    while (count > 0) {
      const boundary = this.r.breaks.find((b) => b > this.at) ?? this.r.data.length;
      const width = wide ? 2 : 1;
      const fit = Math.min(count, Math.floor((boundary - this.at) / width));
      if (fit > 0) {
        this.need(fit * width);
        out += this.r.data.toString(wide ? 'utf16le' : 'latin1', this.at, this.at + fit * width);
        this.at += fit * width;
        count -= fit;
      }
      if (count > 0) {
        if (this.at >= this.r.data.length) throw corrupt('a string runs past the end of its record');
        wide = (this.u8() & 1) === 1;
      }
    }
    return out;
  }
}

/** XLUnicodeRichExtendedString (SST) or XLUnicodeString (cch 16-bit, flags, chars). */
function unicodeString(c: Cursor, rich: boolean): string {
  const cch = c.u16();
  const flags = c.u8();
  const runs = rich && flags & 0x08 ? c.u16() : 0;
  const ext = rich && flags & 0x04 ? c.u32() : 0;
  const s = c.chars(cch, (flags & 1) === 1);
  c.skip(Math.min(runs * 4 + ext, Number.MAX_SAFE_INTEGER));
  return s;
}

function sst(r: Record): string[] {
  const c = new Cursor(r);
  c.u32();
  const unique = c.u32();
  const out: string[] = [];
  // Each string takes at least 3 bytes: a count larger than the record allows is a lie, not a loop bound.
  for (let i = 0; i < unique && c.at < r.data.length; i++) out.push(unicodeString(c, true));
  return out;
}

/** An RK number: 30 bits of integer or of a double's high part, optionally ÷100. */
export function rkValue(rk: number): number {
  const v = rk & 0x02 ? rk >> 2 : Buffer.from([0, 0, 0, 0, rk & 0xfffffffc & 0xff, (rk >>> 8) & 0xff, (rk >>> 16) & 0xff, rk >>> 24]).readDoubleLE(0);
  return rk & 0x01 ? v / 100 : v;
}

const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);
/** A number format is a date or time when it has date/time tokens outside quotes and brackets ([Red], [$-409]). */
function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\\.|\[[^\]]*\]/g, '');
  return /[dmyhs]/i.test(bare) && !/^[#0.,%E+\- ]*$/i.test(bare);
}

/** Excel serial day → ISO date (or date-time when it has a time part). */
function serialDate(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  // The 1900 system counts a 29 February 1900 that never was: serials before it are one day off.
  const days = !date1904 && serial < 61 ? serial + 1 : serial;
  const d = new Date(epoch + Math.round(days * 86_400_000));
  const iso = d.toISOString();
  return serial % 1 === 0 ? iso.slice(0, 10) : iso.slice(0, 19);
}

const numberText = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15))));
const ERRORS: { [code: number]: string } = { 0: '#NULL!', 7: '#DIV/0!', 15: '#VALUE!', 23: '#REF!', 29: '#NAME?', 36: '#NUM!', 42: '#N/A' };

export function readWorkbook(stream: Buffer): BiffWorkbook {
  const first = records(stream, 0).next().value as Record | undefined;
  if (!first || first.type !== R.bof || first.data.length < 4) throw corrupt('the workbook stream does not start with a BIFF8 header');
  const sheets: Array<BiffSheet & { at: number }> = [];
  let strings: string[] = [];
  let date1904 = false;
  const formats = new Map<number, string>();
  const xfFormat: number[] = [];
  for (const r of records(stream, 0)) {
    if (r.offset !== first.offset && r.type === R.bof) break;
    if (r.type === R.filePass)
      throw new ExtractionError('encrypted', 'The workbook is password-protected (legacy .xls encryption cannot be opened); save it unprotected or as .xlsx');
    if (r.type === R.boundSheet && r.data.length >= 8) {
      const c = new Cursor(r, 6);
      const cch = c.u8();
      const name = c.chars(cch, (c.u8() & 1) === 1);
      const dt = r.data[5]!;
      const kind = dt === 2 ? 'chartsheet' : dt === 1 ? 'macrosheet' : dt === 6 ? 'macrosheet' : 'worksheet';
      sheets.push({ name, kind, hidden: (r.data[4]! & 0x03) !== 0, cells: [], at: r.data.readUInt32LE(0) });
    } else if (r.type === R.sst) strings = sst(r);
    else if (r.type === R.dateMode && r.data.length >= 2) date1904 = r.data.readUInt16LE(0) === 1;
    else if (r.type === R.format && r.data.length >= 5) formats.set(r.data.readUInt16LE(0), unicodeString(new Cursor(r, 2), false));
    else if (r.type === R.xf && r.data.length >= 4) xfFormat.push(r.data.readUInt16LE(2));
    else if (r.type === R.eof) break;
  }
  const isDate = (ixfe: number) => {
    const f = xfFormat[ixfe];
    if (f === undefined) return false;
    return BUILTIN_DATE_FORMATS.has(f) || isDateFormat(formats.get(f) ?? '');
  };
  const num = (n: number, ixfe: number) => (isDate(ixfe) && n >= 0 && n < 2_958_466 ? serialDate(n, date1904) : numberText(n));
  for (const sheet of sheets) {
    if (sheet.at <= 0 || sheet.at >= stream.length) continue;
    sheet.cells = readCells(stream, sheet.at, strings, num);
  }
  return { sheets: sheets.map(({ at: _at, ...s }) => s), date1904 };
}

function readCells(stream: Buffer, at: number, strings: string[], num: (n: number, ixfe: number) => string): BiffCell[] {
  const cells: BiffCell[] = [];
  let formulaString: { row: number; col: number } | null = null;
  let started = false;
  for (const r of records(stream, at)) {
    if (r.type === R.bof) {
      if (started) break;
      started = true;
      continue;
    }
    if (r.type === R.eof) break;
    const d = r.data;
    const put = (value: string) => d.length >= 4 && value !== '' && cells.push({ row: d.readUInt16LE(0), col: d.readUInt16LE(2), value });
    if (r.type === R.labelSst && d.length >= 10) put(strings[d.readUInt32LE(6)] ?? '');
    else if (r.type === R.label && d.length >= 9) put(unicodeString(new Cursor(r, 6), false));
    else if (r.type === R.number && d.length >= 14) put(num(d.readDoubleLE(6), d.readUInt16LE(4)));
    else if (r.type === R.rk && d.length >= 10) put(num(rkValue(d.readUInt32LE(6)), d.readUInt16LE(4)));
    else if (r.type === R.mulRk && d.length >= 6) {
      const row = d.readUInt16LE(0);
      const col = d.readUInt16LE(2);
      for (let i = 0; 4 + i * 6 + 6 <= d.length - 2; i++) {
        cells.push({ row, col: col + i, value: num(rkValue(d.readUInt32LE(4 + i * 6 + 2)), d.readUInt16LE(4 + i * 6)) });
      }
    } else if (r.type === R.boolErr && d.length >= 8) put(d[7] ? (ERRORS[d[6]!] ?? '#ERROR') : d[6] ? 'TRUE' : 'FALSE');
    else if (r.type === R.formula && d.length >= 14) {
      formulaString = null;
      if (d.readUInt16LE(12) !== 0xffff) put(num(d.readDoubleLE(6), d.readUInt16LE(4)));
      else if (d[6] === 0) formulaString = { row: d.readUInt16LE(0), col: d.readUInt16LE(2) };
      else if (d[6] === 1) put(d[8] ? 'TRUE' : 'FALSE');
      else if (d[6] === 2) put(ERRORS[d[8]!] ?? '#ERROR');
    } else if (r.type === R.string && formulaString) {
      const value = unicodeString(new Cursor(r), false);
      if (value) cells.push({ ...formulaString, value });
      formulaString = null;
    }
  }
  return cells;
}
