import { roundDecimals, stepDecimals } from '../../models/resolution.ts';
import type { Dlt645Item } from '../../models/types.ts';
import { bcdLE, toBcdLE } from '../bcd.ts';
import { FrameError } from '../errors.ts';

export interface Dlt645Format {
  bytes: number;
  decimals: number;
}

/** `XXXXXX.XX` → 4 bytes, 2 decimals. Throws on anything but X's with at most one point. */
export function parseFormat(format: string): Dlt645Format {
  const m = /^(X+)(?:\.(X+))?$/.exec(format);
  const digits = m ? m[1]!.length + (m[2]?.length ?? 0) : 0;
  if (!m || digits % 2 !== 0) throw new RangeError(`DL/T 645 format "${format}": expected an even number of X digits, e.g. XXXXXX.XX`);
  return { bytes: digits / 2, decimals: m[2]?.length ?? 0 };
}

/** The value an item's bytes (33H already removed, low byte first) stand for. */
export function decodeItem(item: Pick<Dlt645Item, 'format' | 'signed' | 'scale' | 'di'>, bytes: Uint8Array): number {
  const f = parseFormat(item.format);
  if (bytes.length !== f.bytes) {
    throw new FrameError('ERR_FRAME_LENGTH', `DI ${item.di.toString(16).padStart(8, '0').toUpperCase()}: ${bytes.length} data byte(s), format ${item.format} needs ${f.bytes}`);
  }
  const raw = bcdLE(bytes, `DI ${item.di.toString(16).padStart(8, '0').toUpperCase()}`, item.signed === true);
  // Round to the format's resolution: 12345 × 0.01 is 123.45000000000002 in binary.
  const v = Number((raw / 10 ** f.decimals).toFixed(f.decimals));
  return item.scale === undefined ? v : roundDecimals(v * item.scale, stepDecimals(item.scale / 10 ** f.decimals));
}

/** The bytes a meter sends for `value` (the simulators' side of decodeItem; rounds to the format). */
export function encodeItem(item: Pick<Dlt645Item, 'format' | 'signed' | 'scale'>, value: number): Buffer {
  const f = parseFormat(item.format);
  const v = item.scale === undefined ? value : value / item.scale;
  // The sign takes the top bit, so the top digit of a signed value can only be 0–7.
  const max = (item.signed ? 8 : 10) * 10 ** (2 * f.bytes - 1) - 1;
  const raw = Math.max(-max, Math.min(max, Math.round(v * 10 ** f.decimals)));
  return toBcdLE(item.signed ? raw : Math.abs(raw), f.bytes, item.signed === true);
}
