/** The chunker on a real document's Markdown (the corpus' mammoth README) and on pages written here. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../shared/chunks';
import { skipWhen } from '../helpers/skip';

const README = path.resolve(import.meta.dirname, '../../../shared/corpus/text/mammoth-README.md');
const words = (s: string) => s.split(/\s+/).filter(Boolean);

describe('chunks of a real README', skipWhen(!existsSync(README), `${README} not found`), () => {
  const markdown = existsSync(README) ? readFileSync(README, 'utf8') : '';

  it('no chunk over the size; offsets point at the text; every word kept, in order', () => {
    const chunks = chunkDocument({ markdown }, { size: 800 });
    expect(chunks.length).toBeGreaterThan(20);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(800);
      expect(markdown.slice(c.start, c.end)).toBe(c.text);
      expect(c.source).toBe('markdown');
    }
    expect(words(chunks.map((c) => c.text).join(' '))).toEqual(words(markdown));
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('a heading starts a chunk, and each chunk knows the headings it sits under', () => {
    const chunks = chunkDocument({ markdown }, { size: 800 });
    const install = chunks.find((c) => c.text.startsWith('## Installation'));
    expect(install?.headingPath).toEqual(['Mammoth .docx to HTML converter', 'Installation']);
    for (const c of chunks.filter((x) => /^#{1,6} /.test(x.text))) {
      expect(c.headingPath.at(-1)).toBe(c.text.split('\n')[0]!.replace(/^#+ /, ''));
    }
    const nested = chunks.find((c) => c.headingPath.length === 3);
    expect(nested?.headingPath[0]).toBe('Mammoth .docx to HTML converter');
  });

  it('overlap repeats the end of a chunk at the start of the next in the same section; tokens are four characters', () => {
    const chunks = chunkDocument({ markdown }, { size: 300, overlap: 60 });
    const pairs = chunks.slice(1).filter((c, i) => c.headingPath.join('/') === chunks[i]!.headingPath.join('/') && c.start < chunks[i]!.end);
    expect(pairs.length).toBeGreaterThan(5);
    for (const c of pairs) expect(c.start).toBeGreaterThanOrEqual(chunks[c.index - 1]!.end - 60);
    const byTokens = chunkDocument({ markdown }, { size: 200, unit: 'tokens' });
    expect(Math.max(...byTokens.map((c) => c.text.length))).toBeLessThanOrEqual(800);
    expect(byTokens.length).toBe(chunkDocument({ markdown }, { size: 800 }).length);
  });
});

describe('chunks of a paged document', () => {
  it('page ranges, headings found in the page text, and long paragraphs cut at sentence ends', () => {
    const long = Array.from({ length: 30 }, (_, i) => `Sentence number ${i + 1} of the long paragraph.`).join(' ');
    const pages = [
      { number: 1, text: 'Annual report\n\nIntroduction text on page one.' },
      { number: 2, text: `Costs\n${long}` },
      { number: 3, text: 'Closing words.' },
    ];
    const markdown = '# Annual report\n\nIntroduction text on page one.\n\n## Costs\n\n' + long + '\n\nClosing words.';
    const chunks = chunkDocument({ markdown, pages }, { size: 400 });
    expect(chunks[0]).toMatchObject({ source: 'pages', pages: [1, 1], headingPath: ['Annual report'] });
    const costs = chunks.filter((c) => c.headingPath.join('/') === 'Annual report/Costs');
    expect(costs.length).toBeGreaterThan(2);
    expect(costs[0]!.text.startsWith('Costs')).toBe(true);
    for (const c of costs.slice(0, -1)) expect(c.text).toMatch(/\.$/);
    expect(chunks.at(-1)).toMatchObject({ text: expect.stringContaining('Closing words.'), pages: [expect.any(Number), 3] });
    const joined = pages.map((p) => p.text).join('\n\n');
    for (const c of chunks) expect(joined.slice(c.start, c.end)).toBe(c.text);
  });

  it('an empty document has no chunks', () => {
    expect(chunkDocument({ markdown: '  \n\n ' }, { size: 100 })).toEqual([]);
  });
});
