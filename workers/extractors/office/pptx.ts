/**
 * PPTX: slides in presentation order (p:sldIdLst), each slide's shapes in
 * document order: text boxes and placeholders as paragraphs, tables (a:tbl)
 * as tables, groups descended into; the notes slide's body text follows the
 * slide. One page per slide; the title placeholder becomes a heading entity.
 *
 * In Markdown a paragraph is a list item only when it is one on the slide:
 * its own a:buChar / a:buAutoNum (numbered, from its startAt) or a:buNone
 * decide; without them, body and content placeholders are bulleted (the
 * master's body style) and titles, subtitles and text boxes are not (its
 * "other" style). A table with no text adds nothing to the text or Markdown
 * (it stays in `tables`).
 */
import type { Entity, Table } from '../../../shared/extraction';
import { textStats } from '../../text/stats';
import type { Archive } from '../../zip/archive';
import { attr, relAttr, childNamed, children, findAll, findFirst, isText, localName, parseXml, tagOf, textValue, type XNode } from '../../xml/ordered';
import { markdownTable } from '../common';
import type { Extractor } from '../types';
import { ooxmlProperties, openPackage, readRels } from './package';

/** How a paragraph is marked: not at all, a bullet, or a number in an auto-numbered list. */
type Marker = { kind: 'none' } | { kind: 'bullet' } | { kind: 'number'; scheme: string; start: number };

interface Para {
  text: string;
  level: number;
  marker: Marker;
}

