/**
 * Data types of EN 13757-3 Annex A: integers (type B, two's complement, low byte first), BCD
 * (type A), 32-bit real (type H), dates (types G, F, I) and variable-length data (LVAR).
 */
export type MbusValue =
  | { readonly kind: 'number'; readonly raw: number }
  | { readonly kind: 'date'; readonly iso: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'bytes'; readonly hex: string }
  | { readonly kind: 'none' }
  /** Bytes that are no valid value of their type (BCD digits A–F, an invalid date): never a number. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly hex: string };

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase().replace(/(..)(?=.)/g, '$1 ');

export function decodeInt(b: Uint8Array): MbusValue {
  if (b.length <= 4) {
    let v = 0;
    for (let i = b.length - 1; i >= 0; i--) v = v * 256 + b[i]!;
    const bits = 8 * b.length;
    if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 2 ** bits;
    return { kind: 'number', raw: v };
  }
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return { kind: 'number', raw: Number(v) };
}

/**
 * Type A: one digit per nibble, low byte first. EN 13757-3 Annex A: FH in the most significant
 * digit is a minus sign. Any other digit above 9 makes the value invalid (meters use such codes in
 * "value during error state" records); the decoder says so instead of guessing a number.
 */
export function decodeBcd(b: Uint8Array): MbusValue {
  let v = 0;
  let negative = false;
  for (let i = b.length - 1; i >= 0; i--) {
    const hi = b[i]! >> 4;
    const lo = b[i]! & 0x0f;
    if (i === b.length - 1 && hi === 0x0f) negative = true;
    else if (hi > 9) return { kind: 'invalid', reason: `BCD digit ${hi.toString(16).toUpperCase()}H`, hex: hexOf(b) };
    else v = v * 10 + hi;
    if (lo > 9) return { kind: 'invalid', reason: `BCD digit ${lo.toString(16).toUpperCase()}H`, hex: hexOf(b) };
    v = v * 10 + lo;
  }
  return { kind: 'number', raw: negative ? -v : v };
}

export function decodeReal(b: Uint8Array): MbusValue {
  return { kind: 'number', raw: Buffer.from(b).readFloatLE(0) };
}

const pad = (n: number) => String(n).padStart(2, '0');

// Two-digit years as EN 13757-3 sends them; 81–99 are read as 19xx (the first M-Bus meters), the
// rest as 20xx. A 7-bit year above 99 is no valid year.
function fullYear(y: number): number | undefined {
  if (y > 99) return undefined;
  return y >= 81 ? 1900 + y : 2000 + y;
}

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Type G (16 bit): day, month, year. */
export function decodeDateG(b: Uint8Array): MbusValue {
  const day = b[0]! & 0x1f;
  const month = b[1]! & 0x0f;
  const year = fullYear(((b[0]! & 0xe0) >> 5) | ((b[1]! & 0xf0) >> 1));
  if (year === undefined || !validDay(year, month, day)) return { kind: 'invalid', reason: 'no valid date (type G)', hex: hexOf(b) };
  return { kind: 'date', iso: `${year}-${pad(month)}-${pad(day)}` };
}

/** Type F (32 bit): minute (bit 7 IV = invalid), hour (bit 7 SU = summer time), day, month, year. */
export function decodeDateTimeF(b: Uint8Array): MbusValue {
  if (b[0]! & 0x80) return { kind: 'invalid', reason: 'time marked invalid (IV bit)', hex: hexOf(b) };
  const minute = b[0]! & 0x3f;
  const hour = b[1]! & 0x1f;
  const day = b[2]! & 0x1f;
  const month = b[3]! & 0x0f;
  const year = fullYear(((b[2]! & 0xe0) >> 5) | ((b[3]! & 0xf0) >> 1));
  if (year === undefined || !validDay(year, month, day) || hour > 23 || minute > 59) {
    return { kind: 'invalid', reason: 'no valid date and time (type F)', hex: hexOf(b) };
  }
  return { kind: 'date', iso: `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:00` };
}

/** Type I (48 bit, EN 13757-3:2013): second, minute, hour, day, month, year. */
export function decodeDateTimeI(b: Uint8Array): MbusValue {
  const second = b[0]! & 0x3f;
  if (b[1]! & 0x80) return { kind: 'invalid', reason: 'time marked invalid (IV bit)', hex: hexOf(b) };
  const minute = b[1]! & 0x3f;
  const hour = b[2]! & 0x1f;
  const day = b[3]! & 0x1f;
  const month = b[4]! & 0x0f;
  const year = fullYear(((b[3]! & 0xe0) >> 5) | ((b[4]! & 0xf0) >> 1));
  if (year === undefined || !validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) {
    return { kind: 'invalid', reason: 'no valid date and time (type I)', hex: hexOf(b) };
  }
  return { kind: 'date', iso: `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}` };
}

/** Plain text is sent last character first (EN 13757-3 Annex A, LVAR 00H–BFH). */
export function decodeText(b: Uint8Array): MbusValue {
  return { kind: 'text', text: Buffer.from(b).reverse().toString('latin1') };
}

export function bytesValue(b: Uint8Array): MbusValue {
  return { kind: 'bytes', hex: hexOf(b) };
}

/**
 * raw × 10^exponent without binary noise: 2071 × 10^-2 is 20.71, not 20.710000000000001. A real
 * (type H) is a float32: it is first written with the fewest digits that still read back as the
 * same float32 (−0.170721754… → −0.1707218), which is all the precision the meter sent.
 */
export function scaled(raw: number, exponent: number): number {
  if (!Number.isFinite(raw)) return raw;
  const v = Number.isInteger(raw) ? raw : shortestFloat32(raw);
  const text = String(v);
  if (exponent === 0) return v;
  return text.includes('e') ? v * 10 ** exponent : Number(`${text}e${exponent}`);
}

function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return x;
}
