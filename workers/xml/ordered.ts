/**
 * Document-order XML for the office formats (PPTX slides, ODS content,
 * OOXML workbook and core properties) over fast-xml-parser's preserveOrder
 * mode: runs, paragraphs and cells must come out in the order they appear.
 *
 * Entities are NOT expanded by the parser (processEntities: false), so a
 * DOCTYPE with entity definitions cannot blow up memory ("billion laughs");
 * the five predefined entities and character references are decoded here.
 * Names are compared by local name, because producers pick their own
 * prefixes (and Strict OOXML uses other namespaces with the same names).
 */
import { XMLParser } from 'fast-xml-parser';

export type XNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export function parseXml(source: string): XNode[] {
  return parser.parse(source) as XNode[];
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined entities and numeric character references; leaves unknown ones as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return NAMED[body] ?? whole;
  });
}

/** The element name of a node ('#text' for text nodes). */
export function tagOf(node: XNode): string {
  for (const k in node) if (k !== ':@') return k;
  return '';
}

export function localName(tag: string): string {
  const i = tag.indexOf(':');
  return i < 0 ? tag : tag.slice(i + 1);
}

export function isText(node: XNode): boolean {
  return '#text' in node;
}

export function textValue(node: XNode): string {
  return decodeEntities(String(node['#text'] ?? ''));
}

export function children(node: XNode): XNode[] {
  const v = node[tagOf(node)];
  return Array.isArray(v) ? (v as XNode[]) : [];
}

/** An attribute by local name (prefixes differ between producers). */
export function attr(node: XNode, name: string): string | undefined {
  const attrs = node[':@'] as Record<string, unknown> | undefined;
  if (!attrs) return undefined;
  if (name in attrs) return decodeEntities(String(attrs[name]));
  for (const k in attrs) if (localName(k) === name) return decodeEntities(String(attrs[k]));
  return undefined;
}

/** A relationship reference (r:id, r:embed...): the prefixed attribute, never a plain `id` of the element itself. */
export function relAttr(node: XNode, name = 'id'): string | undefined {
  const attrs = node[':@'] as Record<string, unknown> | undefined;
  if (!attrs) return undefined;
  for (const k in attrs) if (k.includes(':') && localName(k) === name) return decodeEntities(String(attrs[k]));
  return undefined;
}

/** Element children with this local name. */
export function childrenNamed(node: XNode, name: string): XNode[] {
  return children(node).filter((c) => localName(tagOf(c)) === name);
}

export function childNamed(node: XNode, name: string): XNode | undefined {
  return children(node).find((c) => localName(tagOf(c)) === name);
}

/** First element with this local name, depth-first in document order (iterative). */
export function findFirst(nodes: XNode[], name: string): XNode | undefined {
  const stack = [...nodes].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (localName(tagOf(n)) === name) return n;
    const kids = children(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return undefined;
}

/** Every element with this local name, in document order, not descending into matches. */
export function findAll(nodes: XNode[], name: string): XNode[] {
  const out: XNode[] = [];
  const stack = [...nodes].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (localName(tagOf(n)) === name) {
      out.push(n);
      continue;
    }
    const kids = children(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** All text under a node, concatenated in order (iterative). */
export function allText(node: XNode): string {
  let out = '';
  const stack: XNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (isText(n)) {
      out += textValue(n);
      continue;
    }
    const kids = children(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

/** Simple `<a><b>text</b></a>` children as a name -> text map (OPC core properties and the like). */
export function simpleFields(node: XNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of children(node)) {
    if (isText(c)) continue;
    const v = allText(c).trim();
    if (v) out[localName(tagOf(c))] = v;
  }
  return out;
}
