/**
 * Legacy Word .doc: Word 97 binary files written here byte by byte (a File
 * Information Block, one piece of 8-bit text, the piece table in 1Table, a
 * SummaryInformation property set) inside a compound file, then damaged.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExtractionResult, SerializedError } from '../../../shared/extraction';
import { detectFile } from '../../../workers/detect';
import { run } from '../../../workers/extract';
import { readPropertySet } from '../../../workers/extractors/office/ole-properties';
import { fixtureDir } from '../../helpers/fixtures';
import { compoundFile } from './cfb-fixture';

const fx = fixtureDir('quarry-doc-');
afterAll(() => fx.cleanup());

const TEXT_AT = 0x800;

/** The WordDocument stream: FIB (Word 97, nFib 0xC1, text in 1Table) and the text at TEXT_AT. */
function wordDocument(text: string, opts: { encrypted?: boolean; word95?: boolean; clxBytes: number }): Buffer {
  const s = Buffer.alloc(TEXT_AT + text.length + 512);
  s.writeUInt16LE(opts.word95 ? 0xa5dc : 0xa5ec, 0);
  s.writeUInt16LE(opts.word95 ? 0x65 : 0xc1, 2);
  s.writeUInt16LE(0x0200 | (opts.encrypted ? 0x0100 : 0), 0x0a);
  s.writeUInt32LE(TEXT_AT, 0x18); // fcMin
  s.writeUInt16LE(14, 0x20); // csw
  s.writeUInt16LE(22, 0x3e); // cslw
  s.writeUInt32LE(text.length, 0x4c); // ccpText
  s.writeUInt16LE(93, 0x98); // cbRgFcLcb
  s.writeUInt32LE(0, 0x1a2); // fcClx
  s.writeUInt32LE(opts.clxBytes, 0x1a6); // lcbClx
  s.write(text, TEXT_AT, 'latin1');
  return s;
}

/** 1Table: the Clx, one piece covering every character, 8-bit ("compressed") at TEXT_AT. */
function tableStream(chars: number): Buffer {
  const plc = Buffer.alloc(8 + 8);
  plc.writeUInt32LE(0, 0);
  plc.writeUInt32LE(chars, 4);
  plc.writeUInt16LE(0, 8);
  plc.writeUInt32LE(((TEXT_AT * 2) | 0x40000000) >>> 0, 10);
  const clx = Buffer.alloc(5);
  clx[0] = 0x02;
  clx.writeUInt32LE(plc.length, 1);
  return Buffer.concat([clx, plc]);
}

/** A SummaryInformation stream with a title and an author (VT_LPSTR, code page 1252) and a page count. */
function summary(title: string, author: string, pages: number): Buffer {
  const props: Array<[number, Buffer]> = [
    [1, Buffer.from([2, 0, 0, 0, 0xe4, 0x04, 0, 0])],
    [2, lpstr(title)],
    [4, lpstr(author)],
    [14, Buffer.from([3, 0, 0, 0, pages, 0, 0, 0])],
  ];
  const head = 8 + props.length * 8;
  const offsets: number[] = [];
  let at = head;
  for (const [, v] of props) {
    offsets.push(at);
    at += v.length;
  }
  const set = Buffer.alloc(at);
  set.writeUInt32LE(at, 0);
  set.writeUInt32LE(props.length, 4);
  props.forEach(([id, v], i) => {
    set.writeUInt32LE(id, 8 + i * 8);
    set.writeUInt32LE(offsets[i]!, 12 + i * 8);
    v.copy(set, offsets[i]!);
  });
  const header = Buffer.alloc(48);
  header.writeUInt16LE(0xfffe, 0);
  header.writeUInt32LE(1, 24);
  Buffer.from('e0859ff2f94f6810ab9108002b27b3d9', 'hex').copy(header, 28);
  header.writeUInt32LE(48, 44);
  return Buffer.concat([header, set]);
}
function lpstr(s: string): Buffer {
  const bytes = Buffer.from(`${s}\0`, 'latin1');
  const padded = Buffer.alloc(8 + Math.ceil(bytes.length / 4) * 4);
  padded.writeUInt16LE(0x1e, 0);
  padded.writeUInt32LE(bytes.length, 4);
  bytes.copy(padded, 8);
  return padded;
}

