/**
 * OpenDocument text and presentations (.odt, .odp): content.xml walked in
 * document order. Headings (with their outline level), paragraphs, lists,
 * tables, text boxes and sections become text and Markdown; footnotes and
 * comments (office:annotation) are collected apart; each draw:page of a
 * presentation is a page, with its speaker notes. meta.xml gives the title,
 * author and dates; the pictures under Pictures/ are listed.
 */
import { ExtractionError, type Table } from '../../../shared/extraction';
import { allText, attr, children, findFirst, isText, localName, parseXml, simpleFields, tagOf, textValue, type XNode } from '../../xml/ordered';
import { markdownTable } from '../common';
import type { ExtractionParts, Extractor } from '../types';
import { openPackage } from './package';

/** Past this depth an element's text is taken whole (a hostile file must not exhaust the stack). */
const MAX_DEPTH = 200;

interface Out {
  text: string[];
  md: string[];
  tables: Table[];
  footnotes: string[];
  comments: Array<{ author?: string; text: string }>;
}

const name = (n: XNode) => localName(tagOf(n));

/** A paragraph's inline content; notes and comments are collected, text boxes become blocks of their own. */
function inline(node: XNode, out: Out, depth: number, boxes: XNode[]): string {
  let s = '';
  for (const c of children(node)) {
    if (isText(c)) s += textValue(c);
    else if (depth > MAX_DEPTH) s += allText(c);
    else
      switch (name(c)) {
        case 's':
          s += ' '.repeat(Math.min(Number(attr(c, 'c') ?? 1) || 1, 1000));
          break;
        case 'tab':
          s += '\t';
          break;
        case 'line-break':
          s += '\n';
          break;
        case 'note': {
          const body = findFirst([c], 'note-body');
          const sub = emptyOut();
          if (body) blocks(body, sub, depth + 1);
          out.footnotes.push(sub.text.join('\n'));
          s += `[${out.footnotes.length}]`;
          break;
        }
        case 'annotation': {
          const author = findFirst([c], 'creator');
          const paragraphs = children(c).filter((p) => name(p) === 'p');
          out.comments.push({ ...(author ? { author: allText(author).trim() } : {}), text: paragraphs.map((p) => allText(p)).join('\n') });
          break;
        }
        case 'annotation-end':
        case 'bookmark':
        case 'bookmark-start':
        case 'bookmark-end':
          break;
        default:
          // Shapes and frames anchored in a paragraph (text boxes, drawn shapes) are blocks of their own.
          if (tagOf(c).startsWith('draw:')) boxes.push(c);
          else s += inline(c, out, depth + 1, boxes);
      }
  }
  return s;
}

function pushParagraph(out: Out, text: string): void {
  const s = text.trim();
  if (!s) return;
  out.text.push(s);
  out.md.push(s);
}

const emptyOut = (): Out => ({ text: [], md: [], tables: [], footnotes: [], comments: [] });

function paragraph(p: XNode, out: Out, depth: number, prefix = ''): void {
  const boxes: XNode[] = [];
  const s = inline(p, out, depth, boxes).trim();
  if (s) {
    const level = name(p) === 'h' ? Math.min(6, Math.max(1, Number(attr(p, 'outline-level') ?? 1) || 1)) : 0;
    out.text.push(s);
    out.md.push(level ? `${'#'.repeat(level)} ${s}` : `${prefix}${s}`);
  }
  for (const b of boxes) blocks(b, out, depth + 1);
}

function table(t: XNode, out: Out, depth: number): void {
  const rows: string[][] = [];
  const walkRows = (n: XNode) => {
    for (const c of children(n)) {
      if (name(c) === 'table-row') {
        rows.push(
          children(c)
            .filter((cell) => name(cell) === 'table-cell')
            .map((cell) => {
              const sub = emptyOut();
              blocks(cell, sub, depth + 1);
              return sub.text.join('\n');
            }),
        );
      } else if (['table-header-rows', 'table-rows', 'table-row-group'].includes(name(c))) walkRows(c);
    }
  };
  walkRows(t);
  if (!rows.length) return;
  out.tables.push({ name: attr(t, 'name') ?? `table ${out.tables.length + 1}`, rows, hasHeader: false });
  out.text.push(rows.map((r) => r.join('\t')).join('\n'));
  out.md.push(markdownTable(rows, false));
}

function list(l: XNode, out: Out, depth: number, indent: string): void {
  for (const item of children(l).filter((c) => ['list-item', 'list-header'].includes(name(c)))) {
    for (const c of children(item)) {
      if (name(c) === 'list') list(c, out, depth + 1, indent + '  ');
      else if (name(c) === 'p' || name(c) === 'h') paragraph(c, out, depth + 1, `${indent}- `);
      else blocks(c, out, depth + 1);
    }
  }
}

