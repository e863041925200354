/**
 * Markdown: kept as-is (it is both the text and the Markdown); headings and
 * links become entities, the first H1 the title. Fenced code is skipped so
 * a "# comment" in a shell snippet is not a heading.
 */
import type { Entity } from '../../shared/extraction';
import { splitLines, textStats } from '../text/stats';
import { readText } from './common';
import type { Extractor } from './types';

/** Strips inline markup from a heading so the entity value is readable. */
function plainInline(s: string): string {
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__)(.*?)\1/g, '$2')
    .replace(/(\*|_)(.*?)\1/g, '$2')
    .trim();
}

export function markdownEntities(source: string): { headings: Entity[]; links: Entity[]; title?: string } {
  const lines = splitLines(source);
  const headings: Entity[] = [];
  const links: Entity[] = [];
  let fence: string | null = null;
  let title: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      if (fence === null) fence = fenceMatch[1]![0]!;
      else if (fenceMatch[1]![0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    let level = 0;
    let value = '';
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+\s*)?$/.exec(line);
    if (atx) {
      level = atx[1]!.length;
      value = atx[2]!;
    } else if (i + 1 < lines.length && line.trim() && !/^\s{0,3}([-*+]|\d+\.)\s/.test(line)) {
      const under = /^\s{0,3}(=+|-+)\s*$/.exec(lines[i + 1]!);
      if (under) {
        level = under[1]![0] === '=' ? 1 : 2;
        value = line;
      }
    }
    if (level) {
      const text = plainInline(value);
      headings.push({ type: 'heading', value: text, attributes: { level, line: i + 1 } });
      if (level === 1 && title === undefined) title = text;
    }
    for (const m of line.matchAll(/(!?)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (m[1]) continue; // images are not links
      links.push({ type: 'link', value: m[3]!, attributes: { text: plainInline(m[2]!), line: i + 1 } });
    }
    for (const m of line.matchAll(/<(https?:\/\/[^>\s]+)>/g)) {
      links.push({ type: 'link', value: m[1]!, attributes: { text: m[1]!, line: i + 1 } });
    }
  }
  return { headings, links, title };
}

export const markdownExtractor: Extractor = {
  name: 'markdown',
  version: '1.0.0',
  formats: ['markdown'],
  async extract(input) {
    const { text, encoding, warnings } = await readText(input);
    const { headings, links, title } = markdownEntities(text);
    const stats = textStats(text);
    return {
      text,
      markdown: text,
      metadata: { encoding, ...(title !== undefined ? { title } : {}), headingCount: headings.length, linkCount: links.length },
      entities: [...headings, ...links],
      warnings,
      counters: { items: stats.lines, lines: stats.lines, words: stats.words, chars: stats.chars, headings: headings.length, links: links.length },
      encoding,
    };
  },
};
