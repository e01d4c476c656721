import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ProtocolError } from './errors.ts';

/**
 * How the XML is padded to AES's 16-byte blocks. The guideline's dialects differ:
 * - `zero`: NUL bytes (.NET PaddingMode.Zeros, as in Ningbo's 2018 upload protocol appendix E);
 * - `ascii0`: the character "0" (0x30), as in the RenewEDSenderM capture (its RemoveZeroPaddings
 *   cuts everything after the last ">");
 * - `pkcs7`: PKCS#7 (Java's AES/CBC/PKCS5Padding, as in the Acrel gateway plugin).
 */
export const PADDINGS = ['zero', 'ascii0', 'pkcs7'] as const;
export type Padding = (typeof PADDINGS)[number];

const BLOCK = 16;

export interface CipherSettings {
  key: Buffer;
  iv: Buffer;
  padding: Padding;
}

export function encrypt(plain: Buffer, s: CipherSettings): Buffer {
  const c = createCipheriv('aes-128-cbc', s.key, s.iv);
  if (s.padding === 'pkcs7') return Buffer.concat([c.update(plain), c.final()]);
  c.setAutoPadding(false);
  const pad = (BLOCK - (plain.length % BLOCK)) % BLOCK;
  const padded = Buffer.concat([plain, Buffer.alloc(pad, s.padding === 'zero' ? 0x00 : 0x30)]);
  return Buffer.concat([c.update(padded), c.final()]);
}

/** Decrypts and removes the padding; a wrong key or wrong padding is `bad_padding`. */
export function decrypt(cipher: Buffer, s: CipherSettings): Buffer {
  if (cipher.length === 0 || cipher.length % BLOCK !== 0) {
    throw new ProtocolError('bad_padding', `ciphertext of ${cipher.length} bytes is not a whole number of 16-byte AES blocks`);
  }
  const d = createDecipheriv('aes-128-cbc', s.key, s.iv);
  if (s.padding === 'pkcs7') {
    try {
      return Buffer.concat([d.update(cipher), d.final()]);
    } catch {
      throw new ProtocolError('bad_padding', 'PKCS#7 padding does not check (wrong key, IV or padding)');
    }
  }
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(cipher), d.final()]);
  // The XML ends with ">": whatever follows must be padding, and less than a block of it.
  const end = plain.lastIndexOf(0x3e) + 1;
  const fill = s.padding === 'zero' ? 0x00 : 0x30;
  const tail = plain.subarray(end);
  if (end === 0 || tail.length >= BLOCK || tail.some((b) => b !== fill)) {
    throw new ProtocolError('bad_padding', `expected at most 15 bytes of ${s.padding} padding after the XML, found ${tail.length} bytes (wrong key, IV or padding)`);
  }
  return plain.subarray(0, end);
}
