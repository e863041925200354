import { parseHTML } from 'linkedom';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_MARKDOWN_DEPTH } from '../../../workers/extractors/html/markdown-input';
import { capNesting, MAX_PARSE_DEPTH } from '../../../workers/extractors/html/nesting';
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
      {
        name: 'table 1',
        hasHeader: true,
        rows: [
          ['Item', 'Price'],
          ['Espresso', '2,00 €'],
          ['Croissant | butter', '1,50 €'],
        ],
      },
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
    const r = await extractOk(
      fx.write('stray.html', '<html><body><table><tr><th>A</th>note<th>B</th></tr><tr><td>1</td><td>2</td></tr></table></body></html>'),
    );
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

/** `n` nested `<tag>`s, each opening with its own word: w0 … w(n-1). */
const nested = (tag: string, n: number, attrs = (_i: number) => '') =>
  Array.from({ length: n }, (_, i) => `<${tag}${attrs(i)}>w${i} `).join('') + `</${tag}>`.repeat(n);
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);
const page = (body: string) => `<!DOCTYPE html><html><body>${body}</body></html>`;

/** Depth of the deepest element under `root`. */
function treeDepth(root: { firstElementChild: unknown }): number {
  let max = 0;
  const stack: Array<[any, number]> = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    max = Math.max(max, depth);
    for (let c = node.firstElementChild; c; c = c.nextElementSibling) stack.push([c, depth + 1]);
  }
  return max;
}

