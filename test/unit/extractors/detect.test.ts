import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { detectBuffer, detectFile } from '../../../workers/detect';
import { fixtureDir, makePdf, makeZip, utf16le } from '../../helpers/fixtures';
import { compoundFile } from './cfb-fixture';

const fx = fixtureDir('quarry-detect-');
afterAll(() => fx.cleanup());

/** Detects from the file, and from the same bytes in memory (small files): both must agree. */
async function detect(name: string, data: string | Uint8Array) {
  const file = fx.write(name, data);
  const fromFile = await detectFile(file);
  expect(await detectBuffer(readFileSync(file), file)).toEqual(fromFile);
  return fromFile;
}

describe('detection by magic bytes', () => {
  it('a PDF named .txt is still a PDF', async () => {
    const pdf = await makePdf({ pages: [['hello']] });
    expect(await detect('misleading.txt', pdf)).toMatchObject({ format: 'pdf', method: 'magic', mime: 'application/pdf' });
  });

  it('finds %PDF- after leading junk', async () => {
    const pdf = await makePdf({ pages: [['hello']] });
    const junk = Buffer.concat([Buffer.from('garbage before header\n'), Buffer.from(pdf)]);
    expect((await detect('junk.bin', junk)).format).toBe('pdf');
  });

  it('a ZIP holding a stored PDF near its start is a ZIP, not the PDF inside', async () => {
    const pdf = await makePdf({ pages: [['inside']] });
    const zip = makeZip([
      ['a.txt', 'first'],
      ['report.pdf', pdf],
    ]);
    expect(Buffer.from(zip).toString('latin1', 0, 1024)).toContain('%PDF-');
    expect((await detect('bundle.zip', zip)).format).toBe('zip');
    expect((await detect('bundle.bin', zip)).format).toBe('zip');
  });

  it.each([
    ['photo.dat', [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46], 'image/jpeg'],
    ['pic.dat', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], 'image/png'],
    ['scan.dat', [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0], 'image/tiff'],
    ['scan-be.dat', [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8], 'image/tiff'],
  ])('%s -> image', async (name, bytes, mime) => {
    expect(await detect(name, Buffer.from(bytes))).toMatchObject({ format: 'image', method: 'magic', mime });
  });

  it('HEIC by its ftyp brand', async () => {
    const box = Buffer.alloc(24);
    box.writeUInt32BE(24, 0);
    box.write('ftypheic', 4, 'latin1');
    box.write('mif1heic', 16, 'latin1');
    expect(await detect('img.bin', box)).toMatchObject({ format: 'image', mime: 'image/heic' });
  });

  it('OLE2: msg only with the streams a message has; EncryptedPackage -> encrypted-ooxml; others are not messages', async () => {
    const msg = compoundFile([{ name: '__properties_version1.0' }, { name: '__substg1.0_0037001F', data: Buffer.from('Hi', 'utf16le') }]);
    expect(await detect('mail.bin', msg)).toMatchObject({ format: 'msg', method: 'container' });
    const encrypted = compoundFile([{ name: 'EncryptionInfo' }, { name: 'EncryptedPackage' }]);
    expect(await detect('secret.docx', encrypted)).toMatchObject({ format: 'encrypted-ooxml', method: 'container' });
    // Cut after the directory: the names are still there, so it is still a protected document.
    expect(await detect('cut.xlsx', encrypted.subarray(0, 1536))).toMatchObject({ format: 'encrypted-ooxml' });
    // A readable directory without message streams is not a message, whatever its name says.
    const other = compoundFile([{ name: 'Contents' }]);
    expect(await detect('other.msg', other)).toMatchObject({ format: 'unknown', mime: 'application/x-ole-storage' });
    expect(await detect('word.bin', compoundFile([{ name: 'WordDocument' }]))).toMatchObject({ format: 'doc', mime: 'application/msword' });
    expect(await detect('deck.bin', compoundFile([{ name: 'PowerPoint Document' }]))).toMatchObject({ format: 'ppt', mime: 'application/vnd.ms-powerpoint' });
    // An unreadable directory: the extension decides (the msg extractor then reports the damage).
    const header = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    expect(await detect('mail2.msg', Buffer.concat([header, Buffer.alloc(600)]))).toMatchObject({ format: 'msg', method: 'extension' });
    expect(await detect('blob.bin', Buffer.concat([header, Buffer.alloc(600)]))).toMatchObject({ format: 'unknown' });
  });
});

describe('ZIP containers', () => {
  it.each([
    [
      'docx',
      [
        ['[Content_Types].xml', '<Types/>'],
        ['word/document.xml', '<w:document/>'],
      ],
    ],
    [
      'xlsx',
      [
        ['[Content_Types].xml', '<Types/>'],
        ['xl/workbook.xml', '<workbook/>'],
      ],
    ],
    [
      'pptx',
      [
        ['[Content_Types].xml', '<Types/>'],
        ['ppt/presentation.xml', '<p:presentation/>'],
      ],
    ],
    [
      'ods',
      [
        ['mimetype', 'application/vnd.oasis.opendocument.spreadsheet'],
        ['content.xml', '<office:document-content/>'],
      ],
    ],
  ] as const)('%s from the names inside, whatever the extension', async (format, entries) => {
    const zip = makeZip(entries.map(([n, c]) => [n, c]));
    expect(await detect(`package-${format}.zip`, zip)).toMatchObject({ format, method: 'container' });
  });

  it('a plain zip stays zip', async () => {
    expect(await detect('archive.docx', makeZip([['a.txt', 'hello']]))).toMatchObject({ format: 'zip', method: 'magic' });
  });

  it('a truncated docx (no central directory) is recognised from its local headers', async () => {
    const zip = makeZip([
      ['[Content_Types].xml', '<Types/>'],
      ['word/document.xml', '<w:document/>'],
      ['word/styles.xml', 'x'.repeat(500)],
    ]);
    const cut = zip.subarray(0, zip.length - 300);
    expect((await detect('cut.docx', cut)).format).toBe('docx');
  });
});

