/**
 * Decrypting a password-protected OOXML package that uses Agile encryption
 * (MS-OFFCRYPTO 2.3.4.10-15, what Office 2010 and later write): the
 * `EncryptionInfo` stream is an XML description (salts, hash, cipher, spin
 * count, the encrypted key and a verifier), the `EncryptedPackage` stream the
 * package's size then its bytes in 4096-byte segments, each AES-CBC with its
 * own IV. node:crypto does all of it offline.
 *
 * A wrong password is told apart by the verifier; the older Standard
 * encryption (version 3.2 / 4.2, AES-ECB) is not read here.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { ExtractionError, GIVE_PASSWORD } from '../../../shared/extraction';

const BLOCK_VERIFIER_INPUT = Buffer.from('fea7d2763b4b9e79', 'hex');
const BLOCK_VERIFIER_VALUE = Buffer.from('d7aa0f6d3061344e', 'hex');
const BLOCK_KEY = Buffer.from('146e0be7abacd0d6', 'hex');
const SEGMENT = 4096;
/** Office uses 100,000; a hostile file must not make one password check run for hours. */
const MAX_SPIN = 10_000_000;

interface KeyParams {
  salt: Buffer;
  hash: string;
  keyBytes: number;
  blockSize: number;
  cipher: string;
}

const HASHES: Record<string, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512', MD5: 'md5' };

function attrs(xml: string, element: string): Record<string, string> {
  const m = new RegExp(`<(?:\\w+:)?${element}\\b([^>]*)>`).exec(xml);
  if (!m) throw new ExtractionError('encrypted', `The document's encryption description has no ${element}`, { reason: 'unreadable EncryptionInfo' });
  return Object.fromEntries([...m[1]!.matchAll(/([\w:]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
}

function params(a: Record<string, string>): KeyParams {
  const hash = HASHES[(a.hashAlgorithm ?? '').toUpperCase()];
  const keyBits = Number(a.keyBits);
  const blockSize = Number(a.blockSize);
  if (!hash || a.cipherAlgorithm !== 'AES' || a.cipherChaining !== 'ChainingModeCBC' || ![128, 192, 256].includes(keyBits) || blockSize !== 16) {
    throw new ExtractionError('encrypted', 'The document uses an encryption method Quarry cannot decrypt', {
      reason: 'unsupported cipher',
      cipher: a.cipherAlgorithm,
      chaining: a.cipherChaining,
      hash: a.hashAlgorithm,
    });
  }
  return { salt: Buffer.from(a.saltValue ?? '', 'base64'), hash, keyBytes: keyBits / 8, blockSize, cipher: `aes-${keyBits}-cbc` };
}

const digest = (alg: string, ...parts: Buffer[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Truncated, or padded with 0x36, to n bytes (MS-OFFCRYPTO 2.3.4.12). */
const fit = (b: Buffer, n: number) => (b.length >= n ? b.subarray(0, n) : Buffer.concat([b, Buffer.alloc(n - b.length, 0x36)]));

function decrypt(p: KeyParams, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv(p.cipher, key, fit(iv, p.blockSize));
  d.setAutoPadding(false);
  const whole = data.subarray(0, data.length - (data.length % p.blockSize));
  return Buffer.concat([d.update(whole), d.final()]);
}

/** The package's bytes (a ZIP) from the two streams and the password. */
export function decryptAgile(info: Buffer, pkg: Buffer, password: string): Buffer {
  if (info.length < 8) throw new ExtractionError('encrypted', 'The document is password-protected and its encryption description is damaged');
  const [major, minor] = [info.readUInt16LE(0), info.readUInt16LE(2)];
  if (major !== 4 || minor !== 4) {
    throw new ExtractionError('encrypted', `The document uses Office encryption version ${major}.${minor}, which Quarry cannot decrypt (only Agile, 4.4)`, {
      reason: 'unsupported encryption version',
    });
  }
  const xml = info.subarray(8).toString('utf8');
  const data = params(attrs(xml, 'keyData'));
  const encA = attrs(xml, 'encryptedKey');
  const enc = params(encA);
  const spin = Number(encA.spinCount);
  if (!Number.isSafeInteger(spin) || spin < 0 || spin > MAX_SPIN)
    throw new ExtractionError('encrypted', `The document's spin count (${encA.spinCount}) is out of range`);

  let h = digest(enc.hash, enc.salt, Buffer.from(password, 'utf16le'));
  const counter = Buffer.alloc(4);
  for (let i = 0; i < spin; i++) {
    counter.writeUInt32LE(i, 0);
    h = digest(enc.hash, counter, h);
  }
  const keyFor = (block: Buffer) => fit(digest(enc.hash, h, block), enc.keyBytes);
  const field = (name: string) => Buffer.from(encA[name] ?? '', 'base64');

  const verifierInput = decrypt(enc, keyFor(BLOCK_VERIFIER_INPUT), enc.salt, field('encryptedVerifierHashInput')).subarray(0, enc.salt.length);
  const verifierHash = decrypt(enc, keyFor(BLOCK_VERIFIER_VALUE), enc.salt, field('encryptedVerifierHashValue'));
  const expected = digest(enc.hash, verifierInput);
  if (!verifierHash.subarray(0, expected.length).equals(expected)) {
    throw new ExtractionError(
      'encrypted',
      `The password is wrong for this password-protected Office document: ${GIVE_PASSWORD.replace('give it', 'give the right one')}`,
      { reason: 'wrong password', password: 'incorrect' },
    );
  }
  const secret = decrypt(enc, keyFor(BLOCK_KEY), enc.salt, field('encryptedKeyValue')).subarray(0, data.keyBytes);

  if (pkg.length < 8) throw new ExtractionError('corrupt_file', 'The encrypted package is empty');
  const size = Number(pkg.readBigUInt64LE(0));
  const body = pkg.subarray(8);
  if (size > body.length) throw new ExtractionError('corrupt_file', `The encrypted package declares ${size} bytes but holds ${body.length} (truncated)`);
  const out: Buffer[] = [];
  const index = Buffer.alloc(4);
  for (let i = 0, at = 0; at < size; i++, at += SEGMENT) {
    index.writeUInt32LE(i, 0);
    out.push(decrypt(data, secret, digest(data.hash, data.salt, index), body.subarray(at, at + SEGMENT)));
  }
  return Buffer.concat(out).subarray(0, size);
}
