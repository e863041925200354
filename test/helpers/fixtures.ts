/**
 * Fixture generators for the extractor tests: every test writes the files
 * it needs into its own temp dir (no binary fixtures in the repo).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A temp dir with a `write` helper; call `cleanup()` in afterAll. */
export function fixtureDir(prefix = 'quarry-fx-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    write(name: string, data: string | Uint8Array): string {
      const p = path.join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PdfSpec {
  pages: string[][]; // lines per page
  title?: string;
  author?: string;
  subject?: string;
  keywords?: string[];
  creator?: string;
  producer?: string;
  creationDate?: Date;
}

/** A real PDF (pdf-lib, Helvetica) with the given lines on each page and Info metadata. */
export async function makePdf(spec: PdfSpec): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  if (spec.title) doc.setTitle(spec.title);
  if (spec.author) doc.setAuthor(spec.author);
  if (spec.subject) doc.setSubject(spec.subject);
  if (spec.keywords) doc.setKeywords(spec.keywords);
  doc.setCreator(spec.creator ?? 'quarry tests');
  doc.setProducer(spec.producer ?? 'pdf-lib');
  if (spec.creationDate) doc.setCreationDate(spec.creationDate);
  for (const lines of spec.pages) {
    const page = doc.addPage([612, 792]);
    lines.forEach((line, i) => page.drawText(line, { x: 72, y: 720 - i * 20, size: 12, font }));
  }
  return doc.save();
}

/** Pages with nothing drawn: what a scan without OCR looks like to a text extractor. */
export async function makeBlankPdf(pageCount: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pageCount; i++) doc.addPage([612, 792]);
  return doc.save();
}

/**
 * A page tree whose one /Pages node lists the same page object `times` times
 * (/Count says so too): a 6-byte reference per page, so 200,000 pages fit in
 * 1.2 MB. Written by hand, with a correct xref table.
 */
export function makeRepeatedPagePdf(times: number, text = 'The same page again'): Buffer {
  const content = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${'3 0 R '.repeat(times)}] /Count ${times} >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// --- Encrypted PDF (Standard security handler, RC4 40-bit, revision 2) ---
// pdf-lib cannot encrypt, so this writes a one-page PDF by hand, following
// PDF 1.7 §7.6.3 algorithms 2 (file key), 3 (O entry) and 4 (U entry).

const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let k = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

