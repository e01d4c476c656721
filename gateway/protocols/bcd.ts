import { FrameError } from './errors.ts';

/** Sum of the bytes mod 256: the check byte of DL/T 645-2007 (4.x) and CJ/T 188-2004 (6.x) frames. */
export function sum8(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s = (s + bytes[i]!) & 0xff;
  return s;
}

/** The two BCD digits of one byte; refuses a nibble above 9. */
export function bcdByte(b: number, what: string): number {
  const hi = b >> 4;
  const lo = b & 0x0f;
  if (hi > 9 || lo > 9) throw new FrameError('ERR_FRAME_BCD', `${what}: byte ${hex2(b)} is not BCD`);
  return hi * 10 + lo;
}

/**
 * Unsigned BCD, least significant byte first (both standards send every multi-byte value that
 * way), as an integer. With `signed`, the top bit of the most significant byte is the sign
 * (DL/T 645-2007 A.1: "最高位表示方向，0 正 1 负").
 */
export function bcdLE(bytes: Uint8Array, what: string, signed = false): number {
  let v = 0;
  let negative = false;
  for (let i = bytes.length - 1; i >= 0; i--) {
    let b = bytes[i]!;
    if (signed && i === bytes.length - 1) {
      negative = (b & 0x80) !== 0;
      b &= 0x7f;
    }
    v = v * 100 + bcdByte(b, what);
  }
  return negative ? -v : v;
}

/** Integer → BCD bytes, least significant first; `signed` puts the sign in the top bit. */
export function toBcdLE(value: number, bytes: number, signed = false): Buffer {
  const out = Buffer.alloc(bytes);
  let v = Math.round(Math.abs(value));
  for (let i = 0; i < bytes; i++) {
    const d = v % 100;
    out[i] = ((Math.floor(d / 10)) << 4) | (d % 10);
    v = Math.floor(v / 100);
  }
  if (signed && value < 0) out[bytes - 1]! |= 0x80;
  return out;
}

/** Address bytes (low byte first on the wire) → the digits printed on the nameplate. */
export function addressDigits(bytes: Uint8Array): string {
  let s = '';
  for (let i = bytes.length - 1; i >= 0; i--) s += bytes[i]!.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** Nameplate digits → address bytes, low byte first. The caller has validated the string. */
export function addressBytes(digits: string, bytes: number): Buffer {
  const padded = digits.padStart(bytes * 2, '0');
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = parseInt(padded.slice(padded.length - 2 * (i + 1), padded.length - 2 * i), 16);
  return out;
}

export const hex2 = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');
export const hexOf = (b: Uint8Array) => [...b].map(hex2).join(' ');

/** `68 AA …`, `68AA…`, `0x68,0xAA` → bytes; refuses anything else. */
export function parseHex(text: string): Buffer {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:;-]+/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) {
    throw new RangeError(`expected hex bytes such as "68 AA 16", got "${text.length > 60 ? `${text.slice(0, 60)}…` : text}"`);
  }
  return Buffer.from(clean, 'hex');
}
