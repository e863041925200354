/**
 * E-mail (RFC 822 / MIME, .eml) with postal-mime (no dependencies, nesting
 * and header-size limits): headers in metadata, the text body (or the HTML
 * body converted through the HTML pipeline) as text, Markdown with a header
 * block and the HTML rendering, attachments (forwarded messages included)
 * written under spoolDir as children, or listed only.
 */
import PostalMime from 'postal-mime';
import type { Entity } from '../../../shared/extraction';
import type { Extractor } from '../types';
import { attachmentName, emailResult, htmlBody, spoolAttachments, type AttachmentInfo } from './common';
import { deliveryStatus, mimeTree } from './mime-tree';

interface Mailbox {
  name: string;
  address?: string;
  group?: Mailbox[];
}
type Address = Mailbox;

export function formatAddress(a: Address | undefined): string | undefined {
  if (!a) return undefined;
  if (a.group) return `${a.name}: ${a.group.map((m) => formatAddress(m)).join(', ')};`;
  if (!a.address) return a.name || undefined;
  return a.name && a.name !== a.address ? `${a.name} <${a.address}>` : a.address;
}

const list = (xs: Address[] | undefined) => (xs?.length ? xs.map((a) => formatAddress(a)!).filter(Boolean) : undefined);

function isoDate(d: string | undefined): string | undefined {
  if (!d) return undefined;
  const t = new Date(d);
  return Number.isNaN(t.getTime()) ? d : t.toISOString();
}

function toBuffer(c: ArrayBuffer | Uint8Array | string): Buffer {
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  return c instanceof Uint8Array ? Buffer.from(c.buffer, c.byteOffset, c.byteLength) : Buffer.from(c);
}

export const emlExtractor: Extractor = {
  name: 'eml',
  version: '1.0.0',
  formats: ['eml'],
  async extract(input) {
    const bytes = await input.read();
    const warnings: string[] = [];
    const email = await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer', maxNestingDepth: 100, maxHeadersSize: 2 * 1024 * 1024 });
    const raw = bytes.toString('latin1');
    const parts = mimeTree(raw);
    const dsn = deliveryStatus(raw);

    let text = (email.text ?? '').replace(/\r\n/g, '\n').trim();
    let bodyMarkdown = text;
    if (email.html) {
      const converted = htmlBody(email.html, warnings);
      if (!text) text = converted.text;
      bodyMarkdown = converted.markdown || text;
    }

    const attachments: AttachmentInfo[] = email.attachments.map((a, i) => ({
      name: attachmentName(a.filename, a.mimeType, i),
      mimeType: a.mimeType,
      size: toBuffer(a.content).length,
      ...(a.disposition === 'inline' || a.related ? { inline: true } : {}),
      ...(a.contentId ? { contentId: a.contentId.replace(/^<|>$/g, '') } : {}),
      ...(a.mimeType === 'message/rfc822' ? { embeddedMessage: true } : {}),
    }));
    const children = await spoolAttachments(
      input.spoolDir,
      email.attachments.map((a, i) => ({ info: attachments[i]!, content: () => toBuffer(a.content) })),
      warnings,
    );

    const from = formatAddress(email.from);
    const metadata: Record<string, unknown> = {
      subject: email.subject,
      from,
      ...(email.sender ? { sender: formatAddress(email.sender) } : {}),
      to: list(email.to),
      cc: list(email.cc),
      bcc: list(email.bcc),
      replyTo: list(email.replyTo),
      date: isoDate(email.date),
      messageId: email.messageId,
      inReplyTo: email.inReplyTo,
      hasHtmlBody: !!email.html,
      hasTextBody: !!email.text,
      attachments,
      mimeParts: parts.length,
      mimeStructure: parts.slice(0, 200).map((p) => `${'  '.repeat(p.depth)}${p.type}`),
      ...(dsn ? { deliveryStatus: dsn } : {}),
      headerCount: email.headers.length,
    };
    for (const k of Object.keys(metadata)) if (metadata[k] === undefined) delete metadata[k];

    const entities: Entity[] = [];
    const addr = (role: string, xs: Address[] | undefined) => {
      for (const a of xs ?? [])
        for (const m of a.group ?? [a])
          if (m.address) entities.push({ type: 'email', value: m.address, attributes: { role, ...(m.name ? { name: m.name } : {}) } });
    };
    addr('from', email.from ? [email.from] : undefined);
    addr('to', email.to);
    addr('cc', email.cc);
    addr('bcc', email.bcc);
    if (!email.subject && !from) warnings.push('The message has no Subject or From header');
    return emailResult({
      text,
      bodyMarkdown,
      headers: { subject: email.subject, from, to: list(email.to)?.join(', '), cc: list(email.cc)?.join(', '), date: isoDate(email.date) },
      metadata,
      entities,
      warnings,
      attachments,
      children,
      spooled: !!input.spoolDir,
      counters: { mimeParts: parts.length },
    });
  },
};
