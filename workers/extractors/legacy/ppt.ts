/**
 * Legacy PowerPoint presentations (.ppt, PowerPoint 97-2003 binary): the
 * text of each slide, its title and its notes, read from the records of
 * the `PowerPoint Document` stream ([MS-PPT]), and metadata from the
 * property sets. No library: the record tree is walked here with every
 * length bounds-checked and the depth capped, after the compound file is
 * checked (./compound.ts).
 *
 * Where the text is: placeholder text (titles, bullets) in the document's
 * SlideListWithText, one SlidePersistAtom per slide followed by its text
 * atoms (of the last Document record: an incremental save appends a new
 * one); text boxes in each Slide container's drawing. Slide containers are
 * matched to slides in the order they appear, which is the saved order for
 * files written whole; a "fast-saved" file that appended edited slides can
 * hold more containers than slides, and their text is then kept apart as
 * "other text" rather than put on a guessed slide.
 */
import { ExtractionError } from '../../../shared/extraction';
import { oleMetadata } from '../office/ole-properties';
import type { Extractor } from '../types';
import { openCompound, plainText, required } from './compound';

const WHAT = 'PowerPoint presentation (.ppt)';
const RT = {
  document: 0x03e8,
  slide: 0x03ee,
  notes: 0x03f0,
  slidePersist: 0x03f3,
  mainMaster: 0x03f8,
  slideListWithText: 0x0ff0,
  textHeader: 0x0f9f,
  textChars: 0x0fa0,
  textBytes: 0x0fa8,
} as const;
/** TextHeaderAtom types that are titles (title, centred title). */
const TITLE_TYPES = new Set([0, 6]);
const MAX_DEPTH = 32;

interface SlideText {
  title?: string;
  lines: string[];
}

interface Scan {
  /** From SlideListWithText (instance 0), one per slide, in order. */
  listed: SlideText[];
  /** From each Slide container, in stream order. */
  containers: string[][];
  notes: string[][];
}

/** Walks the record tree; text atoms go to the slide, container or notes they sit in. */
export function scanRecords(stream: Buffer): Scan {
  const scan: Scan = { listed: [], containers: [], notes: [] };
  let textType = -1;
  const walk = (start: number, end: number, depth: number, where: { kind: 'list' | 'slide' | 'notes' | 'other'; index: number }) => {
    let at = start;
    while (at + 8 <= end) {
      const verInst = stream.readUInt16LE(at);
      const type = stream.readUInt16LE(at + 2);
      const len = stream.readUInt32LE(at + 4);
      const body = at + 8;
      if (len > end - body)
        throw new ExtractionError('corrupt_file', `Not a readable ${WHAT}: a record runs past the end of its stream`, { offset: at, recordType: type });
      if ((verInst & 0xf) === 0xf) {
        if (depth >= MAX_DEPTH) throw new ExtractionError('corrupt_file', `Not a readable ${WHAT}: its records nest deeper than ${MAX_DEPTH} levels`);
        // An incremental ("fast") save appends a new Document record: the last one is the presentation as saved.
        if (type === RT.document) scan.listed = [];
        if (type === RT.slideListWithText) walk(body, body + len, depth + 1, { kind: verInst >> 4 === 0 ? 'list' : 'other', index: -1 });
        else if (type === RT.slide) {
          scan.containers.push([]);
          walk(body, body + len, depth + 1, { kind: 'slide', index: scan.containers.length - 1 });
        } else if (type === RT.notes) {
          scan.notes.push([]);
          walk(body, body + len, depth + 1, { kind: 'notes', index: scan.notes.length - 1 });
        } else if (type === RT.mainMaster) walk(body, body + len, depth + 1, { kind: 'other', index: -1 });
        else walk(body, body + len, depth + 1, where);
      } else if (type === RT.slidePersist && where.kind === 'list') {
        scan.listed.push({ lines: [] });
      } else if (type === RT.textHeader && len >= 4) {
        textType = stream.readUInt32LE(body);
      } else if (type === RT.textChars || type === RT.textBytes) {
        const raw = type === RT.textChars ? stream.toString('utf16le', body, body + (len & ~1)) : stream.toString('latin1', body, body + len);
        const text = plainText(raw);
        if (text) place(scan, where, text, textType);
      }
      at = body + len;
    }
  };
  walk(0, stream.length, 0, { kind: 'other', index: -1 });
  return scan;
}

function place(scan: Scan, where: { kind: string; index: number }, text: string, textType: number): void {
  if (where.kind === 'list') {
    const slide = scan.listed.at(-1);
    if (!slide) return;
    if (TITLE_TYPES.has(textType) && slide.title === undefined) slide.title = text;
    slide.lines.push(text);
  } else if (where.kind === 'slide') scan.containers[where.index]!.push(text);
  else if (where.kind === 'notes') scan.notes[where.index]!.push(text);
}

export const pptExtractor: Extractor = {
  name: 'ppt',
  version: '1.0.0',
  formats: ['ppt'],
  async extract(input) {
    const bytes = await input.read();
    const file = openCompound(bytes, WHAT);
    if (file.names.includes('EncryptedSummary')) {
      throw new ExtractionError(
        'encrypted',
        'The presentation is password-protected (legacy .ppt encryption cannot be opened); save it unprotected or as .pptx',
      );
    }
    const scan = scanRecords(required(file, 'PowerPoint Document', WHAT));
    const count = scan.listed.length || scan.containers.length;
    const matched = scan.containers.length === count;
    const slides = Array.from({ length: count }, (_, i) => {
      const listed = scan.listed[i] ?? { lines: [] };
      const boxes = matched ? (scan.containers[i] ?? []) : [];
      const lines = [...listed.lines, ...boxes.filter((t) => !listed.lines.includes(t))];
      return { title: listed.title, lines, notes: scan.notes[i] ?? [] };
    });
    const other = matched ? [] : scan.containers.flat().filter((t) => !slides.some((s) => s.lines.includes(t)));
    const warnings: string[] = [];
    if (!count) warnings.push('The presentation has no slides');
    else if (!slides.some((s) => s.lines.length)) warnings.push('The slides have no text');
    if (other.length)
      warnings.push(
        `The file holds ${scan.containers.length} slide records for ${count} slides (saved with "fast save"): their text box text is kept as other text, not placed on a slide`,
      );

    const pages = slides.map((s, i) => ({ number: i + 1, text: [...s.lines, ...s.notes].join('\n') }));
    const markdown = slides
      .map((s, i) => {
        const heading = `## Slide ${i + 1}${s.title ? `: ${s.title.replace(/\n/g, ' ')}` : ''}`;
        const body = s.lines.filter((l) => l !== s.title).map((l) => l.split('\n').join('\n\n'));
        const notes = s.notes.length ? [`**Notes:** ${s.notes.join(' ')}`] : [];
        return [heading, ...body, ...notes].join('\n\n');
      })
      .concat(other.length ? [`## Other text\n\n${other.join('\n\n')}`] : [])
      .join('\n\n');
    const text = [...slides.map((s) => s.lines.join('\n')), ...other].filter(Boolean).join('\n\n');
    return {
      text,
      markdown,
      metadata: {
        ...oleMetadata(file),
        slideTitles: slides.map((s) => s.title ?? ''),
        ...(scan.notes.some((n) => n.length) ? { notes: slides.map((s) => s.notes.join('\n')) } : {}),
      },
      pages,
      warnings,
      counters: { items: count, slides: count, characters: text.length },
    };
  },
};
