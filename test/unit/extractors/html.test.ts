import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, latin1 } from '../../helpers/fixtures';
import { extractOk } from './helpers';

const fx = fixtureDir('quarry-html-');
afterAll(() => fx.cleanup());

const PAGE = `<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="iso-8859-1">
  <title>Caf\u00e9 &amp; Cr\u00e8me &ndash; Menu</title>
  <meta name="description" content="Daily menu">
  <style>body { color: red }</style>
  <script>var hidden = "do not extract";</script>
</head>
<body>
  <h1>Caf\u00e9 &lt;Menu&gt;</h1>
  <p>Fresh &quot;croissants&quot; &amp; coffee&nbsp;daily. See <a href="https://example.org/menu?a=1&amp;b=2">our full menu</a>
     or <a href="/contact">contact us</a>.</p>
  <h2>Prices</h2>
  <table>
    <thead><tr><th>Item</th><th>Price</th></tr></thead>
    <tbody>
      <tr><td>Espresso</td><td>2,00 &euro;</td></tr>
      <tr><td>Croissant | butter</td><td>1,50 &euro;</td></tr>
    </tbody>
  </table>
  <ul><li>Open daily</li><li>Since 1923</li></ul>
</body>
</html>`;

describe('html extractor', () => {
  it('honours <meta charset>, decodes entities, finds the title', async () => {
    const r = await extractOk(fx.write('menu.html', latin1(PAGE)));
    expect(r.format).toBe('html');
    expect(r.detection.encoding).toBe('ISO-8859-1');
    expect(r.metadata).toMatchObject({ title: 'Café & Crème – Menu', language: 'fr', description: 'Daily menu' });
    expect(r.text).toContain('Café <Menu>');
    expect(r.text).toContain('Fresh "croissants" & coffee daily.');
    expect(r.text).not.toContain('do not extract');
    expect(r.text).not.toContain('color: red');
  });

  it('readable text keeps block structure and table rows', async () => {
    const r = await extractOk(fx.write('menu2.html', latin1(PAGE)));
    const lines = r.text.split('\n');
    expect(lines).toContain('Espresso\t2,00 €');
    expect(lines).toContain('Open daily');
    expect(lines).toContain('Since 1923');
  });

  it('links and headings become entities', async () => {
    const r = await extractOk(fx.write('menu3.html', latin1(PAGE)));
    expect(r.entities.filter((e) => e.type === 'link')).toEqual([
      { type: 'link', value: 'https://example.org/menu?a=1&b=2', attributes: { text: 'our full menu' } },
      { type: 'link', value: '/contact', attributes: { text: 'contact us' } },
    ]);
    expect(r.entities.filter((e) => e.type === 'heading').map((e) => [e.value, e.attributes?.level])).toEqual([
      ['Café <Menu>', 1],
      ['Prices', 2],
    ]);
    expect(r.counters).toMatchObject({ links: 2, headings: 2, tables: 1 });
  });

  it('Markdown keeps tables as GFM tables', async () => {
    const r = await extractOk(fx.write('menu4.html', latin1(PAGE)));
    // turndown escapes '>' (harmless in Markdown).
    expect(r.markdown).toMatch(/^# Café <Menu\\?>$/m);
    expect(r.markdown).toContain('[our full menu](https://example.org/menu?a=1&b=2)');
    expect(r.markdown).toMatch(/\| Item\s*\| Price\s*\|\n\| --- \| --- \|/);
    expect(r.markdown).toMatch(/\| Croissant \\\| butter \| 1,50 € \|/);
    expect(r.markdown).not.toContain('do not extract');
  });

  it('tables also land in `tables`', async () => {
    const r = await extractOk(fx.write('menu5.html', latin1(PAGE)));
    expect(r.tables).toEqual([
      { name: 'table 1', hasHeader: true, rows: [['Item', 'Price'], ['Espresso', '2,00 €'], ['Croissant | butter', '1,50 €']] },
    ]);
    expect(r.metadata.tableElements).toBe(1);
  });

  it('a page with no visible text warns', async () => {
    const r = await extractOk(fx.write('blank.html', '<!DOCTYPE html><html><head><title></title><script>x()</script></head><body>  </body></html>'));
    expect(r.text).toBe('');
    expect(r.warnings.join()).toMatch(/no visible text/);
  });

  it('deep nesting degrades gracefully instead of crashing', async () => {
    const depth = 20_000;
    const html = '<!DOCTYPE html><html><body>' + '<div>'.repeat(depth) + 'deep text' + '</div>'.repeat(depth) + '</body></html>';
    const r = await extractOk(fx.write('deep.html', html));
    expect(r.text).toBe('deep text');
    expect(r.markdown).toContain('deep text');
  });

  it('mainContentOnly keeps <main>', async () => {
    const html = '<!DOCTYPE html><html><body><nav>Menu links</nav><main><p>The article.</p></main><footer>Legal</footer></body></html>';
    const r = await extractOk(fx.write('main.html', html), { mainContentOnly: true });
    expect(r.text).toBe('The article.');
  });

  it('a NUL byte inside a table row (the GFM table rule took it for a cell) keeps text and Markdown table', async () => {
    const html = '<!DOCTYPE html><html><body><table><tr><th>Item</th>\u0000<th>Price</th></tr><tr><td>Tea\u0000</td><td>2</td></tr></table></body></html>';
    const r = await extractOk(fx.write('nul-row.html', html));
    expect(r.text).toBe('Item\tPrice\nTea\t2');
    expect(r.markdown).toMatch(/^\| Item +\| Price +\|\n\| --- \| --- \|\n\| Tea +\| 2 +\|$/);
    expect(r.warnings).toEqual([]);
  });

  it('text stray between the cells of a header row moves before its table, as a browser shows it', async () => {
    const r = await extractOk(fx.write('stray.html', '<html><body><table><tr><th>A</th>note<th>B</th></tr><tr><td>1</td><td>2</td></tr></table></body></html>'));
    expect(r.text).toBe('note\n\nA\tB\n1\t2');
    expect(r.markdown).toContain('| A   | B   |');
  });

  it('an empty or whitespace-only file extracts to no text, with a warning', async () => {
    const cases: Array<[name: string, content: string, warning: string]> = [
      ['empty.html', '', 'File is empty (0 bytes)'],
      ['blank-space.html', ' \n\t \r\n', 'File contains only whitespace'],
    ];
    for (const [name, content, warning] of cases) {
      const r = await extractOk(fx.write(name, content));
      expect([r.text, r.markdown, r.warnings], name).toEqual(['', '', [warning]]);
    }
  });

  it('a fragment without <html>, and content outside <body>, keep their text', async () => {
    const fragment = await extractOk(fx.write('fragment.html', '<h1>Title</h1><p>Body text</p><table><tr><td>a</td><td>b</td></tr></table>'));
    expect(fragment.text).toBe('Title\n\nBody text\n\na\tb');
    expect(fragment.entities).toContainEqual({ type: 'heading', value: 'Title', attributes: { level: 1 } });
    const outside = await extractOk(fx.write('outside.html', '<html><head><title>T</title></head>before<body><p>inside</p></body><p>after</p></html>'));
    expect([outside.metadata.title, outside.text]).toEqual(['T', 'before\n\ninside\n\nafter']);
    const plain = await extractOk(fx.write('plain.html', 'just words'));
    expect(plain.text).toBe('just words');
  });
});
