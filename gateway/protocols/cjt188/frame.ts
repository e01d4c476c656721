import { addressBytes, addressDigits, hex2, sum8 } from '../bcd.ts';
import { FrameError } from '../errors.ts';
import { scanFor } from '../scan.ts';

// CJ/T 188-2004, 5.x: frame = 68H T A0…A6 C L DATA CS 16H. T is the meter type (Table 2), the
// address is 7 BCD bytes, low byte first; DATA is sent as is (no 33H offset, unlike DL/T 645);
// CS is the sum mod 256 from 68H to the last DATA byte. Masters send FEH bytes first to wake
// battery meters behind M-Bus/RS-485 converters, and meters answer with some too.
export const START = 0x68;
export const STOP = 0x16;
export const WAKE = 0xfe;
/** 68 T A×7 C L … CS 16 */
export const OVERHEAD = 13;

// 5.x control code C: D7 direction (1 = reply), D6 abnormal reply, D5–D0 function.
export const FN_READ = 0x01;
export const FN_READ_ADDRESS = 0x03;
export const REPLY = 0x80;
export const ABNORMAL = 0x40;

/** DI 901FH, "计量数据" (metering data). */
export const DI_METERING = 0x901f;
/** DI 810AH, "读地址" (read address). */
export const DI_ADDRESS = 0x810a;

/** Table 2 meter types: 10H–19H water, 20H–29H heat (20H heat, 21H cooling), 30H–39H gas, 40H–49H electricity. */
export function meterTypeKind(t: number): 'water' | 'heat' | 'gas' | 'electricity' | 'unknown' {
  if (t >= 0x10 && t <= 0x19) return 'water';
  if (t >= 0x20 && t <= 0x29) return 'heat';
  if (t >= 0x30 && t <= 0x39) return 'gas';
  if (t >= 0x40 && t <= 0x49) return 'electricity';
  return 'unknown';
}

export const WILDCARD = 'AAAAAAAAAAAAAA';

export interface Cjt188Frame {
  meterType: number;
  /** 14 digits as on the nameplate (A6 first). */
  address: string;
  control: number;
  data: Buffer;
  skipped: number;
  length: number;
}

export function isAddress(s: string): boolean {
  return /^[0-9]{14}$/.test(s) || s.toUpperCase() === WILDCARD;
}

export function encodeFrame(meterType: number, address: string, control: number, data: Uint8Array, preamble = 2): Buffer {
  if (!isAddress(address)) throw new RangeError(`CJ/T 188 address must be 14 digits, got "${address}"`);
  if (!Number.isInteger(meterType) || meterType < 0 || meterType > 0xff) throw new RangeError(`CJ/T 188 meter type must be a byte, got ${meterType}`);
  const body = Buffer.alloc(OVERHEAD - 2 + data.length);
  body[0] = START;
  body[1] = meterType;
  addressBytes(address.toUpperCase(), 7).copy(body, 2);
  body[9] = control;
  body[10] = data.length;
  Buffer.from(data).copy(body, 11);
  return Buffer.concat([Buffer.alloc(preamble, WAKE), body, Buffer.from([sum8(body), STOP])]);
}

/** DI as sent: '901F' puts 90H first, '1F90' puts 1FH first (see Cjt188Model.diOrder). */
export function diWire(di: number, order: '901F' | '1F90'): Buffer {
  const b = Buffer.alloc(2);
  if (order === '901F') b.writeUInt16BE(di);
  else b.writeUInt16LE(di);
  return b;
}

/** 6.3: read data = DI (2) + SER (1). */
export function readRequest(meterType: number, address: string, order: '901F' | '1F90', ser: number, preamble?: number): Buffer {
  return encodeFrame(meterType, address, FN_READ, Buffer.concat([diWire(DI_METERING, order), Buffer.from([ser & 0xff])]), preamble);
}

/** 6.x read address: DI 810AH to AAAAAAAAAAAAAA (T = AAH matches any type). */
export function readAddressRequest(meterType: number, ser: number, preamble?: number): Buffer {
  return encodeFrame(meterType, WILDCARD, FN_READ_ADDRESS, Buffer.from([0x0a, 0x81, ser & 0xff]), preamble);
}

/** Like DL/T 645 scanFrame: skips stray bytes, `{ need }` while incomplete, strict for decode. */
export function scanFrame(buf: Uint8Array, strict = false): Cjt188Frame | { need: number } | null {
  return scanFor(buf, START, frameAt, strict);
}

function frameAt(buf: Uint8Array, i: number): Omit<Cjt188Frame, 'skipped'> | { need: number } | FrameError {
  if (buf.length - i < 11) return { need: 11 - (buf.length - i) };
  const len = buf[i + 10]!;
  const total = OVERHEAD + len;
  if (buf.length - i < total) return { need: total - (buf.length - i) };
  const cs = sum8(buf, i, i + total - 2);
  if (buf[i + total - 2] !== cs) return new FrameError('ERR_FRAME_CHECKSUM', `checksum ${hex2(buf[i + total - 2]!)}, expected ${hex2(cs)}`);
  if (buf[i + total - 1] !== STOP) return new FrameError('ERR_FRAME_STOP', `frame ends with ${hex2(buf[i + total - 1]!)}, not 16H`);
  const address = addressDigits(buf.subarray(i + 2, i + 9));
  if (!/^[0-9]{14}$/.test(address) && address !== WILDCARD) return new FrameError('ERR_FRAME_BCD', `address ${address} is not BCD`);
  return { meterType: buf[i + 1]!, address, control: buf[i + 9]!, data: Buffer.from(buf.subarray(i + 11, i + 11 + len)), length: total };
}

export function parseFrame(bytes: Uint8Array): Cjt188Frame {
  const r = scanFrame(bytes, true);
  if (r === null) throw new FrameError('ERR_FRAME_START', 'no 68H start byte');
  if ('need' in r) throw new FrameError('ERR_FRAME_INCOMPLETE', `frame incomplete: ${r.need} more byte(s) expected`);
  return r;
}

/** The DI at the start of DATA, in whichever of the two orders the meter used. */
export function dataDi(data: Uint8Array): { di: number; order: '901F' | '1F90' } | null {
  if (data.length < 2) return null;
  const be = (data[0]! << 8) | data[1]!;
  const le = (data[1]! << 8) | data[0]!;
  for (const known of [DI_METERING, DI_ADDRESS]) {
    if (be === known) return { di: known, order: '901F' };
    if (le === known) return { di: known, order: '1F90' };
  }
  return null;
}
