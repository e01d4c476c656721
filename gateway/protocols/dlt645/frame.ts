import { addressBytes, addressDigits, hex2, sum8 } from '../bcd.ts';
import { FrameError } from '../errors.ts';
import { scanFor } from '../scan.ts';

// DL/T 645-2007, 4.1: frame = 68H A0…A5 68H C L DATA CS 16H; the address is 6 BCD bytes, low byte
// first; every DATA byte is sent plus 33H (4.5); CS is the sum mod 256 of every byte from the
// first 68H to the last DATA byte (4.6). The master may send up to four FEH first to wake the
// line's receivers (4.7, "前导字节"), and meters answer with them too.
export const START = 0x68;
export const STOP = 0x16;
export const WAKE = 0xfe;
export const OFFSET = 0x33;
/** 4.1: C + L + 10 fixed bytes around DATA. */
export const OVERHEAD = 12;
/** 4.4: L is at most 200 in a read reply (the rest of a longer answer comes in follow-up frames). */
export const MAX_DATA = 200;

// 4.3, control code C: D7 direction (1 = reply from the meter), D6 abnormal reply, D5 more
// frames follow, D4–D0 the function.
export const FN_READ = 0x11;
export const FN_READ_FOLLOW = 0x12;
export const FN_READ_ADDRESS = 0x13;
export const REPLY = 0x80;
export const ABNORMAL = 0x40;
export const FOLLOWS = 0x20;

/** The broadcast/wildcard address of 4.2: AAH in every byte. */
export const WILDCARD = 'AAAAAAAAAAAA';

export interface Dlt645Frame {
  /** 12 digits as printed on the nameplate (A5 first). */
  address: string;
  control: number;
  /** DATA with the 33H offset removed. */
  data: Buffer;
  /** Bytes skipped before the first 68H (FEH wake-up bytes or noise). */
  skipped: number;
  /** Bytes the frame took from its first 68H to 16H. */
  length: number;
}

export function isAddress(s: string): boolean {
  return /^[0-9]{12}$/.test(s) || s.toUpperCase() === WILDCARD;
}

/** One frame as the master sends it, with `preamble` FEH bytes first (0–4; 4.7). */
export function encodeFrame(address: string, control: number, data: Uint8Array, preamble = 4): Buffer {
  if (!isAddress(address)) throw new RangeError(`DL/T 645 address must be 12 digits, got "${address}"`);
  if (data.length > 255) throw new RangeError('DL/T 645 DATA is at most 255 bytes');
  const body = Buffer.alloc(OVERHEAD - 2 + data.length);
  body[0] = START;
  addressBytes(address.toUpperCase(), 6).copy(body, 1);
  body[7] = START;
  body[8] = control;
  body[9] = data.length;
  for (let i = 0; i < data.length; i++) body[10 + i] = (data[i]! + OFFSET) & 0xff;
  return Buffer.concat([Buffer.alloc(preamble, WAKE), body, Buffer.from([sum8(body), STOP])]);
}

/** 4-byte data identifier DI3 DI2 DI1 DI0 (written as one hex number) → wire order DI0 first. */
export function diBytes(di: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(di >>> 0);
  return b;
}

export const diText = (di: number) => (di >>> 0).toString(16).toUpperCase().padStart(8, '0');

export const readRequest = (address: string, di: number, preamble?: number) => encodeFrame(address, FN_READ, diBytes(di), preamble);
export const readFollowRequest = (address: string, di: number, seq: number, preamble?: number) =>
  encodeFrame(address, FN_READ_FOLLOW, Buffer.concat([diBytes(di), Buffer.from([seq & 0xff])]), preamble);
/** 7.x "读通信地址": sent to AAAAAAAAAAAA; only a meter alone on its line can answer it. */
export const readAddressRequest = (preamble?: number) => encodeFrame(WILDCARD, FN_READ_ADDRESS, Buffer.alloc(0), preamble);

/**
 * The first complete frame in `buf` starting at or after `from`. Bytes before a 68H that does
 * not start a valid frame are skipped (wake-up bytes, line noise, an echo). Returns
 * `{ need }` when a frame has started but is not complete yet, null when no 68H is in sight.
 * With `strict`, the first 68H must start a valid frame or its defect is thrown (for `decode`).
 */
export function scanFrame(buf: Uint8Array, strict = false): Dlt645Frame | { need: number } | null {
  return scanFor(buf, START, frameAt, strict);
}

function frameAt(buf: Uint8Array, i: number): Omit<Dlt645Frame, 'skipped'> | { need: number } | FrameError {
  if (buf.length - i < 10) return { need: 10 - (buf.length - i) };
  if (buf[i + 7] !== START) return new FrameError('ERR_FRAME_START', `no second 68H at byte ${i + 7} (found ${hex2(buf[i + 7]!)})`);
  const len = buf[i + 9]!;
  const total = OVERHEAD + len;
  if (buf.length - i < total) return { need: total - (buf.length - i) };
  const cs = sum8(buf, i, i + total - 2);
  if (buf[i + total - 2] !== cs) return new FrameError('ERR_FRAME_CHECKSUM', `checksum ${hex2(buf[i + total - 2]!)}, expected ${hex2(cs)}`);
  if (buf[i + total - 1] !== STOP) return new FrameError('ERR_FRAME_STOP', `frame ends with ${hex2(buf[i + total - 1]!)}, not 16H`);
  const address = addressDigits(buf.subarray(i + 1, i + 7));
  if (!/^[0-9]{12}$/.test(address) && address !== WILDCARD) return new FrameError('ERR_FRAME_BCD', `address ${address} is not BCD`);
  const data = Buffer.alloc(len);
  for (let k = 0; k < len; k++) data[k] = (buf[i + 10 + k]! - OFFSET) & 0xff;
  return { address, control: buf[i + 8]!, data, length: total };
}

/** Parses exactly one frame from captured bytes (decode CLI, tests): stray bytes before it are allowed. */
export function parseFrame(bytes: Uint8Array): Dlt645Frame {
  const r = scanFrame(bytes, true);
  if (r === null) throw new FrameError('ERR_FRAME_START', 'no 68H start byte');
  if ('need' in r) throw new FrameError('ERR_FRAME_INCOMPLETE', `frame incomplete: ${r.need} more byte(s) expected`);
  return r;
}

// DL/T 645-2007 Table 4 (error word of an abnormal reply): D0 other error, D1 no requested data,
// D2 password wrong / not authorised, D3 baud rate cannot be changed, D4 year time zones exceed,
// D5 daily periods exceed, D6 tariffs exceed.
const ERROR_BITS = ['other error', 'no such data', 'not authorised (password)', 'baud rate cannot be changed',
  'too many year time zones', 'too many daily periods', 'too many tariffs', 'reserved'];

export function describeErrorWord(word: number): string {
  const parts = ERROR_BITS.filter((_, bit) => (word & (1 << bit)) !== 0);
  return parts.length > 0 ? parts.join(', ') : 'no error bit set';
}

/**
 * Bit 1 ("no such data") means this identifier will never be answered by this meter; bit 2
 * means the meter wants a password it was not given — retrying cannot fix either.
 */
export const isPermanentError = (word: number) => (word & 0b110) !== 0;
