/**
 * Legacy Word documents (.doc, Word 97-2003 binary): text from the piece
 * table by `word-extractor` (MIT): body, footnotes, endnotes, comments,
 * text boxes, headers and footers; metadata from the property sets. The
 * compound file is checked first (./compound.ts). Encrypted documents
 * fail as `encrypted`; Word 6/95 files (before the Word 97 format) as
 * `unsupported_format`.
 */
import WordExtractor from 'word-extractor';
import { ExtractionError } from '../../../shared/extraction';
import { oleMetadata } from '../office/ole-properties';
import type { Extractor } from '../types';
import { openCompound, plainText, required } from './compound';

const WHAT = 'Word document (.doc)';
/** The last nFib before Word 97 (Word 95 writes 0x68); word-extractor reads Word 97's piece table and later. */
const NFIB_WORD95 = 0x68;

/** The File Information Block's first fields: version and the encryption flag. */
function checkFib(word: Buffer): void {
  if (word.length < 12 || word.readUInt16LE(0) !== 0xa5ec) {
    if (word.length >= 2 && word.readUInt16LE(0) === 0xa5dc)
      throw new ExtractionError('unsupported_format', 'This is a Word 6/95 document: only Word 97 and later .doc files are read. Save it as .docx.');
    throw new ExtractionError('corrupt_file', `Not a readable ${WHAT}: its WordDocument stream has no Word header`);
  }
  if (word.readUInt16LE(2) <= NFIB_WORD95)
    throw new ExtractionError('unsupported_format', 'This is a Word 6/95 document: only Word 97 and later .doc files are read. Save it as .docx.');
  if (word.readUInt16LE(10) & 0x0100)
    throw new ExtractionError(
      'encrypted',
      'The Word document is password-protected (legacy .doc encryption cannot be opened); save it unprotected or as .docx',
    );
}

export const docExtractor: Extractor = {
  name: 'doc',
  version: '1.0.0',
  formats: ['doc'],
  async extract(input) {
    const bytes = await input.read();
    const file = openCompound(bytes, WHAT);
    checkFib(required(file, 'WordDocument', WHAT));
    let doc: Awaited<ReturnType<WordExtractor['extract']>>;
    try {
      doc = await new WordExtractor().extract(bytes);
    } catch (err) {
      if (err instanceof ExtractionError) throw err;
      throw new ExtractionError('corrupt_file', `Not a readable ${WHAT}: its text tables are damaged`, { library: (err as Error)?.message ?? String(err) });
    }
    const body = plainText(doc.getBody());
    const parts = {
      footnotes: plainText(doc.getFootnotes()),
      endnotes: plainText(doc.getEndnotes()),
      comments: plainText(doc.getAnnotations()),
      textBoxes: plainText(doc.getTextboxes({ includeHeadersAndFooters: false })),
      headers: plainText(doc.getHeaders({ includeFooters: false })),
      footers: plainText(doc.getFooters()),
    };
    const meta = oleMetadata(file);
    const sections: Array<[string, string]> = [
      ['Footnotes', parts.footnotes],
      ['Endnotes', parts.endnotes],
      ['Comments', parts.comments],
      ['Text boxes', parts.textBoxes],
      ['Headers', parts.headers],
      ['Footers', parts.footers],
    ];
    const present = sections.filter(([, t]) => t);
    const warnings = body || present.length ? [] : ['The document has no text'];
    // Headers and footers repeat on every page: kept out of the text (searchable from Markdown and metadata).
    const text = [body, parts.footnotes, parts.endnotes, parts.comments, parts.textBoxes].filter(Boolean).join('\n\n');
    const markdown = [body.split('\n').join('\n\n'), ...present.map(([title, t]) => `## ${title}\n\n${t.split('\n').join('\n\n')}`)]
      .filter(Boolean)
      .join('\n\n');
    return {
      text,
      markdown,
      metadata: {
        ...meta,
        ...(parts.headers ? { header: parts.headers } : {}),
        ...(parts.footers ? { footer: parts.footers } : {}),
      },
      warnings,
      counters: {
        items: body ? body.split('\n').filter((l) => l.trim()).length : 0,
        paragraphs: body ? body.split('\n').filter((l) => l.trim()).length : 0,
        characters: text.length,
      },
    };
  },
};
