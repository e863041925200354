/**
 * Mutations of markup as text: an XML part inside a ZIP-based document
 * (word/document.xml, xl/sheetN.xml, content.xml, an EPUB's XHTML), where the
 * container stays valid so the document parser itself meets the damage, and
 * HTML and XML files themselves.
 */
import type { Rng } from './prng.js';

export interface XmlMutation {
  text: string;
  what: string;
}

type XmlMutator = (xml: string, rng: Rng) => XmlMutation | null;

/** A random match of `re` (global) in `xml`, or null. */
function someMatch(xml: string, re: RegExp, rng: Rng): RegExpExecArray | null {
  const all = [...xml.matchAll(re)];
  return all.length ? (rng.pick(all) as RegExpExecArray) : null;
}

const splice = (s: string, at: number, remove: number, add: string) => s.slice(0, at) + add + s.slice(at + remove);

const dropTag =
  (kind: 'open' | 'close'): XmlMutator =>
  (xml, rng) => {
    const m = someMatch(xml, kind === 'close' ? /<\/[\w:.-]+>/g : /<[\w:.-]+(?:\s[^<>]*)?(?<!\/)>/g, rng);
    return m && { text: splice(xml, m.index, m[0].length, ''), what: `remove ${m[0].slice(0, 40)} at ${m.index}` };
  };

const renameTag: XmlMutator = (xml, rng) => {
  const names = [...new Set([...xml.matchAll(/<([\w:.-]+)/g)].map((m) => m[1]!))];
  const m = someMatch(xml, /<([\w:.-]+)/g, rng);
  if (!m || names.length < 2) return null;
  const to = rng.pick(names.filter((n) => n !== m[1]));
  return { text: splice(xml, m.index + 1, m[1]!.length, to), what: `rename <${m[1]}> at ${m.index} to <${to}>` };
};

/** Repeats a slice that starts at a tag: sometimes once, sometimes enough to make the part large. */
const repeatSlice: XmlMutator = (xml, rng) => {
  const m = someMatch(xml, /</g, rng);
  if (!m) return null;
  const len = Math.min(xml.length - m.index, rng.int(1, 2000));
  const times = rng.pick([1, 2, 100, 2000]);
  const slice = xml.slice(m.index, m.index + len);
  const copies = slice.repeat(Math.max(1, Math.min(times, Math.floor(4_000_000 / len))));
  return { text: splice(xml, m.index, 0, copies), what: `repeat ${len} chars at ${m.index} ${times} times` };
};

const deepNesting: XmlMutator = (xml, rng) => {
  const m = someMatch(xml, /<([\w:.-]+)(?:\s[^<>]*)?(?<!\/)>/g, rng);
  if (!m) return null;
  const depth = rng.pick([100, 5000, 50000]);
  const name = m[1]!;
  const at = m.index + m[0].length;
  return { text: splice(xml, at, 0, `<${name}>`.repeat(depth) + `</${name}>`.repeat(depth)), what: `nest <${name}> ${depth} deep at ${at}` };
};

/** Characters XML forbids or parsers mishandle: NUL, controls, lone surrogates, undefined entities, stray markup. */
const ODD = ['\u0000', '\u0001', '\u001b', '\ud800', '\uffff', '&bogus;', '&#0;', '&#x110000;', '&#99999999;', ']]>', '<!--', '<![CDATA[', '<', '&', '"'];

const oddCharacter: XmlMutator = (xml, rng) => {
  const at = rng.int(0, xml.length);
  const odd = rng.pick(ODD);
  return { text: splice(xml, at, 0, odd), what: `insert ${JSON.stringify(odd)} at ${at}` };
};

/** Numbers in attributes are sizes, spans, indexes and offsets: give them edge values. */
const EDGE_NUMBERS = ['-1', '0', '99999999999', '2147483648', '1e309', 'NaN', '', '0.5', '-2147483649'];

const numericAttribute: XmlMutator = (xml, rng) => {
  const m = someMatch(xml, /([\w:.-]+)="(-?\d+(?:\.\d+)?)"/g, rng);
  if (!m) return null;
  const to = rng.pick(EDGE_NUMBERS);
  const valueAt = m.index + m[1]!.length + 2;
  return { text: splice(xml, valueAt, m[2]!.length, to), what: `set ${m[1]}="${m[2]}" at ${m.index} to "${to}"` };
};

/** Cell references (A1, XFD1048576) and ranges drive sheet layout: point them far away. */
const cellReference: XmlMutator = (xml, rng) => {
  const m = someMatch(xml, /\b(r|ref|sqref)="([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)"/g, rng);
  if (!m) return null;
  const to = rng.pick(['XFD1048576', 'A1:XFD1048576', 'A0', 'ZZZZ9', '-A1', 'A99999999999']);
  const valueAt = m.index + m[1]!.length + 2;
  return { text: splice(xml, valueAt, m[2]!.length, to), what: `set ${m[1]}="${m[2]}" at ${m.index} to "${to}"` };
};

/** A small "billion laughs": entity expansion must be refused or bounded, not followed. */
const entityBomb: XmlMutator = (xml, rng) => {
  const root = /<([\w:.-]+)[\s>]/.exec(xml.replace(/<\?[^>]*\?>/g, (s) => ' '.repeat(s.length)));
  if (!root) return null;
  const levels = rng.int(4, 9);
  const defs = ['<!ENTITY l0 "lol">'];
  for (let i = 1; i <= levels; i++) defs.push(`<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`);
  const doctype = `<!DOCTYPE ${root[1]} [${defs.join('')}]>`;
  const use = someMatch(xml, />[^<]/g, rng);
  let text = splice(xml, root.index, 0, doctype);
  if (use) text = splice(text, use.index + doctype.length + 1, 0, `&l${levels};`);
  return { text, what: `entity expansion ${levels} levels deep (DOCTYPE before <${root[1]}>)` };
};

const truncateXml: XmlMutator = (xml, rng) => {
  const keep = rng.int(0, Math.max(0, xml.length - 1));
  return { text: xml.slice(0, keep), what: `truncate to ${keep} of ${xml.length} chars` };
};

const XML_MUTATORS: Record<string, XmlMutator> = {
  'drop-close-tag': dropTag('close'),
  'drop-open-tag': dropTag('open'),
  'rename-tag': renameTag,
  'repeat-slice': repeatSlice,
  'deep-nesting': deepNesting,
  'odd-character': oddCharacter,
  'numeric-attribute': numericAttribute,
  'cell-reference': cellReference,
  'entity-bomb': entityBomb,
  truncate: truncateXml,
};

/** One mutation; one that does not apply to this part (no attributes, say) falls back to a cut. */
export function mutateXml(xml: string, rng: Rng): XmlMutation & { mutator: string } {
  const mutator = rng.pick(Object.keys(XML_MUTATORS));
  const done = XML_MUTATORS[mutator]!(xml, rng);
  return done ? { mutator, ...done } : { mutator: 'truncate', ...truncateXml(xml, rng)! };
}
