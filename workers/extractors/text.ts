/** Plain text: decode (BOM / chardet / iconv), count, one item per line. */
import { lineEnding, textStats } from '../text/stats';
import { readText } from './common';
import type { Extractor } from './types';

export const textExtractor: Extractor = {
  name: 'text',
  version: '1.0.0',
  formats: ['text'],
  async extract(input) {
    const { text, encoding, warnings } = await readText(input);
    const stats = textStats(text);
    return {
      text,
      // Plain text is already readable Markdown; escaping every '*' or '#' would hurt more than help.
      markdown: text,
      metadata: { encoding, lineEnding: lineEnding(text) },
      warnings,
      counters: { items: stats.lines, lines: stats.lines, words: stats.words, chars: stats.chars },
      encoding,
    };
  },
};
