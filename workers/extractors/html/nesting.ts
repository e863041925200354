/**
 * HTML source with its nesting capped before linkedom parses it.
 *
 * linkedom's tree builder, htmlparser2's Parser, keeps its stack of open
 * elements with Array unshift/shift, which copy the whole stack once it is
 * large: parsing is quadratic in nesting depth (50,000 nested <span>s took
 * 1 to 2 s, and four times as many take sixteen times as long). So start
 * tags that would open deeper than MAX_PARSE_DEPTH are cut from the source,
 * with the end tags that close them, and the parser never holds more.
 * Their content stays, in order, inside the element at that depth; a cut
 * block tag becomes a <br>, so its text still ends a line.
 *
 * Tags are found by htmlparser2's own Tokenizer (the same one the parse
 * uses, so comments, attributes and <script> bodies read the same), and the
 * stack is followed with a copy of its Parser's rules: an element is closed
 * implicitly by some start tags, void elements hold nothing, an end tag
 * closes up to the innermost element of its name. Raw-text elements
 * (<script>, <style>, <title>, <textarea>, <xmp>) are never cut: their body
 * would turn into markup.
 */
import { Tokenizer } from 'htmlparser2';

export const MAX_PARSE_DEPTH = 4096;

/** htmlparser2's openImpliesClose: a start tag of the key closes an open element of the set first. */
const P = ['p'];
const FORM = ['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea'];
const IMPLIES_CLOSE = new Map<string, Set<string>>(
  (
    [
      ['tr', ['tr', 'th', 'td']],
      ['th', ['th']],
      ['td', ['thead', 'th', 'td']],
      ['body', ['head', 'link', 'script']],
      ['li', ['li']],
      ['p', P],
      ['h1', P],
      ['h2', P],
      ['h3', P],
      ['h4', P],
      ['h5', P],
      ['h6', P],
      ['select', FORM],
      ['input', FORM],
      ['output', FORM],
      ['button', FORM],
      ['datalist', FORM],
      ['textarea', FORM],
      ['option', ['option']],
      ['optgroup', ['optgroup', 'option']],
      ['dd', ['dd', 'dt']],
      ['dt', ['dd', 'dt']],
      ['address', P],
      ['article', P],
      ['aside', P],
      ['blockquote', P],
      ['details', P],
      ['div', P],
      ['dl', P],
      ['fieldset', P],
      ['figcaption', P],
      ['figure', P],
      ['footer', P],
      ['form', P],
      ['header', P],
      ['hr', P],
      ['main', P],
      ['nav', P],
      ['ol', P],
      ['pre', P],
      ['section', P],
      ['table', P],
      ['ul', P],
      ['rt', ['rt', 'rp']],
      ['rp', ['rt', 'rp']],
      ['tbody', ['thead', 'tbody']],
      ['tfoot', ['thead', 'tbody']],
    ] as Array<[string, string[]]>
  ).map(([k, v]) => [k, new Set(v)]),
);
const VOID = new Set([
  'area',
  'base',
  'basefont',
  'br',
  'col',
  'command',
  'embed',
  'frame',
  'hr',
  'img',
  'input',
  'isindex',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
const FOREIGN = new Set(['math', 'svg']);
const INTEGRATION = new Set(['mi', 'mo', 'mn', 'ms', 'mtext', 'annotation-xml', 'foreignobject', 'desc', 'title']);
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp']);
/** Tags whose edges end a line of the readable text. */
const BLOCK = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'dl',
  'table',
  'blockquote',
  'pre',
  'figure',
  'hr',
  'address',
  'form',
  'fieldset',
  'div',
  'li',
  'tr',
  'section',
  'article',
  'header',
  'footer',
  'nav',
  'aside',
  'main',
  'dt',
  'dd',
  'figcaption',
  'caption',
  'thead',
  'tbody',
  'tfoot',
  'details',
  'summary',
  'center',
  'td',
  'th',
  'option',
  'legend',
]);

export interface CappedHtml {
  html: string;
  /** How many elements were cut (0: the source is unchanged). */
  cut: number;
}

export function capNesting(html: string, limit = MAX_PARSE_DEPTH): CappedHtml {
  // Fewer tags than the limit cannot nest past it.
  if (countTags(html, limit) <= limit) return { html, cut: 0 };
  const cuts = findCuts(html, limit);
  if (!cuts.length) return { html, cut: 0 };
  const parts: string[] = [];
  let at = 0;
  let last = ''; // the last character kept
  let broken = false; // a <br> put in, and nothing but whitespace kept since
  for (const c of cuts) {
    const kept = html.slice(at, c.from);
    if (kept) {
      last = kept[kept.length - 1]!;
      if (/\S/.test(kept)) broken = false;
    }
    parts.push(kept);
    // One <br> for a run of cut blocks; a '<' left just before a cut must not start a tag with what follows.
    const put = c.block ? (broken ? '' : '<br>') : last === '<' ? ' ' : '';
    if (put) {
      parts.push(put);
      last = put[put.length - 1]!;
      broken = c.block;
    }
    at = c.to;
  }
  parts.push(html.slice(at));
  return { html: parts.join(''), cut: cuts.filter((c) => c.opens).length };
}

