/** Plain text: decode (BOM / chardet / iconv), count, one item per line. */
import { FullTextWriter, previewWarning, removeStaleFullText, shouldStream } from '../text/full-text';
import { lineEnding, textStats } from '../text/stats';
import { decodeStream } from '../text/stream-decode';
import { readText } from './common';
import type { ExtractContext, ExtractInput, ExtractionParts, Extractor } from './types';

export const textExtractor: Extractor = {
  name: 'text',
  version: '1.0.0',
  formats: ['text'],
  async extract(input, ctx) {
    if (shouldStream(input)) return streamedText(input, ctx);
    await removeStaleFullText(input);
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

/**
 * A large file: decoded chunk by chunk to a full-text file; the result keeps
 * a preview as its text and no Markdown of its own (the Markdown is the text,
 * which `fullText.markdownIsText` tells exports).
 */
async function streamedText(input: ExtractInput, ctx: ExtractContext): Promise<ExtractionParts> {
  const { sink, encoding, warnings } = await decodeStream(
    input,
    () => FullTextWriter.open(input.spoolDir!),
    (read) => ctx.progress(read, input.size),
  );
  const done = await sink.finish();
  const { stats } = done;
  if (stats.words === 0) warnings.push('File contains only whitespace');
  warnings.push(previewWarning(done.fullText, input.size));
  return {
    text: done.preview,
    markdown: '',
    // metadata.fullText is lifted to the result's own fullText field by main (see liftFullText).
    metadata: { encoding, lineEnding: done.lineEnding, fullText: done.fullText },
    warnings,
    counters: { items: stats.lines, lines: stats.lines, words: stats.words, chars: stats.chars },
    encoding,
  };
}
