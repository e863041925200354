/**
 * Opens a ZIP (yauzl, as the extractors do) and writes one back, every entry
 * stored (uncompressed): enough to hand a document parser a valid container
 * around a damaged XML part. The writer fixes every time stamp, so the same
 * entries give the same bytes.
 */
import { crc32 } from 'node:zlib';
import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** The entries of a ZIP, in their order; null when it cannot be read whole (damaged, encrypted). */
export async function readZip(bytes: Buffer): Promise<ZipEntry[] | null> {
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true });
    const entries: ZipEntry[] = [];
    for await (const entry of zip.eachEntry()) {
      if (entry.isEncrypted()) return null;
      const isDir = entry.fileName.endsWith('/');
      entries.push({ name: entry.fileName, data: isDir ? Buffer.alloc(0) : await buffer(await zip.openReadStreamPromise(entry)) });
    }
    return entries;
  } catch {
    return null;
  } finally {
    zip?.close();
  }
}

/** 1980-01-01 00:00, the first date ZIP can say. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** Bit 11: names are UTF-8. */
const UTF8 = 0x0800;

/** A ZIP of stored entries (no ZIP64: mutants stay far below 4 GB). */
export function writeStoredZip(entries: readonly ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(UTF8, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28); // extra field
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // version made by
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(UTF8, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(0, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(fileName.length, 28);
    // extra, comment, disk, internal and external attributes: all zero
    header.writeUInt32LE(offset, 42);
    parts.push(local, fileName, data);
    central.push(header, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
