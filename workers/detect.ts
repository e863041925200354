/**
 * Format detection: content first, extension second.
 *
 * Only the head of the file (64 KiB) is read, plus the ZIP central directory
 * from the tail for containers, so detecting a 1 GiB file costs the same as
 * a 1 KiB one.
 *
 * Content signals come in two strengths:
 * - strong (magic numbers, container contents, JSON that parses, an XML or
 *   HTML prolog, DXF/STEP headers, a mail header block) always win;
 * - weak (delimiter consistency, markdown cues) only decide when the
 *   extension is missing or generic (.txt), because a .md with commas or a
 *   .csv with a '#' line should stay what its author called it.
 */
import { open } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { Detection, Format } from '../shared/extraction';
import { looksLikeBrep, looksLikeIges } from './extractors/cad/step';
import { decodeText } from './text/decode';
import { sniffDelimiter } from './text/delimiter';
import { compoundFileNames } from './extractors/email/cfb-check';
import { compressionOf } from './compress';
import { bufferReader, readAt } from './read-at';
import { BLOCK, looksLikeTar } from './tar/ustar';
import { readZipDirectory, storedEntryFromHead, walkLocalHeaders, type ZipDirectory } from './zip-directory';
import { formatFromExtension } from './extensions';

export { formatFromExtension };

export const HEAD_BYTES = 64 * 1024;
/** An OLE2 file up to this size is read whole to list its directory (its sectors may lie anywhere). */
const OLE2_READ_LIMIT = 256 * 1024 * 1024;

export const MIME: Record<Format, string> = {
  text: 'text/plain',
  markdown: 'text/markdown',
  json: 'application/json',
  xml: 'application/xml',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  html: 'text/html',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
  image: 'image/*',
  dxf: 'image/vnd.dxf',
  ifc: 'application/x-step',
  step: 'model/step',
  zip: 'application/zip',
  'encrypted-ooxml': 'application/x-ooxml-encrypted',
  ics: 'text/calendar',
  vcf: 'text/vcard',
  tar: 'application/x-tar',
  gzip: 'application/gzip',
  bzip2: 'application/x-bzip2',
  xz: 'application/x-xz',
  '7z': 'application/x-7z-compressed',
  doc: 'application/msword',
  ppt: 'application/vnd.ms-powerpoint',
  xls: 'application/vnd.ms-excel',
  mbox: 'application/mbox',
  epub: 'application/epub+zip',
  rtf: 'application/rtf',
  odt: 'application/vnd.oasis.opendocument.text',
  odp: 'application/vnd.oasis.opendocument.presentation',
  unknown: 'application/octet-stream',
};

/** Formats whose files are text; an extension naming one of these beats a weak sniff. */
const TEXTUAL = new Set<Format>(['text', 'markdown', 'json', 'xml', 'csv', 'tsv', 'html', 'eml', 'dxf', 'ifc', 'step', 'ics', 'vcf', 'mbox']);

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, Math.min(end, bytes.length));
}

type Found = Pick<Detection, 'format' | 'method' | 'mime'>;

