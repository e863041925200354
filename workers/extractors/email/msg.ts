/**
 * Outlook .msg (CFBF/OLE2) with @kenjiuno/msgreader: subject, sender,
 * recipients by role, dates, transport headers, the plain body (or the HTML
 * body through the HTML pipeline), and attachments, embedded messages
 * included (re-serialised by msgreader as .msg files), as children.
 */
import MsgReaderModule from '@kenjiuno/msgreader';
import { ExtractionError, type Entity } from '../../../shared/extraction';
import type { Extractor } from '../types';
import { checkCompoundFile } from './cfb-check';
import { attachmentName, emailResult, htmlBody, spoolAttachments, type AttachmentInfo } from './common';

/** The package is CommonJS with a `default` property; bundlers differ in how they hand it over. */
const MsgReader: typeof MsgReaderModule = (MsgReaderModule as unknown as { default?: typeof MsgReaderModule }).default ?? MsgReaderModule;
type Fields = ReturnType<MsgReaderModule['getFileData']>;

function isoDate(d: string | undefined): string | undefined {
  if (!d) return undefined;
  const t = new Date(d);
  return Number.isNaN(t.getTime()) ? d : t.toISOString();
}

/** A corrupted property stream can yield any type where a string is expected. */
const txt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An Exchange directory name (legacyExchangeDN, "/O=org/OU=.../CN=name"): who the sender is inside Exchange, not an address. */
const isDirectoryName = (v: string | undefined): v is string => !!v && /^\/O=/i.test(v.trim());
/** The first candidate that is an address, and the directory name among them (kept apart). */
function addressOf(...candidates: Array<string | undefined>): { email?: string; directoryName?: string } {
  return { email: candidates.find((c) => c && !isDirectoryName(c)), directoryName: candidates.find(isDirectoryName) };
}

const person = (name: string | undefined, email: string | undefined) => (email ? (name && name !== email ? `${name} <${email}>` : email) : name || undefined);

export const msgExtractor: Extractor = {
  name: 'msg',
  version: '1.1.0',
  formats: ['msg'],
  async extract(input) {
    const bytes = await input.read();
    const warnings: string[] = [];
    // Before msgreader: a looping sector chain would make it grow an array until V8 aborts the process.
    checkCompoundFile(bytes);
    const reader = new MsgReader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    let data: Fields;
    try {
      data = reader.getFileData();
    } catch (err) {
      throw new ExtractionError('corrupt_file', `Not a readable Outlook message: ${(err as Error).message}`);
    }
    if (data.error) throw new ExtractionError('corrupt_file', `Not a readable Outlook message: ${data.error}`);
    if (data.dataType !== 'msg') throw new ExtractionError('unsupported_format', 'This OLE2 file is not an Outlook message');

    const recipients = (Array.isArray(data.recipients) ? data.recipients : []).map((r) => {
      const { email, directoryName } = addressOf(txt(r.smtpAddress), txt(r.email));
      const name = txt(r.name);
      return { role: txt(r.recipType) ?? 'to', text: person(name, email) ?? name ?? directoryName ?? '', email, name };
    });
    const byRole = (role: string) => {
      const xs = recipients
        .filter((r) => r.role === role)
        .map((r) => r.text)
        .filter(Boolean);
      return xs.length ? xs : undefined;
    };
    const senderName = txt(data.senderName);
    const { email: senderEmail, directoryName: senderDirectoryName } = addressOf(
      txt(data.senderSmtpAddress),
      txt(data.senderEmail),
      txt(data.sentRepresentingSmtpAddress),
      txt(data.creatorSMTPAddress),
      txt(data.inetAcctName),
    );
    const from = person(senderName, senderEmail);
    const subject = txt(data.subject);

    let text = (txt(data.body) ?? '').replace(/\r\n/g, '\n').trim();
    let bodyMarkdown = text;
    const html = txt(data.bodyHtml) ?? (data.html instanceof Uint8Array ? Buffer.from(data.html).toString('utf8') : undefined);
    if (html) {
      const converted = htmlBody(html, warnings);
      if (!text) text = converted.text;
      bodyMarkdown = converted.markdown || text;
    }

    const items: Array<{ info: AttachmentInfo; content: () => Buffer }> = [];
    (Array.isArray(data.attachments) ? data.attachments : []).forEach((a, i) => {
      try {
        const att = reader.getAttachment(a);
        const content = Buffer.from(att.content);
        const mime = txt(a.attachMimeTag);
        const info: AttachmentInfo = {
          name: attachmentName(txt(att.fileName) || txt(a.fileName) || txt(a.name), mime ?? (a.innerMsgContent ? 'application/vnd.ms-outlook' : undefined), i),
          ...(mime ? { mimeType: mime } : {}),
          size: content.length,
          ...(a.attachmentHidden || txt(a.pidContentId) ? { inline: true } : {}),
          ...(txt(a.pidContentId) ? { contentId: txt(a.pidContentId) } : {}),
          ...(a.innerMsgContent ? { embeddedMessage: true, subject: txt(a.innerMsgContentFields?.subject) } : {}),
        };
        items.push({ info, content: () => content });
      } catch (err) {
        warnings.push(`Attachment ${i + 1} could not be read: ${(err as Error).message}`);
      }
    });
    const attachments = items.map((x) => x.info);
    const children = await spoolAttachments(input.spoolDir, items, warnings);

    const metadata: Record<string, unknown> = {
      subject,
      from,
      ...(senderDirectoryName ? { senderDirectoryName } : {}),
      ...(senderEmail && senderEmail === txt(data.inetAcctName) && !txt(data.senderEmail) && !txt(data.senderSmtpAddress) ? { fromSource: 'account' } : {}),
      to: byRole('to'),
      cc: byRole('cc'),
      bcc: byRole('bcc'),
      date: isoDate(txt(data.clientSubmitTime) ?? txt(data.messageDeliveryTime)),
      received: isoDate(txt(data.messageDeliveryTime)),
      created: isoDate(txt(data.creationTime)),
      messageClass: txt(data.messageClass),
      messageId: txt(data.messageId),
      hasHtmlBody: !!html,
      attachments,
      ...(txt(data.headers) ? { transportHeaders: txt(data.headers)!.slice(0, 20_000) } : {}),
    };
    for (const k of Object.keys(metadata)) if (metadata[k] === undefined) delete metadata[k];

    const entities: Entity[] = [];
    if (senderEmail) entities.push({ type: 'email', value: senderEmail, attributes: { role: 'from', ...(senderName ? { name: senderName } : {}) } });
    for (const r of recipients)
      if (r.email) entities.push({ type: 'email', value: r.email, attributes: { role: r.role, ...(r.name ? { name: r.name } : {}) } });
    return emailResult({
      text,
      bodyMarkdown,
      headers: { subject, from, to: byRole('to')?.join(', '), cc: byRole('cc')?.join(', '), date: metadata.date as string | undefined },
      metadata,
      entities,
      warnings,
      attachments,
      children,
      spooled: !!input.spoolDir,
      counters: { recipients: recipients.length },
    });
  },
};
