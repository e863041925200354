/** Find-in-text for the detail view: the query's terms and where they match, as the index matched them. */
import { describe, expect, it } from 'vitest';
import { findMatches, fold, queryTerms, splitAtRanges } from '../../../renderer/lib/highlight.js';

const marked = (text: string, query: string) =>
  splitAtRanges(text, findMatches(text, queryTerms(query)))
    .filter((p) => p.hit)
    .map((p) => p.text);

describe('queryTerms', () => {
  it('reads words, phrases, prefixes and drops exclusions and operators', () => {
    expect(queryTerms('budget report')).toEqual([
      { words: ['budget'], prefix: false },
      { words: ['report'], prefix: false },
    ]);
    expect(queryTerms('"Exact Phrase" pre*')).toEqual([
      { words: ['exact', 'phrase'], prefix: false },
      { words: ['pre'], prefix: true },
    ]);
    expect(queryTerms('cat OR dog NOT mouse -rat AND')).toEqual([
      { words: ['cat'], prefix: false },
      { words: ['dog'], prefix: false },
    ]);
  });

  it('survives what a person types by mistake', () => {
    expect(queryTerms('"open quote')).toEqual([{ words: ['open', 'quote'], prefix: false }]);
    for (const q of ['-', '""', '***', '"', 'NOT', '-"x y"', 'NOT x', '   ']) expect(queryTerms(q)).toEqual([]);
    expect(queryTerms('e-mail')).toEqual([{ words: ['e', 'mail'], prefix: false }]);
  });

  it('folds case and diacritics', () => {
    expect(fold('Ça Naïve ÉCOLE')).toBe('ca naive ecole');
    expect(queryTerms('Café')).toEqual([{ words: ['cafe'], prefix: false }]);
  });
});

describe('findMatches', () => {
  it('marks whole words, any case and accent, in the original text', () => {
    expect(marked('The Café is naïve; CAFÉ-bar, cafeteria.', 'cafe naive')).toEqual(['Café', 'naïve', 'CAFÉ']);
  });

  it('marks a phrase across punctuation and line breaks, and whole words for a prefix', () => {
    expect(marked('bitwise\noperations; bitwise, operations!', '"bitwise operations"')).toEqual(['bitwise\noperations', 'bitwise, operations']);
    expect(marked('prefixed preform repo', 'pre*')).toEqual(['prefixed', 'preform']);
  });

  it('keeps indices right around characters that fold to more or fewer units', () => {
    const text = '😀 İstanbul e\u0301te 😀 ete';
    const ranges = findMatches(text, queryTerms('ete'));
    expect(ranges.map(([a, b]) => text.slice(a, b))).toEqual(['e\u0301te', 'ete']);
  });

  it('stops at the cap and finds nothing without terms', () => {
    expect(findMatches('a a a a a', queryTerms('a'), 3)).toHaveLength(3);
    expect(findMatches('anything', [])).toEqual([]);
  });
});