/** Magic numbers of binary formats. */
function sniffMagic(head: Uint8Array): Found | 'zip' | 'ole2' | 'gzip' | 'bzip2' | 'xz' | null {
  const pdf: Found = { format: 'pdf', method: 'magic', mime: MIME.pdf };
  if (ascii(head, 0, 5) === '%PDF-') return pdf;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]) || startsWith(head, [0x50, 0x4b, 0x07, 0x08])) {
    return 'zip';
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole2';
  if (startsWith(head, [0x1f, 0x8b, 0x08])) return 'gzip';
  if (looksLikeTar(head)) return { format: 'tar', method: 'magic', mime: MIME.tar };
  const compression = compressionOf(head);
  if (compression === 'bzip2' || compression === 'xz') return compression;
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return { format: '7z', method: 'magic', mime: MIME['7z'] };
  // PDF readers accept the header anywhere in the first 1 KiB (junk before it is common); but an
  // archive whose own magic number opens the file (a ZIP or a tar holding a stored PDF) is that archive.
  if (ascii(head, 0, 1024).includes('%PDF-')) return pdf;
  const image = (mime: string): Found => ({ format: 'image', method: 'magic', mime });
  if (startsWith(head, [0xff, 0xd8, 0xff])) return image('image/jpeg');
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image('image/png');
  if (
    startsWith(head, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(head, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return image('image/tiff');
  }
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return image('image/gif');
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return image('image/webp');
  // ISO-BMFF: 'ftyp' box first; HEIF/AVIF brands are images, mp4/mov are not.
  if (ascii(head, 4, 8) === 'ftyp') {
    const boxLen = Math.min(head.length, (head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!);
    const brands: string[] = [ascii(head, 8, 12)];
    for (let p = 16; p + 4 <= boxLen; p += 4) brands.push(ascii(head, p, p + 4));
    if (brands.some((b) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs'].includes(b))) return image('image/heic');
    if (brands.some((b) => b === 'avif' || b === 'avis')) return image('image/avif');
    if (brands.some((b) => b === 'mif1' || b === 'msf1')) return image('image/heif');
  }
  if (ascii(head, 0, 5) === '{\\rtf') return { format: 'rtf', method: 'magic', mime: MIME.rtf };
  if (ascii(head, 0, 18) === 'AutoCAD Binary DXF') return { format: 'dxf', method: 'magic', mime: MIME.dxf };
  return null;
}

/** Tells OOXML/ODF packages from plain ZIP archives by the names inside. */
async function sniffZip(head: Uint8Array, readDirectory: () => Promise<ZipDirectory | null>): Promise<Found> {
  let dir: ZipDirectory | null;
  try {
    dir = await readDirectory();
  } catch {
    dir = null;
  }
  // No central directory (truncated file): the local headers at the start still name the parts.
  if (!dir || dir.entries.length === 0) dir = walkLocalHeaders(head);
  const names = new Set(dir.entries.map((e) => e.name));
  const container = (format: Format): Found => ({ format, method: 'container', mime: MIME[format] });
  if (names.has('word/document.xml')) return container('docx');
  if (names.has('xl/workbook.xml')) return container('xlsx');
  if (names.has('ppt/presentation.xml')) return container('pptx');
  const mimetype = dir.entries.find((e) => e.name === 'mimetype');
  if (mimetype) {
    const value = storedEntryFromHead(head, mimetype)?.trim();
    if (value === MIME.ods) return container('ods');
    if (value === MIME.epub) return container('epub');
    if (value === MIME.odt || value === `${MIME.odt}-template`) return container('odt');
    if (value === MIME.odp || value === `${MIME.odp}-template`) return container('odp');
  }
  // EPUB: the container names the package document (the mimetype entry is not always first, nor stored).
  if (names.has('META-INF/container.xml') && [...names].some((n) => n.toLowerCase().endsWith('.opf'))) return container('epub');
  // Some producers name the main part differently; the folder still tells.
  const names_ = [...names];
  if (names.has('[Content_Types].xml')) {
    if (names_.some((n) => n.startsWith('word/'))) return container('docx');
    if (names_.some((n) => n.startsWith('xl/'))) return container('xlsx');
    if (names_.some((n) => n.startsWith('ppt/'))) return container('pptx');
  }
  return { format: 'zip', method: 'magic', mime: MIME.zip };
}

/**
 * OLE2 compound files: what the directory names decides. An Outlook message
 * has its property streams; a password-protected .docx/.xlsx/.pptx is an
 * `EncryptedPackage` stream (with its `EncryptionInfo`); legacy Office
 * binaries have their main stream. Anything else is not assumed to be a
 * message. The real directory is read when the whole file is at hand (or the
 * head does not show the names); a damaged one leaves it to the extension.
 */
async function sniffOle2(head: Uint8Array, complete: boolean, ext: Format | undefined, readAll: () => Promise<Uint8Array | null>): Promise<Found> {
  const utf16 = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf16le');
  const utf16Odd = Buffer.from(head.buffer, head.byteOffset + 1, head.byteLength - 1).toString('utf16le');
  const inHead = (s: string) => utf16.includes(s) || utf16Odd.includes(s);
  const fromHead = ole2Kind(inHead, ext);
  // A large file whose head already names its streams is not read twice (extraction reads it anyway).
  if (fromHead && !complete) return fromHead;
  let names: string[] | null = null;
  try {
    const all = await readAll();
    names = all ? compoundFileNames(all) : null;
  } catch {
    names = null;
  }
  if (names) return ole2Kind((s) => names.some((n) => n.startsWith(s)), ext) ?? { format: 'unknown', method: 'container', mime: 'application/x-ole-storage' };
  if (fromHead) return fromHead;
  return ext === 'msg' ? { format: 'msg', method: 'extension', mime: MIME.msg } : { format: 'unknown', method: 'magic', mime: 'application/x-ole-storage' };
}

function ole2Kind(has: (name: string) => boolean, ext: Format | undefined): Found | null {
  if (has('EncryptedPackage')) return { format: 'encrypted-ooxml', method: 'container', mime: MIME['encrypted-ooxml'] };
  if (has('__substg1.0_') && has('__properties_version1.0')) return { format: 'msg', method: 'container', mime: MIME.msg };
  if (ext === 'msg') return null;
  if (has('WordDocument')) return { format: 'doc', method: 'container', mime: MIME.doc };
  if (has('Workbook') || has('Book')) return { format: 'xls', method: 'container', mime: MIME.xls };
  if (has('PowerPoint Document')) return { format: 'ppt', method: 'container', mime: MIME.ppt };
  return null;
}

/**
 * A gzip file is a compressed tar when its first decompressed block is a tar
 * header; otherwise one compressed file. Only the head is inflated (a partial
 * stream is fine), so this costs the same for any size.
 */
function sniffGzip(head: Uint8Array): Found {
  let first: Buffer;
  try {
    // 4 KiB of deflate expands at most ~4 MiB (zlib throws past maxOutputLength rather than stopping).
    first = gunzipSync(head.subarray(0, 4096), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 8 * 1024 * 1024 });
  } catch {
    first = Buffer.alloc(0);
  }
  if (looksLikeTar(first.subarray(0, BLOCK))) return { format: 'tar', method: 'container', mime: MIME.gzip };
  return { format: 'gzip', method: 'magic', mime: MIME.gzip };
}

/**
 * bzip2 and xz: a tar inside is told by the name (.tar.bz2, .tbz2, .tar.xz,
 * .txz): a bzip2 block cannot be decoded from the head alone. Any other
 * file is one compressed file; when it is a tar after all, its one child is
 * detected as tar and unpacked one level down.
 */
function compressedTar(kind: 'bzip2' | 'xz', fileName: string): Found {
  const tarName = /\.tar\.(bz2|bz|bzip2|xz)$/i.test(fileName) || formatFromExtension(fileName) === 'tar';
  return tarName ? { format: 'tar', method: 'container', mime: MIME[kind] } : { format: kind, method: 'magic', mime: MIME[kind] };
}

/** Binary if the (decoded) head has NULs or many control characters. */
function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 8192);
  if (n === 0) return false;
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27) controls++;
  }
  return controls / n > 0.02;
}

