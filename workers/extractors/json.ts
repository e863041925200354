/**
 * JSON: parsed to prove validity and to describe its shape; the text is the
 * pretty-printed document. Invalid JSON is a corrupt_file with line/column.
 */
import { ExtractionError } from '../../shared/extraction';
import { locateJsonError } from '../text/json-locate';
import { textStats } from '../text/stats';
import { readText } from './common';
import type { ExtractionParts, Extractor } from './types';

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

export const jsonExtractor: Extractor = {
  name: 'json',
  version: '1.0.0',
  formats: ['json'],
  async extract(input): Promise<ExtractionParts> {
    const { text: source, encoding, warnings, empty } = await readText(input);
    if (empty) {
      return { text: '', markdown: '', metadata: { encoding }, warnings, counters: { items: 0 }, encoding };
    }
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      const loc = locateJsonError(source);
      const where = loc ? ` at line ${loc.line}, column ${loc.column} (position ${loc.offset}): ${loc.message}` : `: ${(err as Error).message}`;
      throw new ExtractionError('corrupt_file', `Invalid JSON${where}`, loc ? { ...loc } : {});
    }
    const topLevelType = typeOf(value);
    const metadata: Record<string, unknown> = { encoding, topLevelType };
    let items = 1;
    if (Array.isArray(value)) {
      metadata.length = value.length;
      items = value.length;
      const elementTypes = [...new Set(value.slice(0, 1000).map(typeOf))];
      metadata.elementTypes = elementTypes;
    } else if (topLevelType === 'object') {
      const keys = Object.keys(value as object);
      metadata.keyCount = keys.length;
      // Enough to show the shape; a 100k-key object should not bloat metadata.
      metadata.keys = keys.slice(0, 100);
      items = keys.length;
    }
    const pretty = JSON.stringify(value, null, 2);
    const stats = textStats(pretty);
    return {
      text: pretty,
      markdown: '```json\n' + pretty + '\n```',
      metadata,
      warnings,
      counters: { items, lines: stats.lines, words: stats.words, chars: stats.chars },
      encoding,
    };
  },
};
