/** Password-protected OOXML: an OLE2 file with an EncryptedPackage fails as `encrypted`, never as an empty message. */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, makeDocx } from '../../helpers/fixtures';
import { compoundFile } from './cfb-fixture';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-encrypted-');
afterAll(() => fx.cleanup());

describe('encrypted Office documents', () => {
  it('fail as encrypted, naming the kind of document', async () => {
    const file = fx.write('report.xlsx', compoundFile([{ name: 'EncryptionInfo', data: Buffer.from([4, 0, 4, 0]) }, { name: 'EncryptedPackage' }]));
    const err = await extractErr(file);
    expect(err.code).toBe('encrypted');
    expect(err.message).toMatch(/password-protected Excel workbook .* with --password/);
    expect(err.details?.password).toBe('required'); // the window offers "Retry with password"
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

/** Agile encryption (MS-OFFCRYPTO 2.3.4.10), written the way Office writes it, with a small spin count. */
function encryptAgile(pkg: Buffer, password: string, opts: { spinCount?: number } = {}): { info: Buffer; encrypted: Buffer } {
  const H = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha512')).digest();
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const aes = (key: Buffer, iv: Buffer, data: Buffer) => {
    const c = createCipheriv('aes-256-cbc', key, iv.subarray(0, 16));
    c.setAutoPadding(false);
    const padded = Buffer.concat([data, Buffer.alloc((16 - (data.length % 16)) % 16)]);
    return Buffer.concat([c.update(padded), c.final()]);
  };
  const spin = opts.spinCount ?? 1000;
  const keySalt = randomBytes(16);
  const pwSalt = randomBytes(16);
  const secret = randomBytes(32);
  let h = H(pwSalt, Buffer.from(password, 'utf16le'));
  for (let i = 0; i < spin; i++) h = H(u32(i), h);
  const keyFor = (block: string) => H(h, Buffer.from(block, 'hex')).subarray(0, 32);
  const verifier = randomBytes(16);
  const b64 = (b: Buffer) => b.toString('base64');
  const xml =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">` +
    `<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="${b64(keySalt)}"/>` +
    `<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password"><p:encryptedKey spinCount="${spin}" saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="${b64(pwSalt)}" ` +
    `encryptedVerifierHashInput="${b64(aes(keyFor('fea7d2763b4b9e79'), pwSalt, verifier))}" encryptedVerifierHashValue="${b64(aes(keyFor('d7aa0f6d3061344e'), pwSalt, H(verifier)))}" encryptedKeyValue="${b64(aes(keyFor('146e0be7abacd0d6'), pwSalt, secret))}"/></keyEncryptor></keyEncryptors></encryption>`;
  const head = Buffer.alloc(8);
  head.writeUInt16LE(4, 0);
  head.writeUInt16LE(4, 2);
  head.writeUInt32LE(0x40, 4);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(pkg.length));
  const segments: Buffer[] = [];
  for (let i = 0, at = 0; at < pkg.length; i++, at += 4096) segments.push(aes(secret, H(keySalt, u32(i)), pkg.subarray(at, at + 4096)));
  return { info: Buffer.concat([head, Buffer.from(xml)]), encrypted: Buffer.concat([size, ...segments]) };
}

describe('decrypting with the password option (Agile encryption)', () => {
  const docx = makeDocx({ body: [{ text: 'Secret minutes' }, { text: randomBytes(3000).toString('hex') }] });
  const protectedFile = (password: string, opts: { spinCount?: number } = {}) => {
    const { info, encrypted } = encryptAgile(docx, password, opts);
    return compoundFile([
      { name: 'EncryptionInfo', data: info },
      { name: 'EncryptedPackage', data: encrypted },
    ]);
  };

  it('the right password: the document is read as what it is', async () => {
    const r = await extractOk(fx.write('minutes.docx', protectedFile('pässword')), { password: 'pässword' });
    expect([r.format, r.metadata.decryptedFormat, r.text.startsWith('Secret minutes')]).toEqual(['encrypted-ooxml', 'docx', true]);
  });

  it('a wrong password fails as encrypted, saying so', async () => {
    const err = await extractErr(fx.write('minutes2.docx', protectedFile('right')), { password: 'wrong' });
    expect([err.code, err.message]).toEqual(['encrypted', expect.stringMatching(/password is wrong/)]);
    expect(err.details?.password).toBe('incorrect');
  });

  it('hostile: a truncated package is corrupt_file; an absurd spin count is refused before hashing', async () => {
    const { info, encrypted } = encryptAgile(docx, 'pw');
    const cut = compoundFile([
      { name: 'EncryptionInfo', data: info },
      { name: 'EncryptedPackage', data: encrypted.subarray(0, encrypted.length - 1000) },
    ]);
    expect((await extractErr(fx.write('cut2.docx', cut), { password: 'pw' })).code).toBe('corrupt_file');
    const absurd = Buffer.from(info.toString('latin1').replace(/spinCount="\d+"/, 'spinCount="4000000000"'), 'latin1');
    const slow = compoundFile([
      { name: 'EncryptionInfo', data: absurd },
      { name: 'EncryptedPackage', data: encrypted },
    ]);
    expect(await extractErr(fx.write('slow.docx', slow), { password: 'pw' })).toMatchObject({
      code: 'encrypted',
      message: expect.stringMatching(/spin count/),
    });
  });
});
