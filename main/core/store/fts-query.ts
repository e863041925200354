/**
 * A person's search query, translated into FTS5's query syntax. Nothing the
 * person types reaches FTS5 as syntax: every word and phrase goes in double
 * quotes, so punctuation, a stray `-`, an unbalanced quote or a column-like
 * `a:b` can never make FTS5 reject the query (an internal error). What the
 * person may write:
 *
 * - words: all must match (`budget report`)
 * - "exact phrases" (a quote left open runs to the end)
 * - prefix*: a word or phrase ending in `*`
 * - OR between two terms (`cat OR dog`), binding tighter than the implicit AND
 * - NOT word, or -word: excluded
 *
 * Returns null when nothing is left to look for (only punctuation, or only
 * exclusions): the search then finds nothing, rather than everything.
 */

interface Term {
  text: string;
  prefix: boolean;
  negated: boolean;
  /** Joined to the previous positive term with OR. */
  or: boolean;
}

const WORDLIKE = /[\p{L}\p{N}]/u;

export function toFtsQuery(input: string): string | null {
  const terms = parseTerms(input);
  const groups: string[][] = [];
  const excluded: string[] = [];
  for (const t of terms) {
    const quoted = `"${t.text.replaceAll('"', '""')}"${t.prefix ? ' *' : ''}`;
    if (t.negated) excluded.push(quoted);
    else if (t.or && groups.length) groups.at(-1)!.push(quoted);
    else groups.push([quoted]);
  }
  if (!groups.length) return null;
  const positive = groups.map((g) => (g.length > 1 ? `(${g.join(' OR ')})` : g[0]!)).join(' AND ');
  return excluded.length ? `(${positive})${excluded.map((e) => ` NOT ${e}`).join('')}` : positive;
}

/** The terms of the query, in order, with their operators applied; terms with no letter or digit are dropped. */
function parseTerms(input: string): Term[] {
  const terms: Term[] = [];
  let negateNext = false;
  let orNext = false;
  for (const token of tokenize(input)) {
    if (!token.phrase && token.text === 'OR') {
      orNext = terms.some((t) => !t.negated);
      continue;
    }
    if (!token.phrase && token.text === 'NOT') {
      negateNext = true;
      continue;
    }
    if (!token.phrase && token.text === 'AND') continue;
    let text = token.text;
    let negated = negateNext || token.negated;
    if (!token.phrase && text.startsWith('-')) {
      negated = true;
      text = text.replace(/^-+/, '');
    }
    let prefix = token.prefix;
    if (!token.phrase && text.endsWith('*')) {
      prefix = true;
      text = text.replace(/\*+$/, '');
    }
    negateNext = false;
    if (!WORDLIKE.test(text)) continue;
    // FTS5 reads `*` only at a phrase's end: inside a word it is punctuation.
    // FTS5 reads `*` only at a phrase's end (inside a word it is punctuation), and a query ends at a NUL.
    terms.push({ text: text.replace(/[*\p{Cc}]/gu, ' '), prefix, negated, or: orNext && !negated });
    orNext = false;
  }
  return terms;
}

interface Token {
  text: string;
  phrase: boolean;
  prefix: boolean;
  /** A phrase written -"like this". */
  negated: boolean;
}

/** Splits on white space, keeping "quoted phrases" whole (an open quote runs to the end); `"…"*` is a prefix phrase. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let minus = false;
  while (i < input.length) {
    if (/\s/u.test(input[i]!)) {
      minus = false;
      i++;
    } else if (input[i] === '"') {
      const end = input.indexOf('"', i + 1);
      const stop = end < 0 ? input.length : end;
      const prefix = end >= 0 && input[end + 1] === '*';
      tokens.push({ text: input.slice(i + 1, stop), phrase: true, prefix, negated: minus });
      minus = false;
      i = stop + 1 + (prefix ? 1 : 0);
    } else {
      let j = i;
      while (j < input.length && !/\s/u.test(input[j]!) && input[j] !== '"') j++;
      const word = input.slice(i, j);
      // -"a phrase": the minus belongs to the phrase that follows it at once.
      minus = input[j] === '"' && /^-+$/.test(word);
      if (!minus) tokens.push({ text: word, phrase: false, prefix: false, negated: false });
      i = j;
    }
  }
  return tokens;
}
