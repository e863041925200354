/** EPUB 2 and 3 packages written here: metadata, chapters in spine order, the table of contents. */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, makeZipWith } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-epub-');
afterAll(() => fx.cleanup());

const CONTAINER = `<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`;
const chapter = (title: string, body: string) =>
  `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>${title}</title></head><body><h1>${title}</h1><p>${body}</p></body></html>`;
const opf = (version: string, extra: string, spine: string) =>
  `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="${version}"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Field  Notes</dc:title><dc:creator>Ann Lee</dc:creator><dc:creator>Bob Roe</dc:creator><dc:language>fr</dc:language></metadata>` +
  `<manifest><item id="c2" href="text/two.xhtml" media-type="application/xhtml+xml"/><item id="c1" href="text/one%20a.xhtml" media-type="application/xhtml+xml"/>${extra}</manifest>${spine}</package>`;

function epub(version: '2.0' | '3.0') {
  const files =
    version === '2.0'
      ? [
          {
            name: 'OEBPS/book.opf',
            data: opf(
              '2.0',
              '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>',
              '<spine toc="ncx"><itemref idref="c1"/><itemref idref="c2"/></spine>',
            ),
          },
          {
            name: 'OEBPS/toc.ncx',
            data: '<ncx><navMap><navPoint><navLabel><text>One</text></navLabel><content src="text/one%20a.xhtml"/><navPoint><navLabel><text>One, part b</text></navLabel><content src="text/one%20a.xhtml#b"/></navPoint></navPoint></navMap></ncx>',
          },
        ]
      : [
          {
            name: 'OEBPS/book.opf',
            data: opf(
              '3.0',
              '<item id="nav" href="nav.xhtml" properties="nav" media-type="application/xhtml+xml"/>',
              '<spine><itemref idref="c1"/><itemref idref="c2"/></spine>',
            ),
          },
          {
            name: 'OEBPS/nav.xhtml',
            data: '<html><body><nav epub:type="toc" xmlns:epub="http://www.idpf.org/2007/ops"><ol><li><a href="text/two.xhtml">Two</a></li></ol></nav></body></html>',
          },
        ];
  // The mimetype entry is deliberately not first (some producers do that).
  return makeZipWith([
    { name: 'META-INF/container.xml', data: CONTAINER, method: 8 as const },
    { name: 'mimetype', data: 'application/epub+zip', method: 0 as const },
    ...files.map((f) => ({ ...f, method: 8 as const })),
    { name: 'OEBPS/text/one a.xhtml', data: chapter('One', 'The first chapter.'), method: 8 as const },
    { name: 'OEBPS/text/two.xhtml', data: chapter('Two', 'The second chapter.'), method: 8 as const },
  ]);
}

describe('EPUB', () => {
  it('EPUB 2: metadata, chapters in spine order (not manifest order), NCX table of contents', async () => {
    const r = await extractOk(fx.write('book.zip', epub('2.0')));
    expect(r.format).toBe('epub');
    expect(r.metadata).toMatchObject({ epubVersion: '2.0', title: 'Field  Notes', creators: ['Ann Lee', 'Bob Roe'], language: 'fr' });
    expect(r.pages?.map((p) => p.text)).toEqual(['One\n\nThe first chapter.', 'Two\n\nThe second chapter.']);
    expect(r.metadata.toc).toEqual([
      { title: 'One', href: 'OEBPS/text/one a.xhtml', depth: 0 },
      { title: 'One, part b', href: 'OEBPS/text/one a.xhtml', depth: 1 },
    ]);
    expect(r.markdown).toMatch(/^# Field {2}Notes\n\n# One/);
  });

  it('EPUB 3: the navigation document gives the table of contents', async () => {
    const r = await extractOk(fx.write('book3.epub', epub('3.0')));
    expect([r.metadata.epubVersion, r.metadata.toc, r.counters.chapters]).toEqual(['3.0', [{ title: 'Two', href: 'OEBPS/text/two.xhtml', depth: 0 }], 2]);
  });

  it('hostile: a container naming no package is corrupt_file; a missing chapter is a warning; a truncated file fails typed', async () => {
    const noOpf = makeZipWith([
      { name: 'META-INF/container.xml', data: CONTAINER.replace('OEBPS/book.opf', 'nowhere.opf'), method: 8 },
      { name: 'x.opf', data: '<package/>', method: 8 },
    ]);
    expect((await extractErr(fx.write('noopf.epub', noOpf))).code).toBe('corrupt_file');
    const missing = makeZipWith([
      { name: 'META-INF/container.xml', data: CONTAINER, method: 8 as const },
      { name: 'OEBPS/book.opf', data: opf('2.0', '', '<spine><itemref idref="c1"/><itemref idref="c2"/></spine>'), method: 8 },
      { name: 'OEBPS/text/two.xhtml', data: chapter('Two', 'Only this.'), method: 8 },
    ]);
    const r = await extractOk(fx.write('missing.epub', missing));
    expect([r.text, r.warnings.join()]).toEqual(['Two\n\nOnly this.', expect.stringMatching(/Spine item 1 .* missing/)]);
    const whole = epub('2.0');
    expect((await extractErr(fx.write('cut.epub', whole.subarray(0, whole.length - 30)))).code).toBe('corrupt_file');
  });
});
