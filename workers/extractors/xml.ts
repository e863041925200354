/**
 * Generic XML: the root element and namespaces as metadata, and the text of
 * leaf elements one per line (data-oriented XML reads well that way).
 * linkedom's XML mode is lenient, so well-formedness is checked separately
 * with a cheap tag-balance scan and reported as a warning, not a failure.
 */
import { DOMParser } from 'linkedom';
import { textStats } from '../text/stats';
import { readText } from './common';
import type { Extractor } from './types';

type AnyNode = any;

/** Text of leaf-ish elements, one line per element that directly holds text. Iterative. */
function xmlText(root: AnyNode): { text: string; elements: number; byName: Map<string, number> } {
  const lines: string[] = [];
  let elements = 0;
  const byName = new Map<string, number>();
  const stack: AnyNode[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (node.nodeType !== 1) continue;
    elements++;
    const name = String(node.tagName ?? node.nodeName);
    byName.set(name, (byName.get(name) ?? 0) + 1);
    let own = '';
    const children = node.childNodes ?? [];
    for (const c of children) if (c.nodeType === 3 || c.nodeType === 4) own += c.data ?? c.textContent ?? '';
    own = own.replace(/\s+/g, ' ').trim();
    if (own) lines.push(own);
    for (let i = children.length - 1; i >= 0; i--) if (children[i].nodeType === 1) stack.push(children[i]);
  }
  return { text: lines.join('\n'), elements, byName };
}

/** First unbalanced tag, if any (ignores comments, CDATA, PIs, doctype). */
function checkBalance(source: string): string | null {
  const stripped = source.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/gi, '');
  const stack: string[] = [];
  for (const m of stripped.matchAll(/<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) stack.push(name!);
    else if (stack.pop() !== name) return `closing tag </${name}> does not match`;
  }
  if (stack.length) return `<${stack[stack.length - 1]}> is never closed`;
  return null;
}

export const xmlExtractor: Extractor = {
  name: 'xml',
  version: '1.1.0',
  formats: ['xml'],
  async extract(input) {
    const { text: source, encoding, warnings } = await readText(input, true);
    const document = new DOMParser().parseFromString(source, 'text/xml');
    const root = document.documentElement;
    const { text, elements, byName } = root ? xmlText(root) : { text: '', elements: 0, byName: new Map<string, number>() };
    // Most frequent first; a data file with 10,000 distinct names keeps the top 200.
    const elementCounts = Object.fromEntries([...byName].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 200));
    const namespaces: Record<string, string> = {};
    for (const attr of root?.attributes ?? []) {
      if (attr.name === 'xmlns' || attr.name.startsWith('xmlns:')) namespaces[attr.name.slice(6) || '(default)'] = attr.value;
    }
    const problem = source.length <= 32 * 1024 * 1024 ? checkBalance(source) : null;
    if (problem) warnings.push(`XML is not well-formed: ${problem}; text may be incomplete`);
    if (!text && source.trim()) warnings.push('XML has no text content (only elements and attributes)');
    const stats = textStats(text);
    return {
      text,
      markdown: text,
      metadata: { encoding, ...(root ? { rootElement: root.tagName } : {}), namespaces, elementCount: elements, elementCounts },
      warnings,
      counters: { items: elements, elements, lines: stats.lines, words: stats.words, chars: stats.chars },
      encoding,
    };
  },
};