const HTML_ROOTS = new Set([
  'html',
  'head',
  'body',
  'div',
  'p',
  'span',
  'table',
  'section',
  'article',
  'main',
  'nav',
  'header',
  'footer',
  'ul',
  'ol',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'meta',
  'link',
  'title',
  'script',
  'style',
  'form',
  'a',
  'img',
  'br',
]);

const MAIL_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'received',
  'return-path',
  'delivered-to',
  'content-type',
  'reply-to',
  'x-mailer',
  'sender',
  'in-reply-to',
  'references',
  'dkim-signature',
  'x-originating-ip',
]);

export interface TextSniff {
  format: Format;
  strong: boolean;
}

/** Markup: the prolog (XML declaration, comments, doctype) and the first element decide. */
function sniffMarkup(t: string, complete: boolean): TextSniff | null {
  if (!t.startsWith('<')) return null;
  const hasXmlDecl = t.startsWith('<?xml');
  let rest = t;
  let doctype = '';
  // Skip declarations, processing instructions, comments and the doctype.
  for (let guard = 0; guard < 50; guard++) {
    rest = rest.trimStart();
    let m: RegExpExecArray | null;
    if ((m = /^<\?[\s\S]*?\?>/.exec(rest)) || (m = /^<!--[\s\S]*?-->/.exec(rest))) {
      rest = rest.slice(m[0].length);
    } else if ((m = /^<!doctype\s[^>]*>/i.exec(rest))) {
      doctype = m[0];
      rest = rest.slice(m[0].length);
    } else break;
  }
  if (/^<!doctype\s+html/i.test(doctype)) return { format: 'html', strong: true };
  const root = /^<([A-Za-z_][\w.:-]*)(?:\s[^>]*)?\/?>/.exec(rest)?.[1];
  if (!root) return hasXmlDecl ? { format: 'xml', strong: true } : null;
  const lower = root.toLowerCase();
  if (lower === 'html') return { format: 'html', strong: true };
  if (!hasXmlDecl && HTML_ROOTS.has(lower)) return { format: 'html', strong: true };
  // Without a declaration, insist on a closing tag so "<John> said..." stays text.
  if (hasXmlDecl || !complete || t.includes(`</${root}`) || /\/>\s*$/.test(t)) return { format: 'xml', strong: true };
  return null;
}

