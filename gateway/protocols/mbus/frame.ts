import { MbusError } from './errors.ts';

/**
 * EN 13757-2 link layer (FT 1.2 of IEC 60870-5-2): the three frames a wired M-Bus carries.
 *
 *   single character   E5
 *   short frame        10 C A CS 16
 *   long frame         68 L L 68 C A CI data… CS 16     (L counts C, A, CI and data; CS sums them)
 *
 * A control frame is a long frame without data (L = 3).
 */

// EN 13757-2 5.5 control field, master to slave (FCV/FCB are bits 4/5).
export const SND_NKE = 0x40;
export const SND_UD = 0x53;
export const REQ_UD2 = 0x5b;
export const REQ_UD1 = 0x5a;
export const FCB = 0x20;
export const FCV = 0x10;
// Slave to master: RSP_UD 08H; the slave may set ACD (20H) and DFC (10H).
export const RSP_UD = 0x08;

// EN 13757-2 5.6: FDH addresses the slave chosen by secondary selection, FEH every slave
// (answers collide unless only one is on the bus), FFH every slave without answer.
export const ADDRESS_NETWORK = 0xfd;
export const ADDRESS_BROADCAST_REPLY = 0xfe;
export const ADDRESS_BROADCAST = 0xff;
export const ACK = 0xe5;

export type Frame =
  | { readonly type: 'ack' }
  | { readonly type: 'short'; readonly c: number; readonly a: number }
  | { readonly type: 'long'; readonly c: number; readonly a: number; readonly ci: number; readonly data: Buffer };

function checksum(bytes: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s = (s + bytes[i]!) & 0xff;
  return s;
}

export function encodeShort(c: number, a: number): Buffer {
  return Buffer.from([0x10, c, a, (c + a) & 0xff, 0x16]);
}

export function encodeLong(c: number, a: number, ci: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  // L is one byte and counts C, A and CI too: at most 252 data bytes.
  if (data.length > 252) throw new RangeError(`M-Bus long frame data is at most 252 bytes, got ${data.length}`);
  const l = data.length + 3;
  const out = Buffer.alloc(l + 6);
  out[0] = 0x68; out[1] = l; out[2] = l; out[3] = 0x68;
  out[4] = c; out[5] = a; out[6] = ci;
  out.set(data, 7);
  out[l + 4] = checksum(out, 4, l + 4);
  out[l + 5] = 0x16;
  return out;
}

export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'ack': return Buffer.from([ACK]);
    case 'short': return encodeShort(f.c, f.a);
    case 'long': return encodeLong(f.c, f.a, f.ci, f.data);
  }
}

/**
 * How many bytes the frame starting at buf[0] occupies, once enough of it has arrived to say:
 * undefined while the header is incomplete. Throws on a byte that starts no frame.
 */
export function frameLength(buf: Uint8Array): number | undefined {
  if (buf.length === 0) return undefined;
  switch (buf[0]) {
    case ACK: return 1;
    case 0x10: return 5;
    case 0x68: {
      if (buf.length < 3) return undefined;
      if (buf[1] !== buf[2]) throw new MbusError('ERR_MBUS_FRAME_LENGTH', `long frame length bytes differ (${hex(buf[1]!)} vs ${hex(buf[2]!)})`);
      return buf[1]! + 6;
    }
    default:
      throw new MbusError('ERR_MBUS_FRAME_START', `no M-Bus frame starts with ${hex(buf[0]!)} (expected E5, 10 or 68)`);
  }
}

/** Parses exactly one frame (the whole buffer); every check of EN 13757-2 5.4 is applied. */
export function parseFrame(buf: Uint8Array): Frame {
  const n = frameLength(buf);
  if (n === undefined || buf.length < n) {
    throw new MbusError('ERR_MBUS_FRAME_INCOMPLETE', `frame incomplete: ${buf.length} byte(s)${n ? ` of ${n}` : ''}`);
  }
  if (buf.length > n) throw new MbusError('ERR_MBUS_FRAME_LENGTH', `${buf.length - n} byte(s) after the end of the frame`);
  if (buf[0] === ACK) return { type: 'ack' };
  if (buf[n - 1] !== 0x16) throw new MbusError('ERR_MBUS_FRAME_STOP', `stop byte is ${hex(buf[n - 1]!)}, expected 16`);
  if (buf[0] === 0x10) {
    if (checksum(buf, 1, 3) !== buf[3]) throw new MbusError('ERR_MBUS_FRAME_CHECKSUM', `short frame checksum ${hex(buf[3]!)} ≠ ${hex(checksum(buf, 1, 3))}`);
    return { type: 'short', c: buf[1]!, a: buf[2]! };
  }
  const l = buf[1]!;
  if (buf[3] !== 0x68) throw new MbusError('ERR_MBUS_FRAME_START', `second start byte is ${hex(buf[3]!)}, expected 68`);
  if (l < 3) throw new MbusError('ERR_MBUS_FRAME_LENGTH', `long frame L = ${l}: C, A and CI need at least 3`);
  const cs = checksum(buf, 4, 4 + l);
  if (cs !== buf[4 + l]) throw new MbusError('ERR_MBUS_FRAME_CHECKSUM', `long frame checksum ${hex(buf[4 + l]!)} ≠ ${hex(cs)}`);
  return { type: 'long', c: buf[4]!, a: buf[5]!, ci: buf[6]!, data: Buffer.from(buf.subarray(7, 4 + l)) };
}

/**
 * Splits a received byte stream into frames: returns the first complete frame and how many bytes
 * it used, or undefined while it is still arriving. Used both by the master and the simulator.
 */
export function takeFrame(buf: Uint8Array): { frame: Frame; used: number } | undefined {
  const n = frameLength(buf);
  if (n === undefined || buf.length < n) return undefined;
  return { frame: parseFrame(buf.subarray(0, n)), used: n };
}

/** "68 1B 1B 68 …", "681b1b68…" or with commas/0x: the bytes, or a RangeError naming what is wrong. */
export function parseHex(text: string): Buffer {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s,:;-]/g, '');
  if (cleaned.length === 0) throw new RangeError('no hex bytes given');
  if (!/^[0-9a-fA-F]*$/.test(cleaned)) {
    const bad = cleaned.match(/[^0-9a-fA-F]/)![0];
    throw new RangeError(`not a hex digit: "${bad}"`);
  }
  if (cleaned.length % 2) throw new RangeError(`odd number of hex digits (${cleaned.length})`);
  return Buffer.from(cleaned, 'hex');
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase().replace(/(..)(?=.)/g, '$1 ');
}

export function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