const md5 = (...parts: Uint8Array[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

function padPassword(pw: string): Buffer {
  return Buffer.concat([Buffer.from(pw, 'latin1'), PAD]).subarray(0, 32);
}

export function makeEncryptedPdf(opts: { userPassword: string; ownerPassword: string; text: string; title: string }): Buffer {
  const id = md5(Buffer.from('quarry-encrypted-fixture'));
  const P = -44; // print/copy bits off, as a real "protected" file would have
  const O = rc4(md5(padPassword(opts.ownerPassword)).subarray(0, 5), padPassword(opts.userPassword));
  const pBytes = Buffer.alloc(4);
  pBytes.writeInt32LE(P);
  const fileKey = md5(padPassword(opts.userPassword), O, pBytes, id).subarray(0, 5);
  const U = rc4(fileKey, PAD);
  const objectKey = (num: number) => md5(fileKey, Buffer.from([num & 255, (num >> 8) & 255, (num >> 16) & 255, 0, 0])).subarray(0, 10);
  const encString = (num: number, s: string) => `<${rc4(objectKey(num), Buffer.from(s, 'latin1')).toString('hex')}>`;

  const content = Buffer.from(`BT /F1 24 Tf 72 700 Td (${opts.text}) Tj ET`, 'latin1');
  const encContent = rc4(objectKey(4), content);
  const objects: Array<string | Buffer> = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    Buffer.concat([Buffer.from(`<< /Length ${encContent.length} >>\nstream\n`), encContent, Buffer.from('\nendstream')]),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${O.toString('hex')}> /U <${U.toString('hex')}> /P ${P} >>`,
    `<< /Title ${encString(7, opts.title)} >>`,
  ];
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const buf = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'), Buffer.from('\nendobj\n')]);
    chunks.push(buf);
    offset += buf.length;
  });
  const xref =
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R /Encrypt 6 0 R /ID [<${id.toString('hex')}> <${id.toString('hex')}>] >>\n` +
    `startxref\n${offset}\n%%EOF\n`;
  chunks.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(chunks);
}

// --- Text encodings ---

export function utf16le(text: string, bom = true): Buffer {
  const body = Buffer.from(text, 'utf16le');
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body;
}

export function utf16be(text: string, bom = true): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return bom ? Buffer.concat([Buffer.from([0xfe, 0xff]), be]) : be;
}

export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

export function utf8Bom(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

// --- Minimal ZIP writer (stored entries), for container detection tests ---

function crc32(data: Uint8Array): number {
  let c = ~0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A valid ZIP with stored (uncompressed) entries, in the given order (text, or bytes such as another ZIP). */
export function makeZip(entries: Array<[name: string, content: string | Uint8Array]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    locals.push(local, nameBuf, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

// --- ZIP with options (deflate, encryption flag, bad CRC, symlinks, lying sizes) ---

export interface ZipSpec {
  name: string;
  data: string | Buffer;
  /** 0 stored, 8 deflate (default 8). */
  method?: 0 | 8;
  /** Sets the "encrypted" flag (the data is not really encrypted). */
  encrypted?: boolean;
  /** Overrides the CRC-32 written to the headers. */
  crc?: number;
  /** Unix mode in the external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
  /** Overrides the declared uncompressed size. */
  declaredSize?: number;
}

/** A ZIP with deflated (or stored) entries and the given quirks, for archive and OOXML tests. */
export function makeZipWith(specs: ZipSpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const spec of specs) {
    const nameBuf = Buffer.from(spec.name, 'utf8');
    const raw = Buffer.isBuffer(spec.data) ? spec.data : Buffer.from(spec.data, 'utf8');
    const method = spec.method ?? 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = spec.crc ?? crc32(raw);
    const size = spec.declaredSize ?? raw.length;
    const flags = 0x800 | (spec.encrypted ? 1 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    locals.push(local, nameBuf, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(spec.unixMode !== undefined ? 0x0314 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(((spec.unixMode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(specs.length, 8);
  eocd.writeUInt16LE(specs.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

function coreProps(title?: string, author?: string): string {
  return `${XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${title ? `<dc:title>${xmlEsc(title)}</dc:title>` : ''}${author ? `<dc:creator>${xmlEsc(author)}</dc:creator>` : ''}<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-02T03:04:05Z</dcterms:created></cp:coreProperties>`;
}

// --- DOCX ---

export interface DocxSpec {
  title?: string;
  author?: string;
  /** Paragraphs: plain, or with a style id such as "Heading1", or a bullet list item. */
  body: Array<{ text: string; style?: string; bullet?: boolean } | { table: string[][] }>;
}

export function makeDocx(spec: DocxSpec): Buffer {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  const para = (p: { text: string; style?: string; bullet?: boolean }) =>
    `<w:p>${p.style || p.bullet ? `<w:pPr>${p.style ? `<w:pStyle w:val="${p.style}"/>` : ''}${p.bullet ? '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' : ''}</w:pPr>` : ''}<w:r><w:t xml:space="preserve">${xmlEsc(p.text)}</w:t></w:r></w:p>`;
  const body = spec.body
    .map((b) =>
      'table' in b
        ? `<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr>${b.table.map((row) => `<w:tr>${row.map((c) => `<w:tc>${para({ text: c })}</w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`
        : para(b),
    )
    .join('');
  const styles = `${XML_DECL}<w:styles xmlns:w="${W}">${[1, 2, 3].map((n) => `<w:style w:type="paragraph" w:styleId="Heading${n}"><w:name w:val="heading ${n}"/></w:style>`).join('')}</w:styles>`;
  const numbering = `${XML_DECL}<w:numbering xmlns:w="${W}"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`;
  return makeZipWith([
    {
      name: '[Content_Types].xml',
      data: `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      data: `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`,
    },
    {
      name: 'word/_rels/document.xml.rels',
      data: `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>`,
    },
    { name: 'word/document.xml', data: `${XML_DECL}<w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>` },
    { name: 'word/styles.xml', data: styles },
    { name: 'word/numbering.xml', data: numbering },
    { name: 'docProps/core.xml', data: coreProps(spec.title, spec.author) },
  ]);
}

// --- XLSX ---

export type XlsxCell = string | number | boolean | null | { formula: string; value: string | number } | { date: number };
export interface XlsxSpec {
  sheets: Array<{ name: string; rows: XlsxCell[][]; merges?: string[]; hidden?: boolean }>;
  date1904?: boolean;
  /** Put text outside the root element of the first sheet (Excel tolerates it). */
  strayText?: boolean;
}

function colName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

export function makeXlsx(spec: XlsxSpec): Buffer {
  const strings: string[] = [];
  const si = (s: string) => {
    let i = strings.indexOf(s);
    if (i < 0) i = strings.push(s) - 1;
    return i;
  };
  const sheetXml = spec.sheets.map((sheet, sIdx) => {
    const rows = sheet.rows
      .map((row, r) => {
        const cells = row
          .map((v, c) => {
            const ref = `${colName(c)}${r + 1}`;
            if (v === null) return '';
            if (typeof v === 'string') return `<c r="${ref}" t="s"><v>${si(v)}</v></c>`;
            if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
            if (typeof v === 'boolean') return `<c r="${ref}" t="b"><v>${v ? 1 : 0}</v></c>`;
            if ('date' in v) return `<c r="${ref}" s="1"><v>${v.date}</v></c>`;
            return typeof v.value === 'string'
              ? `<c r="${ref}" t="str"><f>${xmlEsc(v.formula)}</f><v>${xmlEsc(v.value)}</v></c>`
              : `<c r="${ref}"><f>${xmlEsc(v.formula)}</f><v>${v.value}</v></c>`;
          })
          .join('');
        return `<row r="${r + 1}">${cells}</row>`;
      })
      .join('');
    const merges = sheet.merges?.length
      ? `<mergeCells count="${sheet.merges.length}">${sheet.merges.map((m) => `<mergeCell ref="${m}"/>`).join('')}</mergeCells>`
      : '';
    return `${XML_DECL}${spec.strayText && sIdx === 0 ? 'stray\n' : ''}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData>${merges}</worksheet>`;
  });
  const workbook = `${XML_DECL}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr${spec.date1904 ? ' date1904="1"' : ''}/><sheets>${spec.sheets.map((s, i) => `<sheet name="${xmlEsc(s.name)}" sheetId="${i + 1}"${s.hidden ? ' state="hidden"' : ''} r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`;
  const rels = `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${spec.sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`;
  const styles = `${XML_DECL}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`;
  const shared = `${XML_DECL}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${strings.length}">${strings.map((s) => `<si><t xml:space="preserve">${xmlEsc(s)}</t></si>`).join('')}</sst>`;
  return makeZipWith([
    { name: '[Content_Types].xml', data: `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>` },
    { name: 'xl/workbook.xml', data: workbook },
    { name: 'xl/_rels/workbook.xml.rels', data: rels },
    { name: 'xl/styles.xml', data: styles },
    { name: 'xl/sharedStrings.xml', data: shared },
    ...sheetXml.map((data, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data })),
    { name: 'docProps/core.xml', data: coreProps('Workbook title', 'Sheet Author') },
  ]);
}

// --- PPTX ---

export interface PptxSpec {
  /** `shapes`: raw p:sp / p:graphicFrame XML added to the slide (a: and p: prefixes bound). */
  slides: Array<{ title?: string; bullets?: string[]; table?: string[][]; notes?: string; shapes?: string }>;
}

export function makePptx(spec: PptxSpec): Buffer {
  const A = 'http://schemas.openxmlformats.org/drawingml/2006/main';
  const P = 'http://schemas.openxmlformats.org/presentationml/2006/main';
  const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const txBody = (paras: string[]) => `<p:txBody><a:bodyPr/>${paras.map((t) => `<a:p><a:r><a:t>${xmlEsc(t)}</a:t></a:r></a:p>`).join('')}</p:txBody>`;
  const sp = (type: string | null, paras: string[]) =>
    `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${type ? `<p:ph type="${type}"/>` : ''}</p:nvPr></p:nvSpPr><p:spPr/>${txBody(paras)}</p:sp>`;
  const files: ZipSpec[] = [
    { name: '[Content_Types].xml', data: `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>` },
    {
      name: 'ppt/presentation.xml',
      data: `${XML_DECL}<p:presentation xmlns:p="${P}" xmlns:r="${R}"><p:sldIdLst>${spec.slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`).join('')}</p:sldIdLst></p:presentation>`,
    },
    {
      name: 'ppt/_rels/presentation.xml.rels',
      // Listed in reverse to prove that order comes from sldIdLst, not from the file names.
      data: `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${spec.slides.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide${spec.slides.length - i}.xml"/>`).join('')}</Relationships>`,
    },
    { name: 'docProps/core.xml', data: coreProps('Deck', 'Presenter') },
  ];
  spec.slides.forEach((s, i) => {
    const file = spec.slides.length - i;
    const shapes = [
      s.title ? sp('title', [s.title]) : '',
      s.bullets ? sp('body', s.bullets) : '',
      s.table
        ? `<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="4" name="t"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr><p:xfrm/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl>${s.table.map((row) => `<a:tr h="1">${row.map((c) => `<a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>${xmlEsc(c)}</a:t></a:r></a:p></a:txBody></a:tc>`).join('')}</a:tr>`).join('')}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`
        : '',
      s.shapes ?? '',
      sp('sldNum', ['‹#›']),
    ].join('');
    files.push({
      name: `ppt/slides/slide${file}.xml`,
      data: `${XML_DECL}<p:sld xmlns:a="${A}" xmlns:p="${P}" xmlns:r="${R}"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>${shapes}</p:spTree></p:cSld></p:sld>`,
    });
    if (s.notes) {
      files.push({
        name: `ppt/slides/_rels/slide${file}.xml.rels`,
        data: `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide${file}.xml"/></Relationships>`,
      });
      files.push({
        name: `ppt/notesSlides/notesSlide${file}.xml`,
        data: `${XML_DECL}<p:notes xmlns:a="${A}" xmlns:p="${P}"><p:cSld><p:spTree>${sp('sldImg', [])}${sp('body', [s.notes])}</p:spTree></p:cSld></p:notes>`,
      });
    }
  });
  return makeZipWith(files);
}

// --- ODS ---

export function makeOds(sheets: Array<{ name: string; rows: Array<Array<string | { lines: string[] } | { date: string } | { float: number }>> }>): Buffer {
  const cell = (v: string | { lines: string[] } | { date: string } | { float: number }) => {
    if (typeof v === 'string')
      return v ? `<table:table-cell office:value-type="string"><text:p>${xmlEsc(v)}</text:p></table:table-cell>` : '<table:table-cell/>';
    if ('lines' in v) return `<table:table-cell office:value-type="string">${v.lines.map((l) => `<text:p>${xmlEsc(l)}</text:p>`).join('')}</table:table-cell>`;
    if ('date' in v) return `<table:table-cell office:value-type="date" office:date-value="${v.date}"><text:p>someday</text:p></table:table-cell>`;
    return `<table:table-cell office:value-type="float" office:value="${v.float}"><text:p>${v.float}</text:p></table:table-cell>`;
  };
  const body = sheets
    .map(
      (s) =>
        `<table:table table:name="${xmlEsc(s.name)}">${s.rows.map((r) => `<table:table-row>${r.map(cell).join('')}<table:table-cell table:number-columns-repeated="1000"/></table:table-row>`).join('')}<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>`,
    )
    .join('');
  const content = `${XML_DECL}<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>${body}</office:spreadsheet></office:body></office:document-content>`;
  return makeZipWith([
    { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet', method: 0 },
    { name: 'content.xml', data: content },
  ]);
}

// --- E-mail ---

export function makeEml(opts: {
  subject: string;
  from: string;
  to: string;
  text: string;
  html?: string;
  attachments?: Array<{ name: string; type: string; data: Buffer }>;
}): string {
  const b = 'quarry-boundary-1';
  const alt = 'quarry-boundary-2';
  const parts = [
    `--${b}\r\nContent-Type: multipart/alternative; boundary="${alt}"\r\n\r\n--${alt}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${opts.text}\r\n` +
      (opts.html ? `--${alt}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${opts.html}\r\n` : '') +
      `--${alt}--\r\n`,
    ...(opts.attachments ?? []).map(
      (a) =>
        `--${b}\r\nContent-Type: ${a.type}; name="${a.name}"\r\nContent-Disposition: attachment; filename="${a.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${a.data.toString('base64').replace(/(.{76})/g, '$1\r\n')}\r\n`,
    ),
  ];
  return [
    `From: ${opts.from}`,
    `To: ${opts.to}`,
    `Subject: ${opts.subject}`,
    'Date: Tue, 02 Jan 2024 10:00:00 +0100',
    'Message-ID: <fixture@quarry.test>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${b}"`,
    '',
    parts.join('') + `--${b}--\r\n`,
  ].join('\r\n');
}

// --- PNG (grayscale), optionally with an eXIf chunk ---

export function makePng(width: number, height: number, pixel: (x: number, y: number) => number, exif?: Buffer, xmp?: string): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = pixel(x, y);
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(exif ? [chunk('eXIf', exif)] : []),
    // XMP as PNG carries it: an uncompressed iTXt chunk with the keyword XML:com.adobe.xmp.
    ...(xmp ? [chunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), Buffer.from(xmp, 'utf8')]))] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A little-endian TIFF/EXIF block with Make, Model and DateTime in IFD0, and a GPS IFD when a position is given (north and east). */
export function makeExif(tags: { make: string; model: string; dateTime: string }, gps?: { latitude: number; longitude: number }): Buffer {
  const ascii: Array<[number, string]> = [
    [0x010f, tags.make],
    [0x0110, tags.model],
    [0x0132, tags.dateTime],
  ];
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  const ifd0 = Buffer.alloc(ifdSize(ascii.length + (gps ? 1 : 0)));
  ifd0.writeUInt16LE(ascii.length + (gps ? 1 : 0), 0);
  const entry = (ifd: Buffer, i: number, tag: number, type: number, count: number, value: number) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(count, at + 4);
    ifd.writeUInt32LE(value, at + 8);
  };
  let offset = 8 + ifd0.length;
  const data: Buffer[] = [];
  ascii.forEach(([tag, value], i) => {
    const v = Buffer.from(`${value}\0`, 'latin1');
    entry(ifd0, i, tag, 2, v.length, offset);
    data.push(v);
    offset += v.length;
  });
  if (gps) {
    // GPSInfo points at the GPS IFD; each coordinate is three rationals (degrees as one rational, 0 minutes, 0 seconds).
    entry(ifd0, ascii.length, 0x8825, 4, 1, offset);
    const ifd = Buffer.alloc(ifdSize(4));
    ifd.writeUInt16LE(4, 0);
    const rationals = (deg: number) => {
      const b = Buffer.alloc(24);
      b.writeUInt32LE(Math.round(deg * 10_000), 0);
      b.writeUInt32LE(10_000, 4);
      b.writeUInt32LE(0, 8);
      b.writeUInt32LE(1, 12);
      b.writeUInt32LE(0, 16);
      b.writeUInt32LE(1, 20);
      return b;
    };
    const values = offset + ifd.length;
    entry(ifd, 0, 0x0001, 2, 2, Buffer.from('N\0\0\0', 'latin1').readUInt32LE(0));
    entry(ifd, 1, 0x0002, 5, 3, values);
    entry(ifd, 2, 0x0003, 2, 2, Buffer.from('E\0\0\0', 'latin1').readUInt32LE(0));
    entry(ifd, 3, 0x0004, 5, 3, values + 24);
    data.push(ifd, rationals(gps.latitude), rationals(gps.longitude));
  }
  return Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), ifd0, ...data]);
}

// --- CAD text formats ---

/** A DXF with a header, two layers, a block, and the given ENTITIES records (type + extra group codes). */
export function makeDxf(
  entities: Array<[type: string, codes?: Array<[number, string]>]>,
  opts: { version?: string; units?: number; eof?: boolean } = {},
): string {
  const pairs: Array<[number, string]> = [
    [0, 'SECTION'],
    [2, 'HEADER'],
    [9, '$ACADVER'],
    [1, opts.version ?? 'AC1027'],
    [9, '$INSUNITS'],
    [70, String(opts.units ?? 4)],
    [0, 'ENDSEC'],
    [0, 'SECTION'],
    [2, 'TABLES'],
    [0, 'TABLE'],
    [2, 'LAYER'],
    [70, '2'],
    [0, 'LAYER'],
    [2, '0'],
    [70, '0'],
    [62, '7'],
    [0, 'LAYER'],
    [2, 'Walls'],
    [70, '0'],
    [62, '-1'],
    [0, 'ENDTAB'],
    [0, 'ENDSEC'],
    [0, 'SECTION'],
    [2, 'BLOCKS'],
    [0, 'BLOCK'],
    [8, '0'],
    [2, 'Door'],
    [0, 'LINE'],
    [8, '0'],
    [0, 'ENDBLK'],
    [0, 'BLOCK'],
    [2, '*Model_Space'],
    [0, 'ENDBLK'],
    [0, 'ENDSEC'],
    [0, 'SECTION'],
    [2, 'ENTITIES'],
  ];
  for (const [type, codes = []] of entities) pairs.push([0, type], [8, 'Walls'], ...codes);
  pairs.push([0, 'ENDSEC']);
  if (opts.eof !== false) pairs.push([0, 'EOF']);
  return pairs.map(([c, v]) => `${String(c).padStart(3)}\n${v}`).join('\n') + '\n';
}

export function makeIfc(opts: { truncated?: boolean } = {}): string {
  const lines = [
    'ISO-10303-21;',
    'HEADER;',
    "FILE_DESCRIPTION(('ViewDefinition [CoordinationView]'),'2;1');",
    "FILE_NAME('house.ifc','2024-01-02T03:04:05',('Architect'),('Quarry'),'test','Quarry fixture writer','');",
    "FILE_SCHEMA(('IFC4'));",
    'ENDSEC;',
    'DATA;',
    "#1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'Haus \\X2\\00FC\\X0\\ber',$,$,'Long project',$,$,$);",
    "#2=IFCSITE('1YvctVUKr0kugbFTf53O9L',$,'Site',$,$,$,$,$,.ELEMENT.,$,$,$,$,$);",
    "#3=IFCBUILDING('2YvctVUKr0kugbFTf53O9L',$,'Building',$,$,$,$,$,.ELEMENT.,$,$,$);",
    "#4=IFCBUILDINGSTOREY('3YvctVUKr0kugbFTf53O9L',$,'Ground floor',$,$,$,$,$,.ELEMENT.,0.);",
    "#5=IFCSPACE('4YvctVUKr0kugbFTf53O9L',$,'101',$,$,$,$,'Kitchen; with a semicolon',.ELEMENT.,$,$);",
    "#10=IFCRELAGGREGATES('5YvctVUKr0kugbFTf53O9L',$,$,$,#1,(#2));",
    "#11=IFCRELAGGREGATES('6YvctVUKr0kugbFTf53O9L',$,$,$,#2,(#3));",
    "#12=IFCRELAGGREGATES('7YvctVUKr0kugbFTf53O9L',$,$,$,#3,(#4));",
    "#13=IFCRELAGGREGATES('8YvctVUKr0kugbFTf53O9L',$,$,$,#4,(#5));",
    "#20=IFCWALL('9YvctVUKr0kugbFTf53O9L',$,'Wall ''North''',$,$,$,$,$,$);",
    "#21=IFCWALL('AYvctVUKr0kugbFTf53O9L',$,'Wall South',$,$,$,$,$,$);",
    "#22=IFCDOOR('BYvctVUKr0kugbFTf53O9L',$,'Front door',$,$,$,$,$,2.1,0.9,$,$,$);",
    "#30=IFCRELCONTAINEDINSPATIALSTRUCTURE('CYvctVUKr0kugbFTf53O9L',$,$,$,(#20,#21,#22),#4);",
    "#40=IFCPROPERTYSINGLEVALUE('IsExternal',$,IFCBOOLEAN(.T.),$);",
    "#41=IFCPROPERTYSINGLEVALUE('FireRating',$,IFCLABEL('F90'),$);",
    "#42=IFCPROPERTYSET('DYvctVUKr0kugbFTf53O9L',$,'Pset_WallCommon',$,(#40,#41));",
    "#43=IFCRELDEFINESBYPROPERTIES('EYvctVUKr0kugbFTf53O9L',$,$,$,(#20),#42);",
    '/* a comment; with a semicolon */',
    '#50=IFCCARTESIANPOINT((0.,0.,0.));',
    '#51=IFCCARTESIANPOINT((1.,0.,\n0.));',
  ];
  if (opts.truncated) return lines.join('\n') + '\n#52=IFCCARTESIANPOINT((2.,';
  return [...lines, 'ENDSEC;', 'END-ISO-10303-21;'].join('\n') + '\n';
}

export function makeStep(): string {
  return [
    'ISO-10303-21;',
    'HEADER;',
    "FILE_DESCRIPTION(('A bracket'),'2;1');",
    "FILE_NAME('bracket.stp','2024-01-02T03:04:05',('Engineer'),('Quarry'),'writer 1.0','Fixture CAD 3','');",
    "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));",
    'ENDSEC;',
    'DATA;',
    "#1=PRODUCT('asm','Assembly','',(#100));",
    "#2=PRODUCT('bolt','Bolt','',(#100));",
    "#11=PRODUCT_DEFINITION_FORMATION('','',#1);",
    "#12=PRODUCT_DEFINITION_FORMATION('','',#2);",
    "#21=PRODUCT_DEFINITION('design','',#11,#200);",
    "#22=PRODUCT_DEFINITION('design','',#12,#200);",
    "#31=NEXT_ASSEMBLY_USAGE_OCCURRENCE('1','bolt:1','',#21,#22,$);",
    "#32=NEXT_ASSEMBLY_USAGE_OCCURRENCE('2','bolt:2','',#21,#22,$);",
    "#40=MANIFOLD_SOLID_BREP('',#41);",
    "#41=CLOSED_SHELL('',(#42,#43));",
    "#42=ADVANCED_FACE('',(),#50,.T.);",
    "#43=ADVANCED_FACE('',(),#50,.T.);",
    '#60=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.));',
    'ENDSEC;',
    'END-ISO-10303-21;',
  ].join('\n');
}