function sniffJson(t: string, complete: boolean, ext: Format | undefined): boolean {
  const first = t[0];
  if (complete) {
    if (first !== '{' && first !== '[' && ext !== 'json') return false;
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  }
  // Too big to parse here: the opening must look like JSON, not like "[link](url)".
  return /^\{\s*("|\})/.test(t) || /^\[\s*([{["\]\d-]|true\b|false\b|null\b)/.test(t);
}

function sniffMail(t: string): boolean {
  const block = t.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const lines = block.split(/\r?\n/).slice(0, 40);
  let headers = 0;
  let known = 0;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) continue; // folded continuation
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):/.exec(line);
    if (!m) return false;
    headers++;
    if (MAIL_HEADERS.has(m[1]!.toLowerCase())) known++;
  }
  return headers >= 2 && known >= 2;
}

const MD_CUES: RegExp[] = [
  /^#{1,6}\s+\S/m, // ATX heading
  /^```/m, // fenced code
  /^\s{0,3}[-*+]\s+\S/m, // bullet list
  /^\s{0,3}\d+\.\s+\S/m, // ordered list
  /\[[^\]\n]+\]\([^)\s]+\)/, // inline link
  /^\|?.*\|.*\n\|?\s*:?-{3,}/m, // table divider
  /^>\s/m, // blockquote
  /\*\*[^*\n]+\*\*/, // bold
  /^[^\n]+\n(=+|-+)\s*$/m, // setext heading
];

/** Sniffs decoded text. `complete` = the text is the whole file. */
export function sniffText(text: string, complete: boolean, ext?: Format): TextSniff {
  const t = text.trimStart();
  if (t.length === 0) return { format: 'text', strong: false };
  if (sniffJson(t, complete, ext)) return { format: 'json', strong: true };
  if (/^ISO-10303-21\s*;/.test(t)) {
    return { format: /FILE_SCHEMA\s*\(\s*\(\s*'IFC/i.test(t) ? 'ifc' : 'step', strong: true };
  }
  // OpenCASCADE native BREP and IGES are handled by the STEP (CAD exchange) extractor.
  if (looksLikeBrep(t) || looksLikeIges(text)) return { format: 'step', strong: true };
  // DXF: group code / value pairs, optionally after a 999 comment.
  if (/^(?:999\r?\n[^\n]*\n\s*)?0\r?\n\s*SECTION\s*\r?\n\s*2\r?\n\s*(HEADER|CLASSES|TABLES|BLOCKS|ENTITIES|OBJECTS)\b/.test(t)) {
    return { format: 'dxf', strong: true };
  }
  // iCalendar and vCard: a BEGIN line first (RFC 5545 / 6350), in any case.
  if (/^BEGIN:VCALENDAR\r?\n/i.test(t)) return { format: 'ics', strong: true };
  if (/^BEGIN:VCARD\r?\n/i.test(t)) return { format: 'vcf', strong: true };
  // mbox: a "From " separator line, then a message's header block.
  const firstLine = /^From [^\r\n]*\r?\n/.exec(text);
  if (firstLine && sniffMail(text.slice(firstLine[0].length))) return { format: 'mbox', strong: true };
  const markup = sniffMarkup(t, complete);
  if (markup) return markup;
  if (sniffMail(text)) return { format: 'eml', strong: true };

  // Weak signals from here on.
  const mdScore = MD_CUES.filter((re) => re.test(t)).length;
  const headingFirst = /^#{1,6}\s+\S/.test(t);
  const delim = sniffDelimiter(t, complete, { minConsistency: 0.9, minRecords: 2, prefer: ext === 'tsv' ? '\t' : undefined });
  // Markdown tables are pipe-consistent too; markdown cues take precedence over '|'.
  if (delim && !(delim.delimiter === '|' && mdScore >= 1)) {
    return { format: delim.delimiter === '\t' ? 'tsv' : 'csv', strong: false };
  }
  if (headingFirst || mdScore >= 2) return { format: 'markdown', strong: false };
  return { format: 'text', strong: false };
}

export interface DetectInput {
  head: Uint8Array;
  size: number;
  fileName: string;
  /** Reads the ZIP central directory from the tail; only called for ZIP magic. */
  readZipDirectory?: () => Promise<ZipDirectory | null>;
  /** User-specified text encoding. */
  encoding?: string;
  /** The whole file, for an OLE2 directory (null when too large to read for detection). */
  readAll?: () => Promise<Uint8Array | null>;
}

/** Detection from the head bytes (and, for ZIPs, the central directory). */
export async function detectFromHead(input: DetectInput): Promise<Detection> {
  const { head, size, fileName } = input;
  const ext = formatFromExtension(fileName);
  const byExtension = (): Detection =>
    ext ? { format: ext, method: 'extension', mime: MIME[ext] } : { format: 'unknown', method: 'none', mime: MIME.unknown };

  if (size === 0) return ext ? byExtension() : { format: 'text', method: 'none', mime: MIME.text };

  const magic = sniffMagic(head);
  if (magic === 'zip') return sniffZip(head, input.readZipDirectory ?? (async () => null));
  if (magic === 'ole2') return sniffOle2(head, size <= head.length, ext, input.readAll ?? (async () => (size <= head.length ? head : null)));
  if (magic === 'gzip') return sniffGzip(head);
  if (magic === 'bzip2' || magic === 'xz') return compressedTar(magic, fileName);
  if (magic) return magic;

  const complete = size <= head.length;
  const { text, encoding } = decodeText(head, { override: input.encoding, truncated: !complete });
  if (looksBinary(text)) return byExtension();

  const sniff = sniffText(text, complete, ext);
  if (sniff.strong && sniff.format === 'step') {
    const mime = looksLikeBrep(text.trimStart()) ? 'model/vnd.opencascade.brep' : looksLikeIges(text) ? 'model/iges' : MIME.step;
    return { format: 'step', method: 'sniff', mime, encoding };
  }
  if (sniff.strong) return { format: sniff.format, method: 'sniff', mime: MIME[sniff.format], encoding };
  // Weak sniff: a specific text extension wins; a generic one (.txt) or none lets the sniff decide.
  if (ext && TEXTUAL.has(ext) && ext !== 'text' && ext !== sniff.format) {
    return { format: ext, method: 'extension', mime: MIME[ext], encoding };
  }
  return { format: sniff.format, method: 'sniff', mime: MIME[sniff.format], encoding };
}

/** Detects a file's format from its head (and ZIP directory); never reads the whole file. */
/** The same for a whole file already in memory (small files are read once; see extract.ts). */
export function detectBuffer(data: Buffer, fileName: string, opts: { encoding?: string } = {}): Promise<Detection> {
  return detectFromHead({
    head: data.subarray(0, HEAD_BYTES),
    size: data.length,
    fileName,
    encoding: opts.encoding,
    readZipDirectory: () => readZipDirectory(bufferReader(data), data.length),
    readAll: async () => data,
  });
}

export async function detectFile(filePath: string, opts: { encoding?: string } = {}): Promise<Detection> {
  const fh = await open(filePath, 'r');
  try {
    const { size } = await fh.stat();
    const head = await readAt(fh, 0, Math.min(size, HEAD_BYTES));
    return await detectFromHead({
      head,
      size,
      fileName: filePath,
      encoding: opts.encoding,
      readZipDirectory: () => readZipDirectory(fh, size),
      readAll: async () => (size <= HEAD_BYTES ? head : size <= OLE2_READ_LIMIT ? readAt(fh, 0, size) : null),
    });
  } finally {
    await fh.close();
  }
}