/** One a:p: runs, fields and line breaks in order. */
function paragraphText(p: XNode): string {
  let out = '';
  const stack = [...children(p)].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (isText(n)) continue; // whitespace between elements
    const name = localName(tagOf(n));
    if (name === 't') {
      out += children(n).filter(isText).map(textValue).join('');
      continue;
    }
    if (name === 'br') {
      out += '\n';
      continue;
    }
    if (name === 'pPr' || name === 'rPr' || name === 'endParaRPr') continue;
    const kids = children(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

function bodyParagraphs(txBody: XNode, bulletedByDefault = false): Para[] {
  return findAll(children(txBody), 'p').map((p) => {
    const pPr = childNamed(p, 'pPr');
    return { text: paragraphText(p), level: Number(pPr ? (attr(pPr, 'lvl') ?? 0) : 0) || 0, marker: markerOf(pPr, bulletedByDefault) };
  });
}

function markerOf(pPr: XNode | undefined, bulletedByDefault: boolean): Marker {
  const autoNum = pPr && childNamed(pPr, 'buAutoNum');
  if (autoNum) return { kind: 'number', scheme: attr(autoNum, 'type') ?? 'arabicPeriod', start: Number(attr(autoNum, 'startAt') ?? 1) || 1 };
  if (pPr && (childNamed(pPr, 'buChar') || childNamed(pPr, 'buBlip'))) return { kind: 'bullet' };
  if (pPr && childNamed(pPr, 'buNone')) return { kind: 'none' };
  return bulletedByDefault ? { kind: 'bullet' } : { kind: 'none' };
}

/** Placeholders that take the master's bulleted body style (a placeholder with no type is a content placeholder). */
const BULLETED_PLACEHOLDERS = new Set(['body', 'obj', undefined]);

/** Paragraphs as Markdown: list items where the slide marks them, numbers counted per level, plain paragraphs otherwise. */
export function paragraphsMarkdown(paras: Para[]): string[] {
  const out: string[] = [];
  const counters = new Map<number, number>();
  for (const p of paras) {
    const text = p.text.replace(/\n/g, '<br>');
    const indent = '  '.repeat(p.level);
    if (p.marker.kind === 'number') {
      const n = counters.get(p.level) ?? p.marker.start;
      counters.set(p.level, n + 1);
      for (const level of counters.keys()) if (level > p.level) counters.delete(level);
      out.push(`${indent}${n}. ${text}`);
      continue;
    }
    counters.clear();
    out.push(p.marker.kind === 'bullet' ? `${indent}- ${text}` : text);
  }
  return out;
}

function tableRows(tbl: XNode): string[][] {
  return findAll(children(tbl), 'tr').map((tr) =>
    findAll(children(tr), 'tc').map((tc) => {
      // Continuation cells of a merge carry no text of their own.
      if (attr(tc, 'hMerge') === '1' || attr(tc, 'vMerge') === '1') return '';
      const body = childNamed(tc, 'txBody');
      return body
        ? bodyParagraphs(body)
            .map((p) => p.text)
            .join('\n')
            .trim()
        : '';
    }),
  );
}

/** `shape`: which shape a paragraph came from (a list never runs from one shape into the next). */
type Block = { kind: 'para'; para: Para; title: boolean; shape: number } | { kind: 'table'; rows: string[][] };

/** Shapes of a spTree in document order, descending into groups (iterative). */
function slideBlocks(spTree: XNode): Block[] {
  const blocks: Block[] = [];
  let shape = 0;
  const stack = [...children(spTree)].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (isText(n)) continue;
    const name = localName(tagOf(n));
    if (name === 'grpSp') {
      const kids = children(n);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    } else if (name === 'sp') {
      const ph = findFirst([childNamed(n, 'nvSpPr') ?? {}], 'ph');
      const type = ph ? attr(ph, 'type') : undefined;
      if (type === 'sldNum' || type === 'dt' || type === 'ftr' || type === 'sldImg') continue;
      const title = type === 'title' || type === 'ctrTitle';
      const body = childNamed(n, 'txBody');
      const bulleted = !!ph && !title && BULLETED_PLACEHOLDERS.has(type);
      shape++;
      if (body) for (const para of bodyParagraphs(body, bulleted)) blocks.push({ kind: 'para', para, title, shape });
    } else if (name === 'graphicFrame') {
      for (const tbl of findAll(children(n), 'tbl')) blocks.push({ kind: 'table', rows: tableRows(tbl) });
    }
  }
  return blocks;
}

async function notesText(pkg: Archive, slidePart: string): Promise<string> {
  const rels = await readRels(pkg, slidePart);
  const notes = [...rels.values()].find((r) => r.type === 'notesSlide');
  if (!notes) return '';
  const xml = await pkg.text(notes.target);
  if (!xml) return '';
  const tree = findFirst(parseXml(xml), 'spTree');
  if (!tree) return '';
  const lines: string[] = [];
  for (const sp of findAll(children(tree), 'sp')) {
    const ph = findFirst([childNamed(sp, 'nvSpPr') ?? {}], 'ph');
    const type = ph ? attr(ph, 'type') : undefined;
    if (type && type !== 'body') continue; // slide image, slide number, header...
    const body = childNamed(sp, 'txBody');
    if (body) lines.push(...bodyParagraphs(body).map((p) => p.text));
  }
  return lines.join('\n').trim();
}

export const pptxExtractor: Extractor = {
  name: 'pptx',
  version: '1.1.0',
  formats: ['pptx'],
  async extract(input, ctx) {
    const { pkg } = await openPackage(input, 'PPTX');
    try {
      const warnings: string[] = [];
      const metadata = await ooxmlProperties(pkg, warnings);
      const presentation = await pkg.text('ppt/presentation.xml');
      const rels = await readRels(pkg, 'ppt/presentation.xml');
      let slideParts: string[] = [];
      if (presentation) {
        const list = findFirst(parseXml(presentation), 'sldIdLst');
        slideParts = (list ? children(list).filter((c) => localName(tagOf(c)) === 'sldId') : [])
          .map((s) => rels.get(relAttr(s) ?? '')?.target)
          .filter((t): t is string => !!t && !!pkg.find(t));
      } else {
        warnings.push('No ppt/presentation.xml: slides taken in file-name order');
      }
      if (!slideParts.length) {
        slideParts = pkg.entries
          .map((e) => e.name)
          .filter((n) => /^ppt\/slides\/slide\d+\.xml$/i.test(n))
          .sort((a, b) => Number(/(\d+)\.xml$/i.exec(a)![1]) - Number(/(\d+)\.xml$/i.exec(b)![1]));
      }

      const pages: Array<{ number: number; text: string }> = [];
      const tables: Table[] = [];
      const entities: Entity[] = [];
      const md: string[] = [];
      let notesCount = 0;
      for (let i = 0; i < slideParts.length; i++) {
        const number = i + 1;
        const part = slideParts[i]!;
        const xml = await pkg.text(part);
        const tree = xml ? findFirst(parseXml(xml), 'spTree') : undefined;
        const blocks = tree ? slideBlocks(tree) : [];
        const title = blocks
          .filter((b) => b.kind === 'para' && b.title)
          .map((b) => (b as { para: Para }).para.text.trim())
          .filter(Boolean)
          .join(' ');
        if (title) entities.push({ type: 'heading', value: title, attributes: { slide: number } });
        const lines: string[] = [];
        const mdBlocks: string[] = [`## Slide ${number}${title ? `: ${title.replace(/\n/g, ' ')}` : ''}`];
        let tableNo = 0;
        let run: Para[] = [];
        const flush = () => {
          const items = paragraphsMarkdown(run);
          // List items of one list are one block (no blank lines between them); plain paragraphs are blocks of their own.
          let list: string[] = [];
          let listKind = '';
          for (const [k, line] of items.entries()) {
            const { marker, level } = run[k]!;
            // A plain paragraph, or a top-level switch between bullets and numbers, ends the list.
            if (list.length && (marker.kind === 'none' || (level === 0 && marker.kind !== listKind))) {
              mdBlocks.push(list.join('\n'));
              list = [];
            }
            if (marker.kind === 'none') mdBlocks.push(line);
            else {
              if (!list.length || level === 0) listKind = marker.kind;
              list.push(line);
            }
          }
          if (list.length) mdBlocks.push(list.join('\n'));
          run = [];
        };
        let shape = -1;
        for (const b of blocks) {
          if (b.kind === 'para') {
            if (!b.para.text.trim()) continue;
            lines.push(b.para.text);
            if (b.shape !== shape) flush();
            shape = b.shape;
            if (!b.title) run.push(b.para);
          } else {
            flush();
            tableNo++;
            const rows = b.rows;
            tables.push({ name: `slide ${number} table ${tableNo}`, page: number, rows, hasHeader: true });
            if (!rows.some((r) => r.some((c) => c.trim()))) continue; // an empty table: in tables, no text
            lines.push(rows.map((r) => r.join('\t')).join('\n'));
            mdBlocks.push(markdownTable(rows, true));
          }
        }
        flush();
        const notes = await notesText(pkg, part);
        if (notes) {
          notesCount++;
          lines.push(`Notes:\n${notes}`);
          mdBlocks.push(
            notes
              .split('\n')
              .map((l) => `> ${l}`)
              .join('\n')
              .replace(/^> /, '> **Notes:** '),
          );
        }
        pages.push({ number, text: lines.join('\n') });
        md.push(mdBlocks.join('\n\n'));
        ctx.progress(number, slideParts.length);
      }
      if (!slideParts.length) warnings.push('The presentation has no slides');
      const text = pages
        .map((p) => p.text)
        .filter(Boolean)
        .join('\n\n');
      const stats = textStats(text);
      return {
        text,
        markdown: md.join('\n\n'),
        metadata: {
          ...metadata,
          slides: slideParts.length,
          slidesWithNotes: notesCount,
          tables: tables.length,
          mediaFiles: pkg.entries.filter((e) => e.name.startsWith('ppt/media/')).length,
        },
        tables,
        entities,
        pages,
        warnings,
        counters: { items: slideParts.length, slides: slideParts.length, tables: tables.length, notes: notesCount, words: stats.words, chars: stats.chars },
      };
    } finally {
      pkg.close();
    }
  },
};
