/** The Markdown tab's reader: everyday blocks and inlines, and nothing unsafe let through. */
import { describe, expect, it } from 'vitest';
import { cutAtBlock, parseInline, parseMarkdown, safeHref } from '../../../renderer/lib/markdown.js';

describe('blocks', () => {
  it('reads headings, paragraphs, rules, code and quotes', () => {
    expect(parseMarkdown('# Title #\n\nTitle two\n===\n\nline one\nline two\n\n---\n\n```js\nlet a = 1;\n\nb();\n```\n\n> quoted\n> more')).toEqual([
      { type: 'heading', level: 1, text: 'Title' },
      { type: 'heading', level: 1, text: 'Title two' },
      { type: 'paragraph', text: 'line one\nline two' },
      { type: 'rule' },
      { type: 'code', lang: 'js', text: 'let a = 1;\n\nb();' },
      { type: 'quote', children: [{ type: 'paragraph', text: 'quoted\nmore' }] },
    ]);
  });

  it('reads nested lists and ordered ones with their start', () => {
    expect(parseMarkdown('- one\n- two\n  - inner\n- three\n\n3. c\n4. d')).toEqual([
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [
          [{ type: 'paragraph', text: 'one' }],
          [
            { type: 'paragraph', text: 'two' },
            { type: 'list', ordered: false, start: 1, items: [[{ type: 'paragraph', text: 'inner' }]] },
          ],
          [{ type: 'paragraph', text: 'three' }],
        ],
      },
      { type: 'list', ordered: true, start: 3, items: [[{ type: 'paragraph', text: 'c' }], [{ type: 'paragraph', text: 'd' }]] },
    ]);
  });

  it('reads GFM tables with alignment and escaped pipes', () => {
    expect(parseMarkdown('| a | b \\| c | n |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n| 4 |')).toEqual([
      { type: 'table', align: ['left', 'center', 'right'], header: ['a', 'b | c', 'n'], rows: [['1', '2', '3'], ['4']] },
    ]);
  });

  it('keeps raw HTML as text', () => {
    expect(parseMarkdown('<script>alert(1)</script>')).toEqual([{ type: 'paragraph', text: '<script>alert(1)</script>' }]);
  });

  it('caps nesting so a hostile document cannot exhaust the stack', () => {
    expect(() => parseMarkdown('>'.repeat(50_000) + ' deep')).not.toThrow();
    expect(() => parseInline('['.repeat(5_000) + 'x' + '](http://a)'.repeat(5_000))).not.toThrow();
    expect(() => parseInline('*'.repeat(10_000) + 'x')).not.toThrow();
  });
});

describe('inlines', () => {
  it('reads code, emphasis, strike-through and breaks', () => {
    expect(parseInline('a `x*y` **b** _c_ ~~d~~ snake_case_name  \nnext')).toEqual([
      { type: 'text', text: 'a ' },
      { type: 'code', text: 'x*y' },
      { type: 'text', text: ' ' },
      { type: 'strong', children: [{ type: 'text', text: 'b' }] },
      { type: 'text', text: ' ' },
      { type: 'em', children: [{ type: 'text', text: 'c' }] },
      { type: 'text', text: ' ' },
      { type: 'del', children: [{ type: 'text', text: 'd' }] },
      { type: 'text', text: ' snake_case_name' },
      { type: 'break' },
      { type: 'text', text: 'next' },
    ]);
  });

  it('links only http(s) and mailto; images are never sources', () => {
    expect(parseInline('[ok](https://a.example/x "t") [bad](javascript:alert(1)) ![pic](https://a.example/p.png)')).toEqual([
      { type: 'link', href: 'https://a.example/x', title: 'https://a.example/x', children: [{ type: 'text', text: 'ok' }] },
      { type: 'text', text: ' ' },
      { type: 'link', href: null, title: 'javascript:alert(1)', children: [{ type: 'text', text: 'bad' }] },
      { type: 'text', text: ' ' },
      { type: 'image', alt: 'pic', src: 'https://a.example/p.png' },
    ]);
    expect(['http://a', 'HTTPS://b', 'mailto:x@y'].map(safeHref)).toEqual(['http://a', 'HTTPS://b', 'mailto:x@y']);
    expect(['javascript:x', 'data:text/html,x', '/local', 'vbscript:x', ' javascript:x'].map(safeHref)).toEqual([null, null, null, null, null]);
  });
});

describe('slices', () => {
  it('cuts a slice at its last blank line and keeps the rest for the next', () => {
    expect(cutAtBlock('a\n\nb\nc', false)).toEqual({ head: 'a\n\n', rest: 'b\nc' });
    expect(cutAtBlock('a\n\nb', true)).toEqual({ head: 'a\n\nb', rest: '' });
    expect(cutAtBlock('no blank line', false)).toEqual({ head: 'no blank line', rest: '' });
  });
});
