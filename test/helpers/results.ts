// A small, valid extraction result for store and scheduler tests.
import { fullTextSchema, type ExtractionResult, type FullText } from '../../shared/extraction.js';

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

/** The full-text descriptor of a result, wherever it sits: lifted to `fullText` (main), or still in `metadata` (as a worker returns it). */
export function fullTextOf(result: Pick<ExtractionResult, 'metadata'> & { fullText?: FullText }): FullText | undefined {
  if (result.fullText) return result.fullText;
  const parsed = fullTextSchema.safeParse(result.metadata?.fullText);
  return parsed.success ? parsed.data : undefined;
}
