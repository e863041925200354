/**
 * The tree turndown gets, bounded in depth. turndown asks every node for
 * the text of its whole subtree (to tell blank nodes and edge whitespace)
 * and scans a blank node's subtree once per void or table tag name, so its
 * time grows with nodes × depth: 5,000 nested <font>s took 9 s, 50,000
 * nested <span>s far longer; past a few thousand levels its recursion
 * overflows the stack. Elements nested deeper than MAX_MARKDOWN_DEPTH are
 * flattened into the element at that depth: their text stays, in order;
 * a block (or table part) becomes a line break; an element without
 * children (an image, a rule) is kept.
 */

type AnyNode = any;

/** Real pages nest a few dozen levels; nodes × 128 stays cheap. */
export const MAX_MARKDOWN_DEPTH = 128;

/** Content turndown removes; once flattened, it would read as text. */
const DROPPED = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'IFRAME', 'OBJECT', 'CANVAS']);
/** Elements whose edges are line breaks (turndown's block list), and table parts, which only make sense inside their table. */
const BREAKS = new Set([
  'ADDRESS',
  'ARTICLE',
  'ASIDE',
  'AUDIO',
  'BLOCKQUOTE',
  'BODY',
  'CANVAS',
  'CENTER',
  'DD',
  'DIR',
  'DIV',
  'DL',
  'DT',
  'FIELDSET',
  'FIGCAPTION',
  'FIGURE',
  'FOOTER',
  'FORM',
  'FRAMESET',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'HGROUP',
  'HR',
  'HTML',
  'ISINDEX',
  'LI',
  'MAIN',
  'MENU',
  'NAV',
  'NOFRAMES',
  'OL',
  'OUTPUT',
  'P',
  'PRE',
  'SECTION',
  'TABLE',
  'TBODY',
  'TD',
  'TFOOT',
  'TH',
  'THEAD',
  'TR',
  'UL',
  'CAPTION',
  'COLGROUP',
  'COL',
]);
const TABLE_PARTS = new Set(['TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR', 'TD', 'TH', 'CAPTION', 'COLGROUP', 'COL']);

export interface MarkdownInput {
  root: AnyNode;
  /** How deep the original nests (counted from root), when it had to be flattened. */
  flattenedFrom?: number;
}

/** `root` itself when it is shallow enough; otherwise a flattened copy. */
export function markdownInput(root: AnyNode, limit = MAX_MARKDOWN_DEPTH): MarkdownInput {
  const depth = treeDepth(root);
  return depth <= limit ? { root } : { root: flattenedCopy(root, limit), flattenedFrom: depth };
}

function treeDepth(root: AnyNode): number {
  let max = 0;
  const stack: Array<[AnyNode, number]> = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > max) max = depth;
    for (let c = node.firstElementChild; c; c = c.nextElementSibling) stack.push([c, depth + 1]);
  }
  return max;
}

/**
 * A detached copy of `root` whose elements below `limit` are replaced by
 * their content. Built iteratively: the point is trees too deep to recurse.
 */
function flattenedCopy(root: AnyNode, limit: number): AnyNode {
  const copy = root.cloneNode(false);
  const lineBreak = (into: AnyNode) => {
    const last = into.lastChild;
    if (last && last.nodeName !== 'BR') into.appendChild(root.ownerDocument.createElement('br'));
  };
  // A `close` entry stands for the end of a flattened block.
  const stack: Array<{ node: AnyNode; into: AnyNode; depth: number; close?: boolean }> = [];
  const pushChildren = (node: AnyNode, into: AnyNode, depth: number) => {
    for (let c = node.lastChild; c; c = c.previousSibling) stack.push({ node: c, into, depth });
  };
  pushChildren(root, copy, 1);
  while (stack.length) {
    const { node, into, depth, close } = stack.pop()!;
    if (close) {
      lineBreak(into);
      continue;
    }
    if (node.nodeType === 3 || node.nodeType === 4) into.appendChild(node.cloneNode(false));
    if (node.nodeType !== 1 || DROPPED.has(node.nodeName)) continue;
    const tag = node.nodeName;
    if (depth <= limit || (!node.firstChild && !TABLE_PARTS.has(tag))) {
      const element = into.appendChild(node.cloneNode(false));
      pushChildren(node, element, depth + 1);
    } else if (BREAKS.has(tag)) {
      lineBreak(into);
      stack.push({ node, into, depth, close: true });
      pushChildren(node, into, depth + 1);
    } else {
      pushChildren(node, into, depth + 1);
    }
  }
  return copy;
}
