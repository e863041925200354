/**
 * EPUB (2 and 3): the package document (OPF, found through
 * META-INF/container.xml) gives the title, authors, language and the spine;
 * each spine item's XHTML goes through the HTML pipeline, one page per
 * chapter in spine order; the table of contents comes from the NCX (EPUB 2)
 * or the navigation document (EPUB 3). Read with the same ZIP reader and
 * expansion limits as the office formats.
 */
import path from 'node:path';
import { ExtractionError } from '../../shared/extraction';
import { allText, attr, childrenNamed, findAll, findFirst, parseXml, type XNode } from '../xml/ordered';
import { Archive, checkExpandedSize } from '../zip/archive';
import { htmlBody } from './email/common';
import type { ExtractionParts, Extractor } from './types';

const MAX_PART = 64 * 1024 * 1024;

interface TocEntry {
  title: string;
  href: string;
  depth: number;
}

/** An href relative to a part, as a ZIP entry name (fragment dropped, %-escapes decoded). */
function resolve(from: string, href: string): string {
  let h = href.split('#')[0]!;
  try {
    h = decodeURIComponent(h);
  } catch {
    // keep it as written
  }
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), h)).replace(/^\/+/, '');
}

async function xml(archive: Archive, name: string): Promise<XNode[] | undefined> {
  const text = await archive.text(name, MAX_PART);
  return text === undefined ? undefined : parseXml(text);
}

/** NCX navPoints (EPUB 2), nested, in order. */
function ncxToc(nodes: XNode[], ncxPath: string): TocEntry[] {
  const out: TocEntry[] = [];
  const walk = (parent: XNode, depth: number) => {
    for (const p of childrenNamed(parent, 'navPoint')) {
      const label = findFirst([p], 'text');
      const src = attr(findFirst([p], 'content') ?? {}, 'src');
      out.push({ title: label ? allText(label).trim() : '', href: src ? resolve(ncxPath, src) : '', depth });
      walk(p, depth + 1);
    }
  };
  const map = findFirst(nodes, 'navMap');
  if (map) walk(map, 0);
  return out;
}

/** The links of an EPUB 3 navigation document's toc. */
function navToc(nodes: XNode[], navPath: string): TocEntry[] {
  const nav = findAll(nodes, 'nav').find((n) => attr(n, 'type') === 'toc') ?? findFirst(nodes, 'nav');
  return nav ? findAll([nav], 'a').map((a) => ({ title: allText(a).trim(), href: resolve(navPath, attr(a, 'href') ?? ''), depth: 0 })) : [];
}

export const epubExtractor: Extractor = {
  name: 'epub',
  version: '1.0.0',
  formats: ['epub'],
  async extract(input, ctx): Promise<ExtractionParts> {
    const archive = await Archive.open(input.path, { what: 'EPUB file (a ZIP package)', maxEntries: 100_000 });
    try {
      checkExpandedSize(archive, input.size, 'EPUB file');
      const container = await xml(archive, 'META-INF/container.xml');
      const opfPath = container && attr(findFirst(container, 'rootfile') ?? {}, 'full-path');
      const opf = opfPath ? await xml(archive, opfPath) : undefined;
      const pkg = opf && findFirst(opf, 'package');
      if (!opfPath || !pkg)
        throw new ExtractionError('corrupt_file', 'Not a readable EPUB: no package document (META-INF/container.xml names none, or it is missing)');
      const meta = findFirst([pkg], 'metadata');
      const dc = (name: string) =>
        meta
          ? childrenNamed(meta, name)
              .map((n) => allText(n).trim())
              .filter(Boolean)
          : [];
      const manifest = new Map<string, { href: string; type?: string; properties?: string }>();
      for (const item of findAll([pkg], 'item')) {
        const id = attr(item, 'id');
        const href = attr(item, 'href');
        if (id && href) manifest.set(id, { href: resolve(opfPath, href), type: attr(item, 'media-type'), properties: attr(item, 'properties') });
      }
      const spineNode = findFirst([pkg], 'spine');
      const spine = spineNode ? childrenNamed(spineNode, 'itemref').map((r) => manifest.get(attr(r, 'idref') ?? '')?.href) : [];

      const warnings: string[] = [];
      const pages: Array<{ number: number; text: string }> = [];
      const md: string[] = [];
      for (const [i, href] of spine.entries()) {
        ctx.progress(i, spine.length);
        const html = href ? await archive.text(href, MAX_PART) : undefined;
        if (html === undefined) {
          warnings.push(`Spine item ${i + 1} (${href ?? 'unknown'}) is missing from the package`);
          pages.push({ number: i + 1, text: '' });
          continue;
        }
        const body = htmlBody(html, warnings);
        pages.push({ number: i + 1, text: body.text });
        if (body.markdown.trim()) md.push(body.markdown);
      }

      const ncx = manifest.get(spineNode ? (attr(spineNode, 'toc') ?? '') : '');
      const nav = [...manifest.values()].find((m) => m.properties?.split(/\s+/).includes('nav'));
      let toc: TocEntry[] = [];
      if (nav) toc = navToc((await xml(archive, nav.href)) ?? [], nav.href);
      if (!toc.length && ncx) toc = ncxToc((await xml(archive, ncx.href)) ?? [], ncx.href);

      const title = dc('title')[0];
      const text = pages
        .map((p) => p.text)
        .filter(Boolean)
        .join('\n\n');
      if (!text) warnings.push('The book has no text');
      return {
        text,
        markdown: [title ? `# ${title}` : '', ...md].filter(Boolean).join('\n\n'),
        pages,
        metadata: Object.fromEntries(
          Object.entries({
            epubVersion: attr(pkg, 'version'),
            ...(title ? { title } : {}),
            creators: dc('creator'),
            language: dc('language')[0],
            publisher: dc('publisher')[0],
            date: dc('date')[0],
            description: dc('description')[0],
            subjects: dc('subject'),
            spine: spine.map((h) => h ?? ''),
            toc: toc.slice(0, 1000),
          }).filter(([, v]) => v !== undefined),
        ),
        warnings,
        counters: { items: spine.length, chapters: spine.length, tocEntries: toc.length },
      };
    } finally {
      archive.close();
    }
  },
};