/** '<' followed by a letter, counted up to just past `max`. */
function countTags(html: string, max: number): number {
  const re = /<[a-zA-Z]/g;
  let n = 0;
  while (re.exec(html) && n <= max) n++;
  return n;
}

interface Cut {
  from: number;
  to: number;
  block: boolean;
  /** A start tag (an element cut), not an end tag. */
  opens: boolean;
}

/** A stack of open tag names that knows in O(1) whether a name is on it (end tags search it). */
class TagStack<T extends { name: string }> {
  readonly items: T[] = [];
  private readonly counts = new Map<string, number>();
  get length(): number {
    return this.items.length;
  }
  top(): T | undefined {
    return this.items[this.items.length - 1];
  }
  push(item: T): void {
    this.items.push(item);
    this.counts.set(item.name, (this.counts.get(item.name) ?? 0) + 1);
  }
  /** Pops down to `length` entries. */
  truncate(length: number): void {
    while (this.items.length > length) {
      const { name } = this.items.pop()!;
      this.counts.set(name, this.counts.get(name)! - 1);
    }
  }
  /** Index of the innermost `name`, or -1; the search only passes entries that closing it pops. */
  innermost(name: string): number {
    if (!this.counts.get(name)) return -1;
    let i = this.items.length - 1;
    while (this.items[i]!.name !== name) i--;
    return i;
  }
}

/**
 * The source ranges to cut. `open` mirrors the parser's stack on what it
 * will be given (the source minus the cuts), each entry with how many cut
 * elements were open below it; `cut` holds the elements cut, innermost
 * last, so that their end tags go too.
 */
function findCuts(html: string, limit: number): Cut[] {
  const cuts: Cut[] = [];
  const open = new TagStack<{ name: string; cutBelow: number }>();
  const cut = new TagStack<{ name: string }>();
  // htmlparser2's foreignContext: pushed by <svg>/<math> and integration elements, popped by their end tags only.
  const foreign: boolean[] = [false];
  let pending: { name: string; from: number; cut: boolean } | null = null;

  const startTag = (name: string, from: number): void => {
    const closes = IMPLIES_CLOSE.get(name);
    while (closes && cut.length && closes.has(cut.top()!.name)) cut.truncate(cut.length - 1);
    let implied = 0;
    while (closes && implied < open.length && closes.has(open.items[open.length - 1 - implied]!.name)) implied++;
    const keep = VOID.has(name) || RAW_TEXT.has(name) || (!cut.length && open.length - implied < limit);
    if (!keep) {
      cut.push({ name });
      pending = { name, from, cut: true };
      return;
    }
    open.truncate(open.length - implied);
    if (!VOID.has(name)) {
      open.push({ name, cutBelow: cut.length });
      if (FOREIGN.has(name)) foreign.push(true);
      else if (INTEGRATION.has(name)) foreign.push(false);
    }
    pending = { name, from, cut: false };
  };
  const endOfStartTag = (to: number, selfClosing: boolean): void => {
    if (!pending) return;
    const { name, from } = pending;
    if (pending.cut) cuts.push({ from, to, block: BLOCK.has(name), opens: true });
    const stack = pending.cut ? cut : open;
    if (selfClosing && foreign[foreign.length - 1] && stack.top()?.name === name) stack.truncate(stack.length - 1);
    pending = null;
  };
  const endTag = (name: string, from: number, to: number): void => {
    if (VOID.has(name)) return;
    const inCut = cut.innermost(name);
    if (inCut >= 0) {
      cut.truncate(inCut);
      cuts.push({ from, to, block: BLOCK.has(name), opens: false });
      return;
    }
    if (FOREIGN.has(name) || INTEGRATION.has(name)) foreign.pop();
    const inOpen = open.innermost(name);
    if (inOpen < 0) return;
    cut.truncate(Math.min(cut.length, open.items[inOpen]!.cutBelow));
    open.truncate(inOpen);
  };

  const nop = () => {};
  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: true },
    {
      onopentagname: (start, end) => startTag(html.slice(start, end).toLowerCase(), start - 1),
      onopentagend: (end) => endOfStartTag(end + 1, false),
      onselfclosingtag: (end) => endOfStartTag(end + 1, true),
      onclosetag: (start, end) => {
        const gt = html.indexOf('>', end);
        endTag(html.slice(start, end).toLowerCase(), start - 2, gt < 0 ? html.length : gt + 1);
      },
      onattribdata: nop,
      onattribentity: nop,
      onattribend: nop,
      onattribname: nop,
      oncdata: nop,
      oncomment: nop,
      ondeclaration: nop,
      onend: nop,
      onprocessinginstruction: nop,
      ontext: nop,
      ontextentity: nop,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  // A start tag the source ends inside.
  endOfStartTag(html.length, false);
  return cuts;
}
