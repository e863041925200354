/**
 * Find-in-text for the detail view: the terms of a search query (the same
 * syntax the index reads, main/core/store/fts-query.ts: words, "phrases",
 * prefix*, OR, NOT / -word) and where they occur in a piece of text, the way
 * the index matched them: whole words, case- and diacritic-insensitive, a
 * prefix term matching the start of a word (the whole word is marked), a phrase as its words in order
 * with only punctuation or spaces between. Excluded terms are not looked for.
 */

export interface FindTerm {
  /** The term's words, folded (lower case, no diacritics). */
  words: string[];
  prefix: boolean;
}

export type Range = readonly [start: number, end: number];

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower case without diacritics, the way the index's unicode61 tokenizer compares. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The positive terms of a query, each as its folded words. */
export function queryTerms(query: string): FindTerm[] {
  const terms: FindTerm[] = [];
  let negateNext = false;
  // A phrase (its closing quote optional), or a run of anything but spaces and quotes.
  for (const m of query.matchAll(/(-?)"([^"]*)"?(\*?)|(\S+?)(?=\s|"|$)/gu)) {
    const phrase = m[2] !== undefined;
    let text = phrase ? m[2]! : m[4]!;
    if (!phrase && (text === 'OR' || text === 'AND')) continue;
    if (!phrase && text === 'NOT') {
      negateNext = true;
      continue;
    }
    let negated = negateNext || m[1] === '-';
    negateNext = false;
    if (!phrase && text.startsWith('-')) {
      negated = true;
      text = text.slice(1);
    }
    const prefix = phrase ? m[3] === '*' : text.endsWith('*');
    const words = fold(text).match(WORD) ?? [];
    if (!negated && words.length) terms.push({ words, prefix });
  }
  return terms;
}

/** The text folded, with where each folded character came from. */
interface Folded {
  text: string;
  /** Original index of the character that produced each folded one. */
  from: number[];
  /** Original index just past that character. */
  to: number[];
}

function foldWithMap(text: string): Folded {
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + width);
    // ASCII is most text: lower-casing it needs no normalisation.
    const f = cp < 0x80 ? ch.toLowerCase() : fold(ch);
    for (let k = 0; k < f.length; k++) {
      from.push(i);
      to.push(i + width);
    }
    out += f;
    i += width;
  }
  return { text: out, from, to };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One pattern for all the terms, or null when there is nothing to find. */
export function termsPattern(terms: readonly FindTerm[]): RegExp | null {
  const alternatives = terms
    .filter((t) => t.words.length)
    .map((t) => `(?<![\\p{L}\\p{N}])${t.words.map(escapeRegExp).join('[^\\p{L}\\p{N}]+')}${t.prefix ? '[\\p{L}\\p{N}]*' : '(?![\\p{L}\\p{N}])'}`);
  return alternatives.length ? new RegExp(alternatives.join('|'), 'gu') : null;
}

/** Where the terms occur in `text` (original indices), in order, at most `max`. */
export function findMatches(text: string, terms: readonly FindTerm[], max = 10_000): Range[] {
  const pattern = termsPattern(terms);
  if (!pattern || !text) return [];
  const folded = foldWithMap(text);
  const out: Range[] = [];
  for (const m of folded.text.matchAll(pattern)) {
    if (!m[0]) continue;
    out.push([folded.from[m.index]!, folded.to[m.index + m[0].length - 1]!]);
    if (out.length >= max) break;
  }
  return out;
}

/** `text` cut at the ranges: the pieces in order, the matched ones flagged. */
export function splitAtRanges(text: string, ranges: readonly Range[]): Array<{ text: string; hit: boolean }> {
  const pieces: Array<{ text: string; hit: boolean }> = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) continue;
    if (start > at) pieces.push({ text: text.slice(at, start), hit: false });
    pieces.push({ text: text.slice(start, end), hit: true });
    at = end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), hit: false });
  return pieces;
}
