/**
 * A small pull scanner over XML text for big, regular parts (worksheet
 * data, ODF content.xml): it yields start tags, end tags and text without
 * building a tree, so a 200 MB sheet costs its cells, not a DOM. It is
 * lenient the way spreadsheet apps are (text outside the root, unknown
 * entities), never expands DOCTYPE entities, and always advances, so no
 * input can make it loop.
 */
import { decodeEntities, localName } from './ordered';

export type XmlToken =
  | { kind: 'open'; name: string; local: string; selfClosing: boolean; rawAttrs: string }
  | { kind: 'close'; name: string; local: string }
  | { kind: 'text'; text: string };

const ATTR_RE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Attributes of a start tag, keyed by local name (prefixes dropped), values decoded. */
export function parseAttrs(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const m of raw.matchAll(ATTR_RE)) out[localName(m[1]!)] = decodeEntities(m[2] ?? m[3] ?? '');
  return out;
}

/** Index of the '>' closing a tag, skipping quoted attribute values (ODF formulas hold '>'). */
function tagEnd(source: string, from: number): number {
  let quote = 0;
  for (let j = from; j < source.length; j++) {
    const c = source.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return j;
  }
  return -1;
}

export function* scanXml(source: string): Generator<XmlToken> {
  const n = source.length;
  let i = 0;
  while (i < n) {
    const lt = source.indexOf('<', i);
    if (lt < 0) {
      yield { kind: 'text', text: decodeEntities(source.slice(i)) };
      return;
    }
    if (lt > i) yield { kind: 'text', text: decodeEntities(source.slice(i, lt)) };
    if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt + 9);
      yield { kind: 'text', text: source.slice(lt + 9, end < 0 ? n : end) };
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (source[lt + 1] === '?' || source[lt + 1] === '!') {
      // Declarations, PIs and DOCTYPE (with an internal subset) are skipped, never interpreted.
      let end = source.indexOf('>', lt + 2);
      if (source.startsWith('<!DOCTYPE', lt)) {
        const bracket = source.indexOf('[', lt);
        if (bracket >= 0 && (end < 0 || bracket < end)) {
          const close = source.indexOf(']>', bracket);
          end = close < 0 ? -1 : close + 1;
        }
      }
      i = end < 0 ? n : end + 1;
      continue;
    }
    const gt = tagEnd(source, lt + 1);
    if (gt < 0) return; // truncated tag at the end
    if (source[lt + 1] === '/') {
      const name = source.slice(lt + 2, gt).trim();
      yield { kind: 'close', name, local: localName(name) };
    } else {
      const selfClosing = source[gt - 1] === '/';
      const body = source.slice(lt + 1, selfClosing ? gt - 1 : gt);
      const sp = body.search(/\s/);
      const name = sp < 0 ? body : body.slice(0, sp);
      yield { kind: 'open', name, local: localName(name), selfClosing, rawAttrs: sp < 0 ? '' : body.slice(sp) };
    }
    i = gt + 1;
  }
}
