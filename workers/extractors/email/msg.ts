/**
 * Outlook .msg (CFBF/OLE2) with @kenjiuno/msgreader: subject, sender,
 * recipients by role, dates, transport headers, the plain body (or the HTML
 * body through the HTML pipeline), and attachments, embedded messages
 * included (re-serialised by msgreader as .msg files), as children.
 */
import MsgReaderModule from '@kenjiuno/msgreader';
import { ExtractionError, type Entity } from '../../../shared/extraction';
import { textStats } from '../../text/stats';
import type { Extractor } from '../types';
import { attachmentName, headerBlock, htmlBody, spoolAttachments, type AttachmentInfo } from './common';

/** The package is CommonJS with a `default` property; bundlers differ in how they hand it over. */
const MsgReader: typeof MsgReaderModule = ((MsgReaderModule as unknown as { default?: typeof MsgReaderModule }).default ?? MsgReaderModule);
type Fields = ReturnType<MsgReaderModule['getFileData']>;

function isoDate(d: string | undefined): string | undefined {
  if (!d) return undefined;
  const t = new Date(d);
  return Number.isNaN(t.getTime()) ? d : t.toISOString();
}

const person = (name: string | undefined, email: string | undefined) =>
  email ? (name && name !== email ? `${name} <${email}>` : email) : name || undefined;

export const msgExtractor: Extractor = {
  name: 'msg',
  version: '1.0.0',
  formats: ['msg'],
  async extract(input) {
    const bytes = await input.read();
    const warnings: string[] = [];
    const reader = new MsgReader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    let data: Fields;
    try {
      data = reader.getFileData();
    } catch (err) {
      throw new ExtractionError('corrupt_file', `Not a readable Outlook message: ${(err as Error).message}`);
    }
    if (data.error) throw new ExtractionError('corrupt_file', `Not a readable Outlook message: ${data.error}`);
    if (data.dataType !== 'msg') throw new ExtractionError('unsupported_format', 'This OLE2 file is not an Outlook message');

    const recipients = (data.recipients ?? []).map((r) => ({ role: r.recipType ?? 'to', text: person(r.name, r.smtpAddress ?? r.email)!, email: r.smtpAddress ?? r.email, name: r.name }));
    const byRole = (role: string) => {
      const xs = recipients.filter((r) => r.role === role).map((r) => r.text).filter(Boolean);
      return xs.length ? xs : undefined;
    };
    const senderEmail = data.senderSmtpAddress ?? data.senderEmail ?? data.sentRepresentingSmtpAddress ?? data.creatorSMTPAddress ?? data.inetAcctName;
    const from = person(data.senderName, senderEmail);

    let text = (data.body ?? '').replace(/\r\n/g, '\n').trim();
    let bodyMarkdown = text;
    const html = data.bodyHtml ?? (data.html ? Buffer.from(data.html).toString('utf8') : undefined);
    if (html) {
      const converted = htmlBody(html, warnings);
      if (!text) text = converted.text;
      bodyMarkdown = converted.markdown || text;
    }

    const items: Array<{ info: AttachmentInfo; content: () => Buffer }> = [];
    (data.attachments ?? []).forEach((a, i) => {
      try {
        const att = reader.getAttachment(a);
        const content = Buffer.from(att.content);
        const info: AttachmentInfo = {
          name: attachmentName(att.fileName || a.fileName || a.name, a.attachMimeTag ?? (a.innerMsgContent ? 'application/vnd.ms-outlook' : undefined), i),
          ...(a.attachMimeTag ? { mimeType: a.attachMimeTag } : {}),
          size: content.length,
          ...(a.attachmentHidden || a.pidContentId ? { inline: true } : {}),
          ...(a.pidContentId ? { contentId: a.pidContentId } : {}),
          ...(a.innerMsgContent ? { embeddedMessage: true, subject: a.innerMsgContentFields?.subject } : {}),
        };
        items.push({ info, content: () => content });
      } catch (err) {
        warnings.push(`Attachment ${i + 1} could not be read: ${(err as Error).message}`);
      }
    });
    const attachments = items.map((x) => x.info);
    const children = await spoolAttachments(input.spoolDir, items, warnings);

    const metadata: Record<string, unknown> = {
      subject: data.subject,
      from,
      ...(senderEmail && senderEmail === data.inetAcctName && !data.senderEmail && !data.senderSmtpAddress ? { fromSource: 'account' } : {}),
      to: byRole('to'),
      cc: byRole('cc'),
      bcc: byRole('bcc'),
      date: isoDate(data.clientSubmitTime ?? data.messageDeliveryTime),
      received: isoDate(data.messageDeliveryTime),
      created: isoDate(data.creationTime),
      messageClass: data.messageClass,
      messageId: data.messageId,
      hasHtmlBody: !!html,
      attachments,
      ...(data.headers ? { transportHeaders: data.headers.length > 20_000 ? data.headers.slice(0, 20_000) : data.headers } : {}),
    };
    for (const k of Object.keys(metadata)) if (metadata[k] === undefined) delete metadata[k];

    const entities: Entity[] = [];
    if (senderEmail) entities.push({ type: 'email', value: senderEmail, attributes: { role: 'from', ...(data.senderName ? { name: data.senderName } : {}) } });
    for (const r of recipients) if (r.email) entities.push({ type: 'email', value: r.email, attributes: { role: r.role, ...(r.name ? { name: r.name } : {}) } });
    for (const a of attachments) entities.push({ type: 'attachment', value: a.name, attributes: { mimeType: a.mimeType, size: a.size } });

    if (!text) warnings.push(attachments.length ? 'The message has no body text, only attachments' : 'The message has no body text');
    if (attachments.length && !input.spoolDir) {
      warnings.push(`${attachments.length} attachment${attachments.length === 1 ? '' : 's'} listed in metadata, not extracted (no spool folder for this job)`);
    }
    const header = headerBlock([
      ['Subject', data.subject],
      ['From', from],
      ['To', byRole('to')?.join(', ')],
      ['Cc', byRole('cc')?.join(', ')],
      ['Date', metadata.date as string | undefined],
      ['Attachments', attachments.map((a) => a.name).join(', ')],
    ]);
    const stats = textStats(text);
    return {
      text,
      markdown: [header, bodyMarkdown].filter(Boolean).join('\n\n'),
      metadata,
      entities,
      warnings,
      children,
      counters: { items: 1 + attachments.length, attachments: attachments.length, recipients: recipients.length, words: stats.words, chars: stats.chars },
    };
  },
};
