/**
 * Legacy Excel .xls: BIFF8 workbook streams written here record by record
 * ([MS-XLS]: type, length, data) inside a compound file, then damaged.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExtractionResult, SerializedError } from '../../../shared/extraction';
import { detectFile } from '../../../workers/detect';
import { run } from '../../../workers/extract';
import { rkValue } from '../../../workers/extractors/legacy/biff';
import { fixtureDir } from '../../helpers/fixtures';
import { compoundFile } from './cfb-fixture';

const fx = fixtureDir('quarry-xls-');
afterAll(() => fx.cleanup());

const rec = (type: number, ...parts: Buffer[]) => {
  const data = Buffer.concat(parts);
  const h = Buffer.alloc(4);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(data.length, 2);
  return Buffer.concat([h, data]);
};
const u8 = (...n: number[]) => Buffer.from(n);
const u16 = (...n: number[]) => Buffer.concat(n.map((v) => Buffer.from([v & 0xff, v >> 8])));
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const f64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b;
};
const bof = (dt: number) => rec(0x0809, u16(0x0600, dt, 0, 0), u32(0), u32(0));
const eof = () => rec(0x000a);
/** XLUnicodeString, 8-bit. */
const xstr = (s: string) => Buffer.concat([u16(s.length), u8(0), Buffer.from(s, 'latin1')]);
const cell = (row: number, col: number, xf: number) => u16(row, col, xf);

/** A workbook: sheet "Data" (strings, a date, RK and MULRK numbers, formulas, a boolean) and an empty "Notes". */
function workbook(opts: { encrypted?: boolean; lieAt?: 'sst' } = {}): Buffer {
  // SST: "Name", then "Größe — size" split by a CONTINUE that switches to 16-bit characters mid-string.
  const s2 = 'Größe — size';
  const sstHead = Buffer.concat([u32(3), u32(2), xstr('Name'), u16(s2.length), u8(0), Buffer.from(s2.slice(0, 5), 'latin1')]);
  const sst = rec(0x00fc, sstHead);
  const cont = rec(0x003c, u8(1), Buffer.from(s2.slice(5), 'utf16le'));
  const globals = (sheetAt: number[]) =>
    Buffer.concat([
      bof(0x0005),
      ...(opts.encrypted ? [rec(0x002f, u16(1), Buffer.alloc(52))] : []),
      rec(0x0022, u16(0)),
      rec(0x041e, u16(164), xstr('yyyy-mm-dd')),
      rec(0x00e0, u16(0, 0), Buffer.alloc(16)),
      rec(0x00e0, u16(0, 164), Buffer.alloc(16)),
      rec(0x0085, u32(sheetAt[0]!), u8(0, 0), u8(4, 0), Buffer.from('Data', 'latin1')),
      rec(0x0085, u32(sheetAt[1]!), u8(1, 0), u8(5, 0), Buffer.from('Notes', 'latin1')),
      sst,
      cont,
      eof(),
    ]);
  const data = Buffer.concat([
    bof(0x0010),
    rec(0x00fd, cell(0, 0, 0), u32(0)),
    rec(0x00fd, cell(0, 1, 0), u32(1)),
    rec(0x0203, cell(1, 0, 1), f64(45292)), // 2024-01-01 as a date
    rec(0x027e, cell(1, 1, 0), u32((1234 << 2) | 2)),
    rec(0x00bd, u16(2, 0), u16(0), u32((7 << 2) | 2), u16(0), u32((150 << 2) | 3), u16(1)), // 7 and 1.5 (÷100)
    rec(0x0006, cell(3, 0, 0), f64(42), Buffer.alloc(6)),
    rec(0x0006, cell(3, 1, 0), u8(0, 0, 0, 0, 0, 0, 0xff, 0xff), Buffer.alloc(6)),
    rec(0x0207, xstr('from a formula')),
    rec(0x0205, cell(4, 0, 0), u8(1, 0)),
    rec(0x0204, cell(4, 1, 0), xstr('label')),
    eof(),
  ]);
  const notes = Buffer.concat([bof(0x0010), eof()]);
  const size = globals([0, 0]).length;
  const stream = Buffer.concat([globals([size, size + data.length]), data, notes]);
  if (opts.lieAt === 'sst') stream.writeUInt16LE(0xfff0, stream.indexOf(sst) + 2);
  return stream;
}
const makeXls = (stream: Buffer, name = 'Workbook') => compoundFile([{ name, data: stream }]);

let n = 0;
async function extract(name: string, data: Buffer) {
  return run({ path: fx.write(name, data), options: {}, spoolDir: path.join(fx.dir, `spool-${++n}`) });
}
async function ok(name: string, data: Buffer): Promise<ExtractionResult> {
  const out = await extract(name, data);
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return out.result;
}
async function err(name: string, data: Buffer): Promise<SerializedError> {
  const out = await extract(name, data);
  if (out.ok) throw new Error(`expected a failure, got ${out.result.format}`);
  return out.error;
}

describe('legacy Excel .xls', () => {
  it('detected by its streams; every cell kind read, shared strings across a CONTINUE, dates as dates', async () => {
    const file = makeXls(workbook());
    expect(await detectFile(fx.write('book.bin', file))).toMatchObject({ format: 'xls', method: 'container' });
    const r = await ok('book.xls', file);
    expect([r.format, r.metadata.sheetNames, r.tables.map((t) => t.name)]).toEqual(['xls', ['Data', 'Notes'], ['Data']]);
    expect(r.tables[0]!.rows).toEqual([
      ['Name', 'Größe — size'],
      ['2024-01-01', '1234'],
      ['7', '1.5'],
      ['42', 'from a formula'],
      ['TRUE', 'label'],
    ]);
    expect(r.metadata.sheets).toEqual([
      { name: 'Data', kind: 'worksheet', range: 'A1:B5' },
      { name: 'Notes', kind: 'worksheet', hidden: true },
    ]);
    expect(r.markdown).toContain('## Notes (hidden)');
    expect(r.counters).toMatchObject({ sheets: 2, cells: 10 });
  });

  it('decodes RK numbers: integers, ÷100, and the high half of a double', () => {
    expect([rkValue((5 << 2) | 2), rkValue((-3 << 2) | 2), rkValue((250 << 2) | 3), rkValue(0x3ff00000)]).toEqual([5, -3, 2.5, 1]);
  });

  it('encrypted (FILEPASS): encrypted; Excel 5/95 (a Book stream): unsupported_format', async () => {
    const locked = await err('locked.xls', makeXls(workbook({ encrypted: true })));
    expect(locked).toMatchObject({ code: 'encrypted', message: expect.stringMatching(/password-protected/) });
    expect(locked.details?.password).toBeUndefined();
    expect(await err('old.xls', makeXls(workbook(), 'Book'))).toMatchObject({ code: 'unsupported_format', message: expect.stringMatching(/Excel 5\/95/) });
  });

  it('a record longer than its stream, a truncated file, or no BIFF header: corrupt_file', async () => {
    expect(await err('lie.xls', makeXls(workbook({ lieAt: 'sst' })))).toMatchObject({
      code: 'corrupt_file',
      message: expect.stringMatching(/runs past the end/),
    });
    expect((await err('cut.xls', makeXls(workbook()).subarray(0, 1200))).code).toBe('corrupt_file');
    expect(await err('nobof.xls', makeXls(Buffer.alloc(64)))).toMatchObject({ code: 'corrupt_file', message: expect.stringMatching(/BIFF8 header/) });
  });
});
