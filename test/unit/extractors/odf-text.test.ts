/** OpenDocument text and presentations written here: headings, lists, tables, notes, comments, shapes, slides. */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, makeZipWith } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-odf-');
afterAll(() => fx.cleanup());

const NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"';
const META = `<?xml version="1.0"?><office:document-meta ${NS}><office:meta><dc:title>Field notes</dc:title><meta:initial-creator>Ann Lee</meta:initial-creator></office:meta></office:document-meta>`;
const odf = (mime: string, body: string, extra: Array<{ name: string; data: string }> = []) =>
  makeZipWith([
    { name: 'mimetype', data: mime, method: 0 },
    {
      name: 'content.xml',
      data: `<?xml version="1.0"?><office:document-content ${NS}><office:body>${body}</office:body></office:document-content>`,
      method: 8,
    },
    { name: 'meta.xml', data: META, method: 8 },
    ...extra.map((e) => ({ ...e, method: 8 as const })),
  ]);

const TEXT = `<office:text><text:sequence-decls/><text:h text:outline-level="2">Results</text:h>
<text:p>First<text:s text:c="2"/>point<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>A footnote.</text:p></text:note-body></text:note>.<office:annotation><dc:creator>Bob</dc:creator><text:p>Check this.</text:p></office:annotation></text:p>
<text:p><draw:custom-shape><svg:title>Box</svg:title><text:p>Inside the box</text:p></draw:custom-shape></text:p>
<text:list><text:list-item><text:p>One</text:p><text:list><text:list-item><text:p>One.a</text:p></text:list-item></text:list></text:list-item><text:list-item><text:p>Two</text:p></text:list-item></text:list>
<table:table table:name="Scores"><table:table-header-rows><table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell><table:table-cell><text:p>Score</text:p></table:table-cell></table:table-row></table:table-header-rows><table:table-row><table:table-cell><text:p>Ann</text:p></table:table-cell><table:table-cell><text:p>9</text:p></table:table-cell></table:table-row></table:table>
</office:text>`;

describe('OpenDocument text', () => {
  it('headings, paragraphs, lists, tables, shapes; footnotes and comments apart; metadata', async () => {
    const r = await extractOk(fx.write('notes.zip', odf('application/vnd.oasis.opendocument.text', TEXT)));
    expect(r.format).toBe('odt');
    expect(r.text.split('\n\n').slice(0, 8)).toEqual(['Results', 'First  point[1].', 'Box', 'Inside the box', 'One', 'One.a', 'Two', 'Name\tScore\nAnn\t9']);
    expect(r.markdown).toContain('## Results\n\nFirst  point[1].');
    expect(r.markdown).toContain('- One\n\n  - One.a\n\n- Two');
    expect(r.tables).toEqual([
      {
        name: 'Scores',
        rows: [
          ['Name', 'Score'],
          ['Ann', '9'],
        ],
        hasHeader: false,
      },
    ]);
    expect(r.metadata).toMatchObject({
      title: 'Field notes',
      author: 'Ann Lee',
      footnotes: ['A footnote.'],
      comments: [{ author: 'Bob', text: 'Check this.' }],
    });
  });

  it('hostile: no content.xml, or nesting past the XML parser cap, is corrupt_file (typed, never a stack overflow)', async () => {
    const noContent = makeZipWith([{ name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', method: 0 }]);
    expect((await extractErr(fx.write('empty.odt', noContent))).code).toBe('corrupt_file');
    const deep = `<office:text><text:p>${'<text:span>'.repeat(5000)}deep${'</text:span>'.repeat(5000)}</text:p></office:text>`;
    expect((await extractErr(fx.write('deep.odt', odf('application/vnd.oasis.opendocument.text', deep)))).code).toBe('corrupt_file');
  });
});

describe('OpenDocument presentation', () => {
  it('one page per draw:page, with speaker notes; pictures listed', async () => {
    const body = `<office:presentation><draw:page draw:name="Intro"><draw:frame><draw:text-box><text:p>Welcome</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>Say hi</text:p></draw:text-box></draw:frame></presentation:notes></draw:page><draw:page draw:name="End"><draw:frame><draw:text-box><text:p>Bye</text:p></draw:text-box></draw:frame></draw:page></office:presentation>`;
    const r = await extractOk(fx.write('deck.odp', odf('application/vnd.oasis.opendocument.presentation', body, [{ name: 'Pictures/a.jpg', data: 'jpeg' }])));
    expect([r.format, r.counters.slides, r.pages]).toEqual([
      'odp',
      2,
      [
        { number: 1, text: 'Welcome\nNotes:\nSay hi' },
        { number: 2, text: 'Bye' },
      ],
    ]);
    expect(r.markdown).toMatch(/^## Intro\n\nWelcome\n\n\*\*Notes:\*\*\n\nSay hi\n\n## End\n\nBye/);
    expect(r.metadata.pictures).toEqual(['Pictures/a.jpg']);
  });
});