describe('text sniffing', () => {
  it('ISO-10303-21 with an IFC schema -> ifc, otherwise step', async () => {
    const head = (schema: string) =>
      `ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_SCHEMA(('${schema}'));\nENDSEC;\nDATA;\n#1=IFCPERSON($,$,'',$,$,$,$,$);\nENDSEC;\nEND-ISO-10303-21;\n`;
    expect(await detect('model.txt', head('IFC4'))).toMatchObject({ format: 'ifc', method: 'sniff' });
    expect(await detect('part.dat', head('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'))).toMatchObject({ format: 'step', method: 'sniff' });
  });

  it('DXF group codes', async () => {
    expect(await detect('drawing.txt', '  0\r\nSECTION\r\n  2\r\nHEADER\r\n  9\r\n$ACADVER\r\n  1\r\nAC1027\r\n  0\r\nENDSEC\r\n  0\r\nEOF\r\n')).toMatchObject(
      { format: 'dxf' },
    );
  });

  it('JSON by parsing, even named .txt; invalid JSON named .json -> json by extension', async () => {
    expect(await detect('data.txt', '{"a": [1, 2, {"b": null}]}')).toMatchObject({ format: 'json', method: 'sniff' });
    expect(await detect('broken.json', '{"a": [1, 2,, }')).toMatchObject({ format: 'json', method: 'extension' });
    // "[link](url)" is markdown, not a JSON array.
    expect((await detect('notes', '[Quarry](https://example.org) is a tool.\n\n# Title\n')).format).toBe('markdown');
  });

  it('a large JSON file is recognised from its head alone', async () => {
    const big = '[' + Array.from({ length: 40000 }, (_, i) => `{"id":${i},"name":"item ${i}"}`).join(',') + ']';
    expect(big.length).toBeGreaterThan(1024 * 1024);
    expect(await detect('big.dat', big)).toMatchObject({ format: 'json', method: 'sniff' });
  });

  it('XML, XHTML and HTML', async () => {
    expect(await detect('a.txt', '<?xml version="1.0"?>\n<root><item>1</item></root>')).toMatchObject({ format: 'xml' });
    expect(
      await detect(
        'b.txt',
        '<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x">\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
      ),
    ).toMatchObject({ format: 'html' });
    expect(await detect('c.txt', '<!DOCTYPE html>\n<html><head><title>x</title></head><body>hi</body></html>')).toMatchObject({
      format: 'html',
      method: 'sniff',
    });
    expect(await detect('d', '<div><p>fragment</p></div>')).toMatchObject({ format: 'html' });
    expect(await detect('e', '<catalog><book id="1"/></catalog>')).toMatchObject({ format: 'xml' });
  });

  it('CSV/TSV by delimiter consistency', async () => {
    expect(await detect('table.txt', 'a,b,c\n1,2,3\n4,"5,5",6\n')).toMatchObject({ format: 'csv', method: 'sniff' });
    expect(await detect('semi', 'name;city;zip\nAnn;Köln;50667\nBob;Paris;75001\n')).toMatchObject({ format: 'csv' });
    expect(await detect('tabbed', 'a\tb\tc\n1\t2\t3\n4\t5\t6\n')).toMatchObject({ format: 'tsv' });
    expect(await detect('piped', 'a|b|c\n1|2|3\n4|5|6\n')).toMatchObject({ format: 'csv' });
  });

  it('markdown cues, plain text, and extension for weak signals', async () => {
    expect(await detect('readme.txt', '# Title\n\nSome *text* with a [link](http://x.org).\n\n- item\n- item\n')).toMatchObject({
      format: 'markdown',
      method: 'sniff',
    });
    expect(await detect('story.txt', 'Once upon a time, there was a parser.\nIt read files all day, and all night.\nThe end.\n')).toMatchObject({
      format: 'text',
    });
    // Consistent commas in a .md file: the author said markdown, and the sniff is weak.
    expect(await detect('notes.md', 'one, two\nthree, four\nfive, six\n')).toMatchObject({ format: 'markdown', method: 'extension' });
  });

  it('mail headers -> eml', async () => {
    expect(await detect('message', 'From: a@example.org\nTo: b@example.org\nSubject: Hi\nDate: Tue, 16 Feb 2021 00:57:06 +0000\n\nBody\n')).toMatchObject({
      format: 'eml',
      method: 'sniff',
    });
  });

  it('UTF-16 text is sniffed after decoding and records its encoding', async () => {
    expect(await detect('wide.txt', utf16le('a,b,c\n1,2,3\n4,5,6\n'))).toMatchObject({ format: 'csv', encoding: 'UTF-16LE' });
  });
});

describe('extension fallback and edge cases', () => {
  it('binary without a signature uses the extension, or is unknown', async () => {
    const junk = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7) % 256));
    expect(await detect('blob.pdf', junk)).toMatchObject({ format: 'pdf', method: 'extension' });
    expect(await detect('blob', junk)).toMatchObject({ format: 'unknown', method: 'none' });
  });

  it('text content wins over a binary extension', async () => {
    expect(await detect('actually-text.pdf', 'just some words\non two lines\n')).toMatchObject({ format: 'text', method: 'sniff' });
  });

  it('empty files go by extension', async () => {
    expect(await detect('empty.pdf', '')).toMatchObject({ format: 'pdf', method: 'extension' });
    expect(await detect('empty', '')).toMatchObject({ format: 'text', method: 'none' });
  });
});