/** Block-level content in order. */
function blocks(node: XNode, out: Out, depth: number): void {
  if (depth > MAX_DEPTH) {
    pushParagraph(out, allText(node));
    return;
  }
  for (const c of children(node)) {
    if (isText(c)) continue;
    const n = name(c);
    if (n === 'p' || n === 'h') paragraph(c, out, depth);
    else if (n === 'list') list(c, out, depth, '');
    else if (n === 'table') table(c, out, depth);
    // A drawn shape's title and description (svg:title, svg:desc) are what it says to a reader: kept as paragraphs.
    else if (n === 'title' || n === 'desc') {
      pushParagraph(out, allText(c));
    }
    // Declarations and speaker notes (read apart) carry no body text.
    else if (['sequence-decls', 'variable-decls', 'user-field-decls', 'forms', 'tracked-changes', 'image', 'notes'].includes(n)) continue;
    else blocks(c, out, depth + 1);
  }
}

async function properties(pkg: Awaited<ReturnType<typeof openPackage>>['pkg']): Promise<Record<string, unknown>> {
  const metaXml = await pkg.text('meta.xml', 4 * 1024 * 1024).catch(() => undefined);
  const m = metaXml ? findFirst(parseXml(metaXml), 'meta') : undefined;
  if (!m) return {};
  const f = simpleFields(m);
  const entries = {
    title: f.title,
    subject: f.subject,
    description: f.description,
    author: f['initial-creator'] ?? f.creator,
    lastAuthor: f.creator,
    created: f['creation-date'],
    modified: f.date,
    language: f.language,
    generator: f.generator,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v));
}

function odfExtractor(format: 'odt' | 'odp', label: string): Extractor {
  return {
    name: format,
    version: '1.0.0',
    formats: [format],
    async extract(input, ctx): Promise<ExtractionParts> {
      const { pkg } = await openPackage(input, label);
      let content: string | undefined;
      let meta: Record<string, unknown>;
      let pictures: string[];
      try {
        content = await pkg.text('content.xml');
        meta = await properties(pkg);
        pictures = pkg.entries.filter((e) => e.name.startsWith('Pictures/') && !e.directory).map((e) => e.name);
      } finally {
        pkg.close();
      }
      if (content === undefined) throw new ExtractionError('corrupt_file', `The ${label} package has no content.xml`);
      const body = findFirst(parseXml(content), 'body');
      const root = body && children(body).find((c) => !isText(c));
      const out = emptyOut();
      const pages: Array<{ number: number; text: string }> = [];
      if (format === 'odp') {
        const slides = root ? children(root).filter((c) => name(c) === 'page') : [];
        for (const [i, slide] of slides.entries()) {
          ctx.progress(i, slides.length);
          const s = emptyOut();
          blocks(slide, s, 0);
          const notes = findFirst([slide], 'notes');
          const n = emptyOut();
          if (notes) blocks(notes, n, 0);
          const title = attr(slide, 'name') ?? `Slide ${i + 1}`;
          pages.push({ number: i + 1, text: [...s.text, ...(n.text.length ? ['Notes:', ...n.text] : [])].join('\n') });
          out.text.push(...s.text);
          out.md.push(`## ${title}`, ...s.md, ...(n.text.length ? ['**Notes:**', ...n.md] : []));
          out.tables.push(...s.tables);
          out.footnotes.push(...s.footnotes);
          out.comments.push(...s.comments);
        }
      } else if (root) blocks(root, out, 0);

      const notes = out.footnotes.map((f, i) => `[${i + 1}] ${f}`);
      const comments = out.comments.map((c) => `${c.author ? `${c.author}: ` : ''}${c.text}`);
      const text = [...out.text, ...(notes.length ? ['Footnotes:', ...notes] : []), ...(comments.length ? ['Comments:', ...comments] : [])].join('\n\n');
      const warnings = out.text.length ? [] : [`The ${label} has no text`];
      return {
        text,
        markdown: [...out.md, ...(notes.length ? ['---', ...notes] : []), ...(comments.length ? ['**Comments:**', ...comments] : [])].join('\n\n'),
        metadata: { ...meta, footnotes: out.footnotes, comments: out.comments, pictures },
        tables: out.tables,
        ...(format === 'odp' ? { pages } : {}),
        warnings,
        counters: {
          items: format === 'odp' ? pages.length : out.text.length,
          ...(format === 'odp' ? { slides: pages.length } : { paragraphs: out.text.length }),
          tables: out.tables.length,
          footnotes: out.footnotes.length,
          comments: out.comments.length,
        },
      };
    },
  };
}

export const odtExtractor = odfExtractor('odt', 'OpenDocument text');
export const odpExtractor = odfExtractor('odp', 'OpenDocument presentation');
