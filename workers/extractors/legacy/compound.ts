/**
 * What the legacy Office extractors share: the compound file checked before
 * any parser walks it (email/cfb-check.ts: a looping sector chain or a
 * stream past the end of the file fails here, typed, instead of growing an
 * array in the parser until V8 aborts), its streams, and its properties.
 */
import { ExtractionError } from '../../../shared/extraction';
import { openCompoundFile, type CompoundFile } from '../email/cfb-check';

export type { CompoundFile };

/** Opens the compound file of a legacy .doc/.xls/.ppt; damage fails as corrupt_file, worded for that kind of file. */
export function openCompound(bytes: Buffer, what: string): CompoundFile {
  try {
    return openCompoundFile(bytes);
  } catch (err) {
    if (err instanceof ExtractionError)
      throw new ExtractionError('corrupt_file', `Not a readable ${what}: its compound file structure is damaged`, { ...err.details, library: err.message });
    throw err;
  }
}

/** The stream a format cannot do without; its absence is corrupt_file. */
export function required(file: CompoundFile, name: string, what: string): Buffer {
  const s = file.stream(name);
  if (!s || !s.length) throw new ExtractionError('corrupt_file', `Not a readable ${what}: it has no "${name}" stream`);
  return s;
}

/** Text from a binary Office file with its control characters made plain: \r paragraph marks, \x07 cell ends, \x0b line breaks. */
export function plainText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\x0b\x0c]/g, '\n')
    .replace(/\x07/g, '\t')
    .replace(/[\x00-\x08\x0e-\x1f]/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
