/** Password-protected OOXML: an OLE2 file with an EncryptedPackage fails as `encrypted`, never as an empty message. */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../../helpers/fixtures';
import { compoundFile } from './cfb-fixture';
import { extractErr } from './helpers';

const fx = fixtureDir('quarry-encrypted-');
afterAll(() => fx.cleanup());

describe('encrypted Office documents', () => {
  it('fail as encrypted, naming the kind of document', async () => {
    const file = fx.write('report.xlsx', compoundFile([{ name: 'EncryptionInfo', data: Buffer.from([4, 0, 4, 0]) }, { name: 'EncryptedPackage' }]));
    const err = await extractErr(file);
    expect(err.code).toBe('encrypted');
    expect(err.message).toMatch(/password-protected Excel workbook/);
  });

  it('a truncated one (directory intact) still fails as encrypted', async () => {
    const whole = compoundFile([{ name: 'EncryptionInfo' }, { name: 'EncryptedPackage' }]);
    const err = await extractErr(fx.write('cut.docx', whole.subarray(0, 1600)));
    expect([err.code, err.message]).toEqual(['encrypted', expect.stringMatching(/password-protected Word document/)]);
  });

  it('an OLE2 file without message streams is not read as an empty Outlook message', async () => {
    const err = await extractErr(fx.write('odd.msg', compoundFile([{ name: 'Contents' }])));
    expect(err.code).toBe('unsupported_format');
  });
});
