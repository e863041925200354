/**
 * HTML -> Markdown: turndown with the GFM plugin (its table rules replaced
 * by our linear ones, gfm-tables.ts), given a copy of the tree bounded in
 * depth (markdown-input.ts).
 *
 * turndown ends by trimming its whole result with /[\t\r\n\s]+$/, which
 * restarts at every character of a whitespace run that is not at the end:
 * quadratic in the run (100,000 <br>s took 36 s; a <pre> of spaces or a
 * run of no-break spaces alike). So the tree goes in under a marked <div>
 * whose rule keeps the finished Markdown and leaves turndown an empty
 * string to trim; the trimming is done here, in one pass.
 */
import TurndownService from 'turndown';
import { highlightedCodeBlock, strikethrough, taskListItems } from '@joplin/turndown-plugin-gfm';
import { gfmTables } from './gfm-tables';
import { MAX_MARKDOWN_DEPTH, markdownInput } from './markdown-input';

type AnyNode = any;

const ROOT_MARK = 'data-quarry-markdown-root';

interface Converter {
  service: TurndownService;
  /** Markdown of a tree (moved under the marked root meanwhile, and put back). */
  convert(tree: AnyNode): string;
}

let converter: Converter | undefined;

function createConverter(): Converter {
  const td = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '_' });
  td.use([highlightedCodeBlock, strikethrough, gfmTables, taskListItems]);
  td.remove(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'canvas'] as TurndownService.Filter);
  // Inline images as data: URIs would put megabytes of base64 into the Markdown.
  td.addRule('dataImages', {
    filter: (node) => node.nodeName === 'IMG' && /^\s*data:/i.test(node.getAttribute('src') ?? ''),
    replacement: (_content, node) => ((node as HTMLElement).getAttribute('alt') ? `![${(node as HTMLElement).getAttribute('alt')}]()` : ''),
  });
  // The mark is new for each conversion, so a page's own <div> cannot pass for the root.
  let mark = 0;
  let finished = '';
  td.addRule('quarryRoot', {
    filter: (node) => node.nodeName === 'DIV' && node.getAttribute(ROOT_MARK) === String(mark),
    replacement: (content) => {
      finished = content;
      return '';
    },
  });
  const convert = (tree: AnyNode): string => {
    // turndown converts the children of what it is given (a copy of it): the marked <div> goes one level down.
    const input = tree.ownerDocument.createElement('div');
    const marked = input.appendChild(tree.ownerDocument.createElement('div'));
    marked.setAttribute(ROOT_MARK, String(++mark));
    const { parentNode, nextSibling } = tree;
    marked.appendChild(tree);
    try {
      finished = ''; // stays empty when the whole tree is blank
      td.turndown(input);
      return finished.trim();
    } finally {
      if (parentNode) parentNode.insertBefore(tree, nextSibling);
      else tree.remove();
    }
  };
  return { service: td, convert };
}

function getConverter(): Converter {
  converter ??= createConverter();
  return converter;
}

/** The shared HTML -> Markdown converter (GFM tables); also used for DOCX. */
export function getTurndown(): TurndownService {
  return getConverter().service;
}

export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/**
 * Markdown of a DOM subtree (left as it is). Trees nested too deep for
 * turndown are flattened first, and a warning says so; if turndown still
 * fails on it, the plain text stands in and a warning says so: the text
 * was extracted, the file is not lost.
 */
export function markdownOf(root: unknown, text: string, warnings: string[], what: string): string {
  const input = markdownInput(root);
  if (input.flattenedFrom) {
    warnings.push(
      `${what} nests elements ${input.flattenedFrom} levels deep; for Markdown, elements deeper than ${MAX_MARKDOWN_DEPTH} levels were flattened (their text is all kept)`,
    );
  }
  try {
    return getConverter().convert(input.root);
  } catch (err) {
    warnings.push(
      isStackOverflow(err)
        ? `${what} is nested too deeply for Markdown conversion; Markdown holds the plain text instead`
        : `${what} could not be converted to Markdown (${(err as Error)?.message ?? err}); Markdown holds the plain text instead`,
    );
    return text;
  }
}
