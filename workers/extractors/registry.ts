/**
 * Which extractor handles which format. Adding a format = one module under
 * extractors/ plus one line in EXTRACTORS below.
 */
import type { Format } from '../../shared/extraction';
import { csvExtractor } from './csv';
import { htmlExtractor } from './html/html';
import { jsonExtractor } from './json';
import { markdownExtractor } from './markdown';
import { pdfExtractor } from './pdf/pdf';
import { textExtractor } from './text';
import type { Extractor } from './types';
import { xmlExtractor } from './xml';
import { docxExtractor } from './office/docx';
import { pptxExtractor } from './office/pptx';
import { xlsxExtractor } from './office/xlsx';
import { odsExtractor } from './office/ods';
import { zipExtractor } from './zip';
import { emlExtractor } from './email/eml';
import { msgExtractor } from './email/msg';
import { imageExtractor } from './image/image';
import { dxfExtractor } from './cad/dxf';
import { ifcExtractor } from './cad/ifc';
import { stepExtractor } from './cad/step';

const EXTRACTORS: readonly Extractor[] = [
  textExtractor,
  markdownExtractor,
  jsonExtractor,
  xmlExtractor,
  csvExtractor, // csv + tsv
  htmlExtractor,
  pdfExtractor,
  docxExtractor,
  pptxExtractor,
  xlsxExtractor,
  odsExtractor,
  zipExtractor,
  emlExtractor,
  msgExtractor,
  imageExtractor,
  dxfExtractor,
  ifcExtractor,
  stepExtractor, // STEP, IGES, OpenCASCADE BREP
];

const BY_FORMAT = new Map<Format, Extractor>();
for (const e of EXTRACTORS) for (const f of e.formats) BY_FORMAT.set(f, e);

export function extractorFor(format: Format): Extractor | undefined {
  return BY_FORMAT.get(format);
}

export interface ExtractorInfo {
  name: string;
  version: string;
  formats: Format[];
}

/** Name, version and formats of every extractor (what main stores to decide re-runs). */
export function listExtractors(): ExtractorInfo[] {
  return EXTRACTORS.map((e) => ({ name: e.name, version: e.version, formats: [...e.formats] }));
}