function makeDoc(text: string, opts: { encrypted?: boolean; word95?: boolean; title?: string } = {}): Buffer {
  const table = tableStream(text.length);
  return compoundFile([
    { name: 'WordDocument', data: wordDocument(text, { ...opts, clxBytes: table.length }) },
    { name: '1Table', data: table },
    ...(opts.title ? [{ name: '\x05SummaryInformation', data: summary(opts.title, 'Ada Lovelace', 3) }] : []),
  ]);
}

let n = 0;
async function extract(name: string, data: Buffer, options: Record<string, unknown> = {}) {
  return run({ path: fx.write(name, data), options, spoolDir: path.join(fx.dir, `spool-${++n}`) });
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

const BODY = 'Quarterly report\rRevenue grew in every region.\rCell one\x07Cell two\x07\x07\r';

describe('legacy Word .doc', () => {
  it('is detected by its streams (any name) and its text read from the piece table, with the summary properties', async () => {
    const bytes = makeDoc(BODY, { title: 'Report Q3' });
    expect(await detectFile(fx.write('report.bin', bytes))).toMatchObject({ format: 'doc', method: 'container' });
    const r = await ok('report.doc', bytes);
    expect(r.format).toBe('doc');
    expect(r.text).toBe('Quarterly report\nRevenue grew in every region.\nCell one\tCell two');
    expect(r.markdown).toContain('Quarterly report\n\nRevenue grew in every region.');
    expect(r.metadata).toMatchObject({ title: 'Report Q3', author: 'Ada Lovelace', pageCount: 3 });
    expect(r.counters.paragraphs).toBe(3);
  });

  it('an empty document completes with a warning saying so', async () => {
    const r = await ok('empty.doc', makeDoc('\r'));
    expect([r.text, r.warnings]).toEqual(['', ['The document has no text']]);
  });

  it('encrypted: encrypted; Word 6/95: unsupported_format, saying why', async () => {
    const locked = await err('locked.doc', makeDoc(BODY, { encrypted: true }));
    expect(locked).toMatchObject({ code: 'encrypted', message: expect.stringMatching(/password-protected/) });
    expect(locked.details?.password).toBeUndefined(); // no password opens it here: the window offers none
    expect(await err('old.doc', makeDoc(BODY, { word95: true }))).toMatchObject({ code: 'unsupported_format', message: expect.stringMatching(/Word 6\/95/) });
  });

  it('truncated, or a piece table pointing past its stream: corrupt_file with a sentence, the library text in details', async () => {
    const bytes = makeDoc(BODY);
    expect(await err('cut.doc', bytes.subarray(0, 1200))).toMatchObject({
      code: 'corrupt_file',
      message: expect.stringMatching(/^Not a readable Word document/),
    });
    const table = tableStream(BODY.length);
    table.writeUInt32LE(0x7fff_fff0, 1); // the Clx says its piece table is 2 GB long
    const broken = compoundFile([
      { name: 'WordDocument', data: wordDocument(BODY, { clxBytes: table.length }) },
      { name: '1Table', data: table },
    ]);
    const e = await err('broken.doc', broken);
    expect([e.code, e.message, typeof e.details?.library]).toEqual(['corrupt_file', expect.stringMatching(/^Not a readable Word document/), 'string']);
  });

  it('reads property sets with bounds checked: a set cut short gives what it holds, never an error', () => {
    const s = summary('T', 'A', 2);
    expect([...readPropertySet(s)]).toEqual([
      [2, 'T'],
      [4, 'A'],
      [14, 2],
    ]);
    expect([...readPropertySet(s.subarray(0, 70))]).toEqual([]);
  });
});
