/**
 * What EML and MSG share: the HTML body through the HTML pipeline (text and
 * Markdown), attachments written under spoolDir as children (or listed
 * only), and the Markdown header block.
 */
import { parseHtmlDocument } from '../html/document';
import { readableText } from '../html/dom';
import { isStackOverflow, markdownOf } from '../html/html';
import { Spool, type Child } from '../../spool';
import { textStats } from '../../text/stats';
import type { Entity } from '../../../shared/extraction';
import type { ExtractionParts } from '../types';

/** Body HTML -> readable text and Markdown; deep nesting or a Markdown failure degrades to text, never fails the mail. */
export function htmlBody(html: string, warnings: string[]): { text: string; markdown: string } {
  try {
    const { body } = parseHtmlDocument(html);
    const text = readableText(body);
    return { text, markdown: markdownOf(body, text, warnings, 'The HTML body') };
  } catch (err) {
    if (!isStackOverflow(err)) throw err;
    warnings.push('The HTML body is nested too deeply to parse; its tags were stripped instead');
    const text = html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/[ \t]+/g, ' ')
      .replace(/\n\s*\n+/g, '\n\n')
      .trim();
    return { text, markdown: text };
  }
}

export interface AttachmentInfo {
  name: string;
  mimeType?: string;
  size: number;
  inline?: boolean;
  contentId?: string;
  embeddedMessage?: boolean;
}

const EXT: Record<string, string> = {
  'text/plain': '.txt',
  'text/html': '.html',
  'text/csv': '.csv',
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'message/rfc822': '.eml',
  'application/zip': '.zip',
  'application/json': '.json',
  'text/calendar': '.ics',
  'message/delivery-status': '.txt',
  'text/watch-html': '.html',
  'application/vnd.ms-outlook': '.msg',
};

export function attachmentName(name: string | null | undefined, mimeType: string | undefined, index: number): string {
  const n = (name ?? '').trim();
  return n || `attachment-${index + 1}${EXT[(mimeType ?? '').toLowerCase()] ?? '.bin'}`;
}

/** Writes attachments when a spool folder exists; returns the children written. */
export async function spoolAttachments(
  spoolDir: string | undefined,
  items: Array<{ info: AttachmentInfo; content: () => Buffer }>,
  warnings: string[],
): Promise<Child[] | undefined> {
  if (!spoolDir) return undefined;
  const spool = new Spool(spoolDir);
  for (const { info, content } of items) {
    try {
      await spool.write(info.name, content(), { fallback: 'attachment' });
    } catch (err) {
      warnings.push(`Attachment "${info.name}" could not be saved: ${(err as Error).message}`);
    }
  }
  return spool.children;
}

export function headerBlock(fields: Array<[string, string | undefined]>): string {
  return fields
    .filter(([, v]) => v)
    .map(([k, v]) => `**${k}:** ${v!.replace(/[\r\n]+/g, ' ')}`)
    .join('  \n');
}

/**
 * The end both e-mail formats share: attachments as entities, warnings for a
 * missing body or spool folder, the header block above the body, counters.
 */
export function emailResult(m: {
  text: string;
  bodyMarkdown: string;
  headers: { subject?: string; from?: string; to?: string; cc?: string; date?: string };
  metadata: Record<string, unknown>;
  entities: Entity[];
  warnings: string[];
  attachments: AttachmentInfo[];
  children: Child[] | undefined;
  spooled: boolean;
  counters: Record<string, number>;
}): ExtractionParts {
  const { text, attachments, warnings, entities } = m;
  for (const a of attachments) entities.push({ type: 'attachment', value: a.name, attributes: { mimeType: a.mimeType, size: a.size } });
  if (!text) warnings.push(attachments.length ? 'The message has no body text, only attachments' : 'The message has no body text');
  if (attachments.length && !m.spooled) {
    // Listing is all that is possible without a spool folder; say so once.
    warnings.push(`${attachments.length} attachment${attachments.length === 1 ? '' : 's'} listed in metadata, not extracted (no spool folder for this job)`);
  }
  const header = headerBlock([
    ['Subject', m.headers.subject],
    ['From', m.headers.from],
    ['To', m.headers.to],
    ['Cc', m.headers.cc],
    ['Date', m.headers.date],
    ['Attachments', attachments.map((a) => a.name).join(', ')],
  ]);
  const stats = textStats(text);
  return {
    text,
    markdown: [header, m.bodyMarkdown].filter(Boolean).join('\n\n'),
    metadata: m.metadata,
    entities,
    warnings,
    children: m.children,
    counters: { items: 1 + attachments.length, attachments: attachments.length, ...m.counters, words: stats.words, chars: stats.chars },
  };
}
