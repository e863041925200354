/**
 * Which extractor handles which format. Adding a format = one module under
 * extractors/ plus one line in EXTRACTORS below.
 *
 * Extractors are loaded on first use: the libraries behind Word, HTML, e-mail
 * and the rest cost a worker about 35 MB once loaded, and a worker that only
 * ever sees text or CSV files should not pay for them (every pool thread is
 * its own copy). The formats are listed here so a format can be routed
 * without loading its module; a test checks they match each module's own.
 */
import type { Format } from '../../shared/extraction';
import type { Extractor } from './types';

interface Entry {
  formats: readonly Format[];
  load: () => Promise<Extractor>;
}

const EXTRACTORS: readonly Entry[] = [
  { formats: ['text'], load: () => import('./text').then((m) => m.textExtractor) },
  { formats: ['markdown'], load: () => import('./markdown').then((m) => m.markdownExtractor) },
  { formats: ['json'], load: () => import('./json').then((m) => m.jsonExtractor) },
  { formats: ['xml'], load: () => import('./xml').then((m) => m.xmlExtractor) },
  { formats: ['csv', 'tsv'], load: () => import('./csv').then((m) => m.csvExtractor) },
  { formats: ['html'], load: () => import('./html/html').then((m) => m.htmlExtractor) },
  { formats: ['pdf'], load: () => import('./pdf/pdf').then((m) => m.pdfExtractor) },
  { formats: ['docx'], load: () => import('./office/docx').then((m) => m.docxExtractor) },
  { formats: ['pptx'], load: () => import('./office/pptx').then((m) => m.pptxExtractor) },
  { formats: ['xlsx'], load: () => import('./office/xlsx').then((m) => m.xlsxExtractor) },
  { formats: ['ods'], load: () => import('./office/ods').then((m) => m.odsExtractor) },
  { formats: ['odt'], load: () => import('./office/odf-text').then((m) => m.odtExtractor) },
  { formats: ['odp'], load: () => import('./office/odf-text').then((m) => m.odpExtractor) },
  { formats: ['doc'], load: () => import('./legacy/doc').then((m) => m.docExtractor) },
  { formats: ['ppt'], load: () => import('./legacy/ppt').then((m) => m.pptExtractor) },
  { formats: ['xls'], load: () => import('./legacy/xls').then((m) => m.xlsExtractor) },
  { formats: ['rtf'], load: () => import('./rtf').then((m) => m.rtfExtractor) },
  { formats: ['epub'], load: () => import('./epub').then((m) => m.epubExtractor) },
  { formats: ['zip'], load: () => import('./zip').then((m) => m.zipExtractor) },
  { formats: ['7z'], load: () => import('./sevenzip').then((m) => m.sevenZipExtractor) },
  { formats: ['tar'], load: () => import('./tar').then((m) => m.tarExtractor) },
  { formats: ['gzip', 'bzip2', 'xz'], load: () => import('./compressed').then((m) => m.compressedExtractor) },
  { formats: ['eml'], load: () => import('./email/eml').then((m) => m.emlExtractor) },
  { formats: ['msg'], load: () => import('./email/msg').then((m) => m.msgExtractor) },
  { formats: ['mbox'], load: () => import('./email/mbox').then((m) => m.mboxExtractor) },
  { formats: ['ics'], load: () => import('./calendar/ics').then((m) => m.icsExtractor) },
  { formats: ['vcf'], load: () => import('./calendar/vcf').then((m) => m.vcfExtractor) },
  { formats: ['encrypted-ooxml'], load: () => import('./office/encrypted').then((m) => m.encryptedOoxmlExtractor) },
  { formats: ['image'], load: () => import('./image/image').then((m) => m.imageExtractor) },
  { formats: ['dxf'], load: () => import('./cad/dxf').then((m) => m.dxfExtractor) },
  { formats: ['ifc'], load: () => import('./cad/ifc').then((m) => m.ifcExtractor) },
  // STEP, IGES, OpenCASCADE BREP
  { formats: ['step'], load: () => import('./cad/step').then((m) => m.stepExtractor) },
];

const BY_FORMAT = new Map<Format, Entry>();
for (const e of EXTRACTORS) for (const f of e.formats) BY_FORMAT.set(f, e);

export async function extractorFor(format: Format): Promise<Extractor | undefined> {
  return BY_FORMAT.get(format)?.load();
}

export interface ExtractorInfo {
  name: string;
  version: string;
  formats: Format[];
}

/** Name, version and formats of every extractor (what main stores to decide re-runs): loads them all. */
export async function listExtractors(): Promise<ExtractorInfo[]> {
  const all = await Promise.all(EXTRACTORS.map((e) => e.load()));
  return all.map((e) => ({ name: e.name, version: e.version, formats: [...e.formats] }));
}

/** The formats this registry routes, per entry (for the test that they match the modules'). */
export function routedFormats(): Array<readonly Format[]> {
  return EXTRACTORS.map((e) => e.formats);
}
