/**
 * Password-protected Office documents (.docx, .xlsx, .pptx): Office wraps the
 * encrypted package in an OLE2 compound file with an `EncryptionInfo` and an
 * `EncryptedPackage` stream, so the file is no ZIP at all. Detection names it
 * (workers/detect.ts). Without a password it fails as `encrypted` with a
 * sentence a person can act on; with the `password` option an Agile-encrypted
 * package (agile.ts) is decrypted in memory and read by the extractor of what
 * it turns out to be.
 */
import { Readable } from 'node:stream';
import { ExtractionError, GIVE_PASSWORD } from '../../../shared/extraction';
import { detectBuffer } from '../../detect';
import { compoundFileStream } from '../email/cfb-check';
import { extractorFor } from '../registry';
import type { ExtractInput, Extractor } from '../types';
import { decryptAgile } from './agile';

const KIND: Record<string, string> = { docx: 'Word document', xlsx: 'Excel workbook', pptx: 'PowerPoint presentation' };

function streams(bytes: Buffer): { info: Buffer; pkg: Buffer } {
  try {
    const info = compoundFileStream(bytes, 'EncryptionInfo');
    const pkg = compoundFileStream(bytes, 'EncryptedPackage');
    if (!info || !pkg) throw new ExtractionError('corrupt_file', 'The password-protected Office document lacks its EncryptionInfo or EncryptedPackage stream');
    return { info, pkg };
  } catch (err) {
    const structure = err instanceof ExtractionError ? err.details.structure : undefined;
    if (typeof structure !== 'string') throw err;
    throw new ExtractionError('corrupt_file', `The password-protected Office document is damaged (${structure})`, { structure });
  }
}

async function decrypted(input: ExtractInput, password: string) {
  const { info, pkg } = streams(await input.read());
  const bytes = decryptAgile(info, pkg, password);
  const detection = await detectBuffer(bytes, input.path);
  const extractor = ['docx', 'xlsx', 'pptx'].includes(detection.format) ? await extractorFor(detection.format) : undefined;
  if (!extractor) throw new ExtractionError('corrupt_file', `The decrypted package is not an Office document (it reads as ${detection.format})`);
  const inner: ExtractInput = { ...input, size: bytes.length, detection, read: async () => bytes, stream: () => Readable.from([bytes]) };
  return { extractor, inner, format: detection.format };
}

export const encryptedOoxmlExtractor: Extractor = {
  name: 'encrypted-ooxml',
  version: '1.1.0',
  formats: ['encrypted-ooxml'],
  async extract(input, ctx) {
    const password = input.options.password;
    if (password === undefined) {
      const ext = /\.(docx|xlsx|pptx)$/i.exec(input.path)?.[1]?.toLowerCase();
      const what = ext ? KIND[ext] : 'Office document';
      throw new ExtractionError(
        'encrypted',
        `This is a password-protected ${what} (its content is encrypted): ${GIVE_PASSWORD}; or remove the password in Office and add the file again`,
        { container: 'OLE2 with EncryptedPackage', password: 'required' },
      );
    }
    const { extractor, inner, format } = await decrypted(input, password);
    const parts = await extractor.extract(inner, ctx);
    return { ...parts, metadata: { ...parts.metadata, decrypted: true, decryptedFormat: format } };
  },
};
