/**
 * mbox mailboxes (mboxo / mboxrd: messages separated by "From " lines, body
 * lines that start with "From " escaped as ">From "): each message is parsed
 * as an e-mail for the mailbox's own listing (subject, sender, date, body
 * per message, as pages) and written to the spool as an .eml child job, so
 * its attachments become its own children. The message count is limited as
 * archive entries are (maxEntries).
 */
import { ExtractionError } from '../../../shared/extraction';
import { Spool } from '../../spool';
import { ZIP_LIMITS } from '../zip';
import type { ExtractInput, ExtractionParts, Extractor } from '../types';
import { emlExtractor } from './eml';

/** The messages' bytes, separator lines dropped and ">From " unescaped (read as Latin-1, so bytes survive). */
export function splitMbox(bytes: Buffer, max: number): { messages: Buffer[]; more: boolean } {
  const raw = bytes.toString('latin1');
  if (!raw.startsWith('From ')) throw new ExtractionError('corrupt_file', 'Not an mbox mailbox: it does not start with a "From " line');
  const starts = [0];
  for (let at = raw.indexOf('\nFrom '); at >= 0 && starts.length <= max; at = raw.indexOf('\nFrom ', at + 1)) starts.push(at + 1);
  const more = starts.length > max;
  const messages = starts.slice(0, max).map((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]! : raw.length;
    const body = raw.slice(raw.indexOf('\n', start) + 1 || end, end).replace(/\r?\n$/, '');
    return Buffer.from(body.replace(/^>(>*From )/gm, '$1'), 'latin1');
  });
  return { messages, more };
}

interface MessageInfo {
  subject?: string;
  from?: string;
  date?: string;
  type?: string;
  attachments: number;
}

async function parse(input: ExtractInput, bytes: Buffer): Promise<{ info: MessageInfo; text: string; markdown: string }> {
  const inner: ExtractInput = { ...input, spoolDir: undefined, size: bytes.length, read: async () => bytes };
  const parts = await emlExtractor.extract(inner, { progress: () => undefined });
  const m = (parts.metadata ?? {}) as { subject?: string; from?: string; date?: string; mimeStructure?: string[]; attachments?: unknown[] };
  return {
    info: { subject: m.subject, from: m.from, date: m.date, type: m.mimeStructure?.[0]?.trim(), attachments: m.attachments?.length ?? 0 },
    text: parts.text,
    markdown: parts.markdown ?? parts.text,
  };
}

export const mboxExtractor: Extractor = {
  name: 'mbox',
  version: '1.0.0',
  formats: ['mbox'],
  async extract(input, ctx): Promise<ExtractionParts> {
    const max = input.options.maxEntries ?? ZIP_LIMITS.maxEntries;
    const { messages, more } = splitMbox(await input.read(), max);
    const warnings: string[] = more ? [`The mailbox has more than ${max} messages; only the first ${max} are read (limit)`] : [];
    const spool = input.spoolDir ? new Spool(input.spoolDir) : null;
    const infos: MessageInfo[] = [];
    const pages: Array<{ number: number; text: string }> = [];
    const md: string[] = [];
    for (const [i, bytes] of messages.entries()) {
      ctx.progress(i, messages.length);
      const n = String(i + 1).padStart(String(messages.length).length, '0');
      try {
        const { info, text, markdown } = await parse(input, bytes);
        infos.push(info);
        pages.push({ number: i + 1, text });
        md.push(`## ${i + 1}. ${info.subject ?? '(no subject)'}\n\n${markdown}`);
      } catch (err) {
        infos.push({ attachments: 0 });
        pages.push({ number: i + 1, text: '' });
        warnings.push(`Message ${i + 1} could not be read: ${(err as Error).message}`);
      }
      if (spool) await spool.write(`message ${n}.eml`, bytes, { fallback: `message-${n}.eml` });
    }
    ctx.progress(messages.length, messages.length);
    return {
      text: pages
        .map((p, i) => [infos[i]!.subject, infos[i]!.from && `From: ${infos[i]!.from}`, '', p.text].filter((x) => x !== undefined).join('\n'))
        .join('\n\n'),
      markdown: md.join('\n\n'),
      pages,
      metadata: { messageCount: messages.length, messages: infos.slice(0, 1000) },
      warnings,
      children: spool ? spool.children : undefined,
      counters: { items: messages.length, messages: messages.length },
    };
  },
};
