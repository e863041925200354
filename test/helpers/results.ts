// A small, valid extraction result for store and scheduler tests.
import type { ExtractionResult } from '../../shared/extraction.js';

export function sampleResult(over: Partial<ExtractionResult> = {}): ExtractionResult {
  return {
    format: 'text',
    detection: { format: 'text', method: 'sniff', encoding: 'UTF-8' },
    extractor: { name: 'text', version: '1.0.0' },
    text: 'hello world',
    markdown: 'hello world',
    metadata: { title: 'Sample' },
    tables: [],
    entities: [{ type: 'link', value: 'https://example.org' }],
    warnings: [],
    counters: { items: 1 },
    ...over,
  };
}
