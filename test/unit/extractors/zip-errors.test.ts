/**
 * yauzl's own wording about a broken ZIP ("Invalid comment length … `PK☺☻`
 * in the comment?", "invalid local file header signature: 0x…") becomes a
 * sentence a person understands; the library's text stays in the details.
 * The errors come from yauzl itself, on archives written here.
 */
import yauzl from 'yauzl';
import { describe, expect, it } from 'vitest';
import { zipError } from '../../../workers/zip/archive';

function eocd(entries: number, dirSize: number, dirOffset: number, commentLength = 0): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(0x06054b50, 0);
  b.writeUInt16LE(entries, 8);
  b.writeUInt16LE(entries, 10);
  b.writeUInt32LE(dirSize, 12);
  b.writeUInt32LE(dirOffset, 16);
  b.writeUInt16LE(commentLength, 20);
  return b;
}

/** The error yauzl gives opening `bytes` and reading its entries. */
async function yauzlError(bytes: Buffer): Promise<Error> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err) return resolve(err);
      zip.on('error', resolve);
      zip.on('entry', (entry: yauzl.Entry) => zip.openReadStream(entry, (e) => resolve(e ?? new Error('no error'))));
      zip.on('end', () => resolve(new Error('no error')));
      zip.readEntry();
    });
  });
}

describe('ZIP errors in words', () => {
  it('a closing record whose comment length is wrong', async () => {
    const err = await yauzlError(eocd(0, 0, 0, 7));
    expect(err.message).toMatch(/Invalid comment length.*PK/);
    const x = zipError(err);
    expect([x.code, x.message, x.details.library]).toEqual([
      'corrupt_file',
      "The ZIP archive's closing record is inconsistent (its comment length is wrong, or bytes follow it), so its file list cannot be found",
      err.message,
    ]);
    expect(x.message).not.toMatch(/PK|0x/);
  });

  it('a file list pointing at no entry header, and a truncated file', async () => {
    const dir = Buffer.alloc(46 + 5);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(5, 28);
    dir.write('a.txt', 46);
    const bad = await yauzlError(Buffer.concat([Buffer.alloc(40, 0x41), dir, eocd(1, dir.length, 40)]));
    expect(zipError(bad)).toMatchObject({
      code: 'corrupt_file',
      message: 'An entry of the ZIP archive is not where its file list says (the archive is damaged or truncated)',
    });
    expect(zipError(await yauzlError(Buffer.from('not a zip at all')))).toMatchObject({
      code: 'corrupt_file',
      message: expect.stringMatching(/^Not a complete ZIP archive/),
    });
  });

  it('names what is damaged (a DOCX, a gzip file), never the library words', () => {
    expect(zipError(new Error('invalid distance too far back'), 'DOCX file').message).toBe('The DOCX file has an entry whose compressed data is damaged');
    expect(zipError(new Error('unsupported compression method: 9'))).toMatchObject({
      code: 'unsupported_format',
      message: expect.stringMatching(/compression method 9/),
    });
  });
});