// Hostile structure (issue #11's fuzzing): every case must finish with all
// its text; none asserts a time. Each once took from seconds to forever.
describe('html extractor on hostile structure', () => {
  it('3,000 nested <span>s: Markdown is flattened below its depth limit, with a warning, and keeps every word', async () => {
    const r = await extractOk(fx.write('deep-spans.html', page(`<h1>Top</h1>${nested('span', 3000)}<p>after</p>`)));
    const all = words(3000);
    expect(r.text.split(/\s+/)).toEqual(['Top', ...all, 'after']);
    expect(r.markdown.split(/\s+/)).toEqual(['#', 'Top', ...all, 'after']);
    expect(r.warnings).toEqual([
      `HTML nests elements 3000 levels deep; for Markdown, elements deeper than ${MAX_MARKDOWN_DEPTH} levels were flattened (their text is all kept)`,
    ]);
  });

  it('50,000 nested elements: tags below the parse depth limit are left out, with a warning, and every word is kept', async () => {
    const r = await extractOk(fx.write('deeper.html', page(nested('font', 50_000))));
    expect(r.text.split(/\s+/)).toEqual(words(50_000));
    expect(r.warnings[0]).toBe(
      `HTML nests elements more than ${MAX_PARSE_DEPTH} levels deep; ${50_000 - MAX_PARSE_DEPTH + 2} elements below that depth were left out (their text is kept)`,
    );
    expect(r.warnings[1]).toMatch(/for Markdown, elements deeper than \d+ levels were flattened/);
  });

  it('capped source parses no deeper than the cap and keeps the text, whatever closes the elements', () => {
    const mixes = [
      nested('span', 500),
      '<div><span><p>para<table><tr><td>cell'.repeat(300),
      '<ul><li>item<ul>'.repeat(300) + '<svg><g><path/>'.repeat(100) + '<script>if (a < b) { x("<div>") }</script>end',
      '<p>' + '<i>'.repeat(400) + '<<i>b>x' + '</i>'.repeat(400) + '</p>' + '<b>'.repeat(300) + '</span>'.repeat(50) + 'z',
    ];
    const squash = (s: string) => s.replace(/\s+/g, '');
    for (const body of mixes) {
      const html = page(body);
      const { html: capped, cut } = capNesting(html, 16);
      const before = parseHTML(html).document;
      const after = parseHTML(capped).document;
      expect(cut).toBeGreaterThan(0);
      expect(treeDepth(before)).toBeGreaterThan(100);
      // <html> is level 1; a leaf (a void element such as the <br> a cut block leaves, or a <script>, never cut) may sit one below.
      expect(treeDepth(after)).toBeLessThanOrEqual(17);
      expect(squash(after.body.textContent)).toBe(squash(before.body.textContent));
      // Nothing changes below the cap.
      expect(capNesting(html, 100_000)).toEqual({ html, cut: 0 });
    }
  });

  it('nested headings and links each own their own text (as a browser closes the outer one), not all of it', async () => {
    const html = nested('h2', 3000) + nested('a', 3000, (i) => ` href="#l${i}"`);
    const r = await extractOk(fx.write('nested-entities.html', page(html)));
    const headings = r.entities.filter((e) => e.type === 'heading');
    const links = r.entities.filter((e) => e.type === 'link');
    expect(headings.map((h) => h.value)).toEqual(words(3000));
    expect(links.map((l) => [l.value, l.attributes?.text])).toEqual(words(3000).map((w, i) => [`#l${i}`, w]));
  });

  it('colspan is read as a browser reads it: at most 1000, and 1 when zero or not a number', async () => {
    const row = (span: string) => `<tr><td colspan="${span}">x</td></tr>`;
    const html = `<table><tr><th>A</th><th>B</th></tr>${row('1500')}${row('0')}${row('abc')}${row(' 3 ')}</table>`;
    const r = await extractOk(fx.write('colspan.html', page(html)));
    const pipes = (cell: string) =>
      r.markdown
        .split('\n')
        .find((l) => l.startsWith(`| ${cell}`))!
        .split('|').length - 1;
    const lines = r.markdown.split('\n').filter((l) => l.startsWith('| x'));
    expect(lines.map((l) => l.split('|').length - 1)).toEqual([1001, 2, 2, 4]);
    expect(pipes('A')).toBe(3);
  });

  it('table rows and cells outside any table (the GFM plugin threw on them) keep their Markdown', async () => {
    const r = await extractOk(fx.write('stray-cells.html', page('<div><tr><td>alpha</td><td>beta</td></tr></div><p>gamma</p>')));
    expect(r.warnings).toEqual([]);
    expect(r.markdown.split(/\s+/)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('a 3,000-row table becomes one GFM table in work proportional to its size', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `<tr><td>r${i}</td><td align="right">${i}</td></tr>`).join('');
    const path = fx.write('long-table.html', page(`<table><thead><tr><th>Name</th><th>N</th></tr></thead><tbody>${rows}</tbody></table>`));
    // linkedom builds a new array each time childNodes or children is read; count the nodes listed.
    const { document } = parseHTML('<p></p>');
    const listed = { n: 0 };
    const restore = ['childNodes', 'children'].map((name) => countListed(document.body, name, listed));
    let r;
    try {
      r = await extractOk(path);
    } finally {
      restore.forEach((undo) => undo());
    }
    const lines = r.markdown.split('\n');
    expect(lines.slice(0, 3)).toEqual(['| Name | N   |', '| --- | ---: |', '| r0  | 0   |']);
    expect(lines).toHaveLength(3002);
    // The nodes of the page: about 12,000. The GFM plugin's own rules listed 3,000 rows per row.
    expect(listed.n).toBeLessThan(200_000);
  });

  it('a million no-break spaces between two words (turndown trimmed its output with a quadratic regex)', async () => {
    const r = await extractOk(fx.write('nbsp.html', page(`<p>a${'\u00a0'.repeat(1_000_000)}b</p>`)));
    expect(r.text).toBe('a b');
    expect([r.markdown.length, r.markdown[0], r.markdown.at(-1)]).toEqual([1_000_002, 'a', 'b']);
  });
});

/** Wraps linkedom's getter `name` (found up the prototype chain of `node`) to add each list's length to `into.n`; returns the undo. */
function countListed(node: object, name: string, into: { n: number }): () => void {
  let proto = Object.getPrototypeOf(node);
  while (proto && !Object.prototype.hasOwnProperty.call(proto, name)) proto = Object.getPrototypeOf(proto);
  const original = Object.getOwnPropertyDescriptor(proto, name)!;
  Object.defineProperty(proto, name, {
    ...original,
    get(this: object) {
      const list = original.get!.call(this);
      into.n += list.length;
      return list;
    },
  });
  return () => Object.defineProperty(proto, name, original);
}
