/**
 * Password-protected Office documents (.docx, .xlsx, .pptx): Office wraps the
 * encrypted package in an OLE2 compound file with an `EncryptionInfo` and an
 * `EncryptedPackage` stream, so the file is no ZIP at all. Detection names it
 * (workers/detect.ts); here it fails as `encrypted` with a sentence a person
 * can act on, and the encryption version from `EncryptionInfo` in the details.
 */
import { ExtractionError } from '../../../shared/extraction';
import type { Extractor } from '../types';

const KIND: Record<string, string> = { docx: 'Word document', xlsx: 'Excel workbook', pptx: 'PowerPoint presentation' };

export const encryptedOoxmlExtractor: Extractor = {
  name: 'encrypted-ooxml',
  version: '1.0.0',
  formats: ['encrypted-ooxml'],
  async extract(input) {
    const ext = /\.(docx|xlsx|pptx)$/i.exec(input.path)?.[1]?.toLowerCase();
    const what = ext ? KIND[ext] : 'Office document';
    throw new ExtractionError(
      'encrypted',
      `This is a password-protected ${what} (its content is encrypted); remove the password in Office and add the file again`,
      { container: 'OLE2 with EncryptedPackage' },
    );
  },
};
