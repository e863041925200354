/**
 * The property sets of a legacy Office file ([MS-OLEPS]): the
 * `\x05SummaryInformation` stream (title, author, dates, page and word
 * counts) and `\x05DocumentSummaryInformation` (company, manager, slide
 * count). Read from the compound file with the checked reader
 * (email/cfb-check.ts); every offset is bounds-checked, and a damaged set
 * gives no properties rather than an error: they are an extra.
 */
import iconv from 'iconv-lite';
import type { CompoundFile } from '../email/cfb-check';

const VT_I2 = 2;
const VT_I4 = 3;
const VT_LPSTR = 0x1e;
const VT_LPWSTR = 0x1f;
const VT_FILETIME = 0x40;
const PID_CODEPAGE = 1;

const SUMMARY: Record<number, string> = {
  2: 'title',
  3: 'subject',
  4: 'author',
  5: 'keywords',
  6: 'comments',
  8: 'lastAuthor',
  9: 'revision',
  12: 'created',
  13: 'modified',
  14: 'pageCount',
  15: 'wordCount',
  16: 'charCount',
  18: 'application',
};
const DOC_SUMMARY: Record<number, string> = { 2: 'category', 7: 'slideCount', 14: 'manager', 15: 'company' };

type Value = string | number;

/** The first property set of a stream: property id → value (strings, numbers, ISO dates). */
export function readPropertySet(stream: Buffer): Map<number, Value> {
  const out = new Map<number, Value>();
  if (stream.length < 48 || stream.readUInt16LE(0) !== 0xfffe) return out;
  const base = stream.readUInt32LE(44);
  if (base + 8 > stream.length) return out;
  const count = Math.min(stream.readUInt32LE(base + 4), 1000);
  const entries: Array<[number, number]> = [];
  for (let i = 0; i < count && base + 16 + i * 8 <= stream.length; i++) {
    entries.push([stream.readUInt32LE(base + 8 + i * 8), base + stream.readUInt32LE(base + 12 + i * 8)]);
  }
  const codepageAt = entries.find(([id]) => id === PID_CODEPAGE)?.[1];
  const codepage = codepageAt !== undefined && codepageAt + 6 <= stream.length ? stream.readUInt16LE(codepageAt + 4) : 1252;
  for (const [id, at] of entries) {
    const v = value(stream, at, codepage);
    if (v !== undefined && id !== PID_CODEPAGE) out.set(id, v);
  }
  return out;
}

function value(s: Buffer, at: number, codepage: number): Value | undefined {
  if (at + 8 > s.length) return undefined;
  const type = s.readUInt16LE(at);
  const body = at + 4;
  switch (type) {
    case VT_I2:
      return s.readInt16LE(body);
    case VT_I4:
      return s.readInt32LE(body);
    case VT_LPSTR: {
      const n = s.readUInt32LE(body);
      if (body + 4 + n > s.length) return undefined;
      return decode(s.subarray(body + 4, body + 4 + n), codepage);
    }
    case VT_LPWSTR: {
      const n = s.readUInt32LE(body) * 2;
      if (body + 4 + n > s.length) return undefined;
      return s.toString('utf16le', body + 4, body + 4 + n).replace(/\0+$/, '');
    }
    case VT_FILETIME: {
      if (body + 8 > s.length) return undefined;
      const ticks = s.readBigUInt64LE(body);
      if (ticks === 0n) return undefined;
      const ms = Number(ticks / 10000n) - 11_644_473_600_000;
      // Edit times (total editing minutes) are FILETIMEs too; only plausible calendar dates are dates.
      return ms > 0 && ms < 4_102_444_800_000 ? new Date(ms).toISOString() : undefined;
    }
    default:
      return undefined;
  }
}

function decode(bytes: Buffer, codepage: number): string {
  const text =
    codepage === 65001
      ? bytes.toString('utf8')
      : codepage === 1200
        ? bytes.toString('utf16le')
        : iconv.decode(bytes, iconv.encodingExists(`cp${codepage}`) ? `cp${codepage}` : 'cp1252');
  return text.replace(/\0+$/, '');
}

/** Title, author, dates, counts and company of a legacy Office file; empty values are left out. */
export function oleMetadata(file: CompoundFile): Record<string, Value> {
  const meta: Record<string, Value> = {};
  for (const [name, ids] of [
    ['\x05SummaryInformation', SUMMARY],
    ['\x05DocumentSummaryInformation', DOC_SUMMARY],
  ] as const) {
    let stream: Buffer | undefined;
    try {
      stream = file.stream(name);
    } catch {
      stream = undefined;
    }
    if (!stream) continue;
    for (const [id, v] of readPropertySet(stream)) {
      const key = ids[id];
      if (key && (typeof v === 'number' || v.trim())) meta[key] = typeof v === 'string' ? v.trim() : v;
    }
  }
  return meta;
}
