/**
 * vCard (.vcf, versions 2.1, 3.0 and 4.0): every contact with its name,
 * e-mail addresses, phone numbers, organisation, title, addresses (and the
 * printed labels, quoted-printable decoded), notes and URLs. E-mails and
 * phones become entities; an embedded photo is written as a child file.
 */
import { ExtractionError, type Entity } from '../../../shared/extraction';
import { Spool } from '../../spool';
import { readText } from '../common';
import type { ExtractionParts, Extractor } from '../types';
import { all, binaryValue, components, first, parseComponents, textValue, typesOf, type Component } from './vobject';

interface Contact {
  name?: string;
  structuredName?: string[];
  organization?: string[];
  title?: string;
  emails: string[];
  phones: Array<{ number: string; types: string[] }>;
  addresses: Array<{ parts: string[]; types: string[] }>;
  labels: string[];
  urls: string[];
  note?: string;
  birthday?: string;
  version?: string;
  photo?: { type?: string; bytes: number };
}

const PHOTO_EXT: Record<string, string> = { jpeg: 'jpg', jpg: 'jpg', png: 'png', gif: 'gif' };

function contactOf(c: Component): { contact: Contact; photo?: { bytes: Buffer; type?: string } } {
  const text = (name: string) => {
    const p = first(c, name);
    return p ? textValue(p).trim() || undefined : undefined;
  };
  const n = first(c, 'N');
  const org = first(c, 'ORG');
  const photoProp = first(c, 'PHOTO');
  const photoBytes = photoProp ? binaryValue(photoProp) : undefined;
  const photoType = photoProp ? (photoProp.params.TYPE?.[0] ?? photoProp.params.MEDIATYPE?.[0])?.toLowerCase().replace(/^image\//, '') : undefined;
  const structuredName = n ? components(n.value).map((s) => s.trim()) : undefined;
  const contact: Contact = {
    name: text('FN') ?? structuredName?.filter(Boolean).join(' '),
    structuredName,
    organization: org ? components(org.value).filter(Boolean) : undefined,
    title: text('TITLE'),
    emails: all(c, 'EMAIL').map((p) => textValue(p).trim()),
    phones: all(c, 'TEL').map((p) => ({ number: textValue(p).replace(/^tel:/i, '').trim(), types: typesOf(p) })),
    addresses: all(c, 'ADR').map((p) => ({ parts: components(p.value).map((s) => s.trim()), types: typesOf(p) })),
    labels: all(c, 'LABEL').map((p) => textValue(p)),
    urls: all(c, 'URL').map((p) => textValue(p).trim()),
    note: text('NOTE'),
    birthday: text('BDAY'),
    version: text('VERSION'),
    ...(photoBytes ? { photo: { type: photoType, bytes: photoBytes.length } } : {}),
  };
  return { contact, photo: photoBytes && photoBytes.length ? { bytes: photoBytes, type: photoType } : undefined };
}

function lines(c: Contact): Array<[string, string]> {
  const rows: Array<[string, string | undefined]> = [
    ['Organisation', c.organization?.join(', ')],
    ['Title', c.title],
    ...c.emails.map((e): [string, string] => ['E-mail', e]),
    ...c.phones.map((p): [string, string] => [`Phone${p.types.length ? ` (${p.types.join(', ')})` : ''}`, p.number]),
    ...c.addresses.map((a): [string, string] => [`Address${a.types.length ? ` (${a.types.join(', ')})` : ''}`, a.parts.filter(Boolean).join(', ')]),
    ...c.urls.map((u): [string, string] => ['URL', u]),
    ['Birthday', c.birthday],
    ['Note', c.note],
  ];
  return rows.filter((r): r is [string, string] => !!r[1]);
}

export const vcfExtractor: Extractor = {
  name: 'vcf',
  version: '1.0.0',
  formats: ['vcf'],
  async extract(input): Promise<ExtractionParts> {
    const { text: source, encoding, warnings, empty } = await readText(input);
    const cards = empty ? [] : parseComponents(source, 'vCard file').filter((c) => c.name === 'VCARD');
    if (!empty && cards.length === 0) throw new ExtractionError('corrupt_file', 'Not a vCard file: no BEGIN:VCARD … END:VCARD block');
    const spool = input.spoolDir ? new Spool(input.spoolDir) : null;
    const entities: Entity[] = [];
    const contacts: Contact[] = [];
    const text: string[] = [];
    const md: string[] = [];
    for (const [i, card] of cards.entries()) {
      const { contact, photo } = contactOf(card);
      contacts.push(contact);
      for (const e of contact.emails) entities.push({ type: 'email', value: e, attributes: { contact: contact.name } });
      for (const p of contact.phones) entities.push({ type: 'phone', value: p.number, attributes: { contact: contact.name, types: p.types } });
      if (photo && spool) {
        const base = (contact.name ?? `contact ${i + 1}`).replace(/[^\p{L}\p{N} .-]+/gu, '').trim() || `contact ${i + 1}`;
        await spool.write(`${base} photo.${PHOTO_EXT[photo.type ?? ''] ?? 'bin'}`, photo.bytes, { fallback: `photo-${i + 1}` });
      }
      const title = contact.name ?? '(no name)';
      const rows = lines(contact);
      text.push([title, ...rows.map(([k, v]) => `${k}: ${v}`)].join('\n'));
      md.push([`## ${title}`, '', ...rows.map(([k, v]) => `- **${k}:** ${v.replace(/\n/g, ' ')}`)].join('\n'));
    }
    if (cards.length === 0) warnings.push('The file has no contacts');
    return {
      text: text.join('\n\n'),
      markdown: md.join('\n\n'),
      metadata: { encoding, contacts: contacts.slice(0, 1000), versions: [...new Set(contacts.map((c) => c.version).filter(Boolean))] },
      entities,
      warnings,
      children: spool?.children.length ? spool.children : undefined,
      counters: { items: contacts.length, contacts: contacts.length },
      encoding,
    };
  },
};
