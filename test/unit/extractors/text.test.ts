import { afterAll, describe, expect, it } from 'vitest';
import { decodeText, declaredCharset } from '../../../workers/text/decode';
import { fixtureDir, latin1, utf16be, utf16le, utf8Bom } from '../../helpers/fixtures';
import { extractOk } from './helpers';

const fx = fixtureDir('quarry-text-');
afterAll(() => fx.cleanup());

const SAMPLE = 'Grüße aus Köln!\nCafé crème, naïve façade.\nÇa va très bien, Müller.\n';

describe('text decoding helper', () => {
  it('BOMs: UTF-8, UTF-16 LE and BE', () => {
    expect(decodeText(utf8Bom(SAMPLE))).toMatchObject({ text: SAMPLE, encoding: 'UTF-8', source: 'bom' });
    expect(decodeText(utf16le(SAMPLE))).toMatchObject({ text: SAMPLE, encoding: 'UTF-16LE', source: 'bom' });
    expect(decodeText(utf16be(SAMPLE))).toMatchObject({ text: SAMPLE, encoding: 'UTF-16BE', source: 'bom' });
  });

  it('UTF-16 without a BOM is recognised by its zero bytes', () => {
    expect(decodeText(utf16le(SAMPLE, false))).toMatchObject({ text: SAMPLE, encoding: 'UTF-16LE' });
    expect(decodeText(utf16be(SAMPLE, false))).toMatchObject({ text: SAMPLE, encoding: 'UTF-16BE' });
  });

  it('Latin-1 via chardet; plain UTF-8 without BOM', () => {
    const d = decodeText(latin1(SAMPLE));
    expect(d.text).toBe(SAMPLE);
    expect(d.source).toBe('chardet');
    expect(d.encoding).toMatch(/8859-1|1252/);
    expect(decodeText(Buffer.from(SAMPLE))).toMatchObject({ text: SAMPLE, encoding: 'UTF-8', source: 'utf8' });
  });

  it('a user override and a declared charset', () => {
    expect(decodeText(latin1('caf\u00e9'), { override: 'windows-1252' })).toMatchObject({ text: 'café', source: 'option' });
    const html = latin1('<html><head><meta charset="iso-8859-1"></head><body>caf\u00e9</body></html>');
    expect(declaredCharset(html)).toBe('iso-8859-1');
    expect(decodeText(html, { declared: declaredCharset(html) })).toMatchObject({ source: 'declared' });
  });
});

describe('text extractor', () => {
  it('counts lines, words and chars; items = lines; records the encoding', async () => {
    const r = await extractOk(fx.write('latin1.txt', latin1(SAMPLE)));
    expect(r.format).toBe('text');
    expect(r.text).toBe(SAMPLE);
    expect(r.counters).toMatchObject({ items: 3, lines: 3, words: 12, chars: [...SAMPLE].length });
    expect(r.detection.encoding).toMatch(/8859-1|1252/);
    expect(r.extractor).toEqual({ name: 'text', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it.each([
    ['utf16le.txt', utf16le(SAMPLE), 'UTF-16LE'],
    ['utf16be.txt', utf16be(SAMPLE), 'UTF-16BE'],
    ['bom.txt', utf8Bom(SAMPLE), 'UTF-8'],
  ])('%s decodes correctly', async (name, bytes, encoding) => {
    const r = await extractOk(fx.write(name, bytes));
    expect(r.text).toBe(SAMPLE);
    expect(r.detection.encoding).toBe(encoding);
    expect(r.metadata.encoding).toBe(encoding);
  });

  it('an empty file is not silent', async () => {
    const r = await extractOk(fx.write('empty.txt', ''));
    expect(r.text).toBe('');
    expect(r.counters.items).toBe(0);
    expect(r.warnings.join(' ')).toMatch(/empty/i);
  });
});

describe('markdown extractor', () => {
  const MD = [
    '# Quarry Guide',
    '',
    'Intro with a [link](https://example.org/docs "Docs") and <https://example.com>.',
    '',
    '```sh',
    '# not a heading',
    '```',
    '',
    'Setext Section',
    '--------------',
    '',
    '## Details *here*',
    '',
    '- item one',
    '',
  ].join('\n');

  it('keeps the source, takes the first H1 as title, headings and links as entities', async () => {
    const r = await extractOk(fx.write('guide.md', MD));
    expect(r.format).toBe('markdown');
    expect(r.text).toBe(MD);
    expect(r.markdown).toBe(MD);
    expect(r.metadata.title).toBe('Quarry Guide');
    const headings = r.entities.filter((e) => e.type === 'heading');
    expect(headings.map((h) => [h.value, h.attributes?.level])).toEqual([
      ['Quarry Guide', 1],
      ['Setext Section', 2],
      ['Details here', 2],
    ]);
    const links = r.entities.filter((e) => e.type === 'link').map((e) => e.value);
    expect(links).toEqual(['https://example.org/docs', 'https://example.com']);
    expect(r.counters.items).toBe(14);
  });
});
