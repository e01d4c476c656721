import type { Reading } from '../../core/index.ts';

// The body of a journal frame. Records were JSON (about 380 bytes for a three-phase meter, 16 of
// them per second on a small site, for years on an SD card); they are now a compact binary form:
//
//   0x01 | flags | ts varint | meter: len varint + ASCII | n varint
//   | keys: n key indexes, or (flag KEY_BITMAP) a bitmap of len varint bytes over KEYS
//   | n value nibbles, two to a byte | n values | (flag QUALITY) quality: len varint + JSON
//
// A value is a decimal: nibble 0–6 is +m/10^d with d = nibble, 7–13 is −m/10^(nibble−7), and the
// value follows as an unsigned varint m; nibble 14 is a float64 that no such decimal writes (8
// bytes LE). Values are rounded to their register's resolution before they get here, so 229.6 V
// is the varint 2296 with d = 1: two bytes and a nibble. A JSON body starts with '{' (0x7b), so
// journals written before this format are read as they are.
const BINARY = 0x01;
const JSON_OPEN = 0x7b;
const KEY_BITMAP = 1;
const QUALITY = 2;
const MAX_DECIMALS = 6;
const FLOAT64 = 14;

/**
 * Measurement keys by their index in the binary form. Append only: an index, once written to a
 * journal on some board, means this key for good. A key missing here makes the record JSON (a
 * unit test keeps this list and core/measurements.ts in step).
 */
export const KEYS: readonly string[] = [
  'energy_import_kwh', 'energy_export_kwh', 'reactive_energy_import_kvarh', 'reactive_energy_export_kvarh',
  'power_kw', 'power_l1_kw', 'power_l2_kw', 'power_l3_kw', 'reactive_power_kvar', 'apparent_power_kva',
  'voltage_l1_v', 'voltage_l2_v', 'voltage_l3_v', 'current_l1_a', 'current_l2_a', 'current_l3_a', 'current_n_a',
  'power_factor', 'frequency_hz', 'volume_m3', 'reverse_volume_m3', 'gas_volume_m3', 'flow_m3h',
  'heat_energy_kwh', 'cooling_energy_kwh', 'heat_power_kw', 'supply_temp_c', 'return_temp_c', 'temp_diff_k',
];
const KEY_INDEX = new Map(KEYS.map((k, i) => [k, i]));
const ASCII_ID = /^[\x21-\x7e]{1,255}$/;

class Writer {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  varint(n: number): void {
    // Arithmetic, not bit operations: timestamps and mantissas go past 2^31.
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  }
}

/** m and d with |v| = m / 10^d exactly as a double reads back, or null when none up to 6 decimals does. */
function asDecimal(v: number): { m: number; d: number } | null {
  const a = Math.abs(v);
  for (let d = 0, p = 1; d <= MAX_DECIMALS; d++, p *= 10) {
    const m = Math.round(a * p);
    if (m > Number.MAX_SAFE_INTEGER) return null;
    if (m / p === a) return { m, d };
  }
  return null;
}

/** The frame body for `r`: binary, or JSON for a record the binary form cannot carry. */
export function encodeReading(r: Reading): Buffer {
  const entries = Object.entries(r.values);
  const idx: number[] = [];
  for (const [k] of entries) {
    const i = KEY_INDEX.get(k);
    if (i === undefined) return Buffer.from(JSON.stringify(r));
    idx.push(i);
  }
  if (!ASCII_ID.test(r.meter) || !Number.isSafeInteger(r.ts) || r.ts < 0) return Buffer.from(JSON.stringify(r));
  const quality = r.quality && Object.keys(r.quality).length > 0 ? Buffer.from(JSON.stringify(r.quality)) : null;
  const n = entries.length;
  const w = new Writer(32 + r.meter.length + n * 12 + (quality?.length ?? 0));
  const maxIdx = idx.reduce((a, b) => Math.max(a, b), -1);
  const bitmapBytes = (maxIdx >> 3) + 1;
  // A bitmap needs keys in table order; a list keeps any order and wins for a few keys.
  const sorted = idx.every((v, i) => i === 0 || v > idx[i - 1]!);
  const bitmap = sorted && n > 0 && bitmapBytes + 1 < n;
  w.buf[w.at++] = BINARY;
  w.buf[w.at++] = (bitmap ? KEY_BITMAP : 0) | (quality ? QUALITY : 0);
  w.varint(r.ts);
  w.varint(r.meter.length);
  w.at += w.buf.write(r.meter, w.at, 'latin1');
  w.varint(n);
  if (bitmap) {
    w.varint(bitmapBytes);
    w.buf.fill(0, w.at, w.at + bitmapBytes);
    for (const i of idx) w.buf[w.at + (i >> 3)]! |= 1 << (i & 7);
    w.at += bitmapBytes;
  } else {
    for (const i of idx) w.varint(i);
  }
  const nibbleAt = w.at;
  w.buf.fill(0, nibbleAt, nibbleAt + ((n + 1) >> 1));
  w.at += (n + 1) >> 1;
  entries.forEach(([, v], k) => {
    const dec = Number.isFinite(v) ? asDecimal(v) : null;
    let nib: number;
    if (dec) {
      nib = (v < 0 && dec.m !== 0 ? 7 : 0) + dec.d;
      w.varint(dec.m);
    } else {
      nib = FLOAT64;
      w.buf.writeDoubleLE(v, w.at);
      w.at += 8;
    }
    w.buf[nibbleAt + (k >> 1)]! |= k & 1 ? nib << 4 : nib;
  });
  if (quality) {
    w.varint(quality.length);
    quality.copy(w.buf, w.at);
    w.at += quality.length;
  }
  return w.buf.subarray(0, w.at);
}

class Reader {
  constructor(private readonly buf: Buffer, public at: number, private readonly end: number) {}

  byte(): number {
    if (this.at >= this.end) throw new RangeError('record body ends early');
    return this.buf[this.at++]!;
  }

  varint(): number {
    let n = 0;
    for (let mul = 1; ; mul *= 0x80) {
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      if (mul > 2 ** 49) throw new RangeError('varint too long');
    }
  }

  take(len: number): number {
    const at = this.at;
    if (at + len > this.end) throw new RangeError('record body ends early');
    this.at += len;
    return at;
  }
}

/** The reading in body bytes [start, end) of `buf`, in either form. Throws on a body it cannot read. */
export function decodeReading(buf: Buffer, start: number, end: number): Reading {
  if (buf[start] === JSON_OPEN) return JSON.parse(buf.toString('utf8', start, end)) as Reading;
  if (buf[start] !== BINARY) throw new RangeError(`unknown record form 0x${(buf[start] ?? 0).toString(16)}`);
  const rd = new Reader(buf, start + 1, end);
  const flags = rd.byte();
  const ts = rd.varint();
  const mlen = rd.varint();
  const meter = buf.toString('latin1', rd.take(mlen), rd.at);
  const n = rd.varint();
  const keys: string[] = [];
  if (flags & KEY_BITMAP) {
    const bytes = rd.varint();
    const at = rd.take(bytes);
    for (let i = 0; i < bytes * 8; i++) if (buf[at + (i >> 3)]! & (1 << (i & 7))) keys.push(keyAt(i));
  } else {
    for (let k = 0; k < n; k++) keys.push(keyAt(rd.varint()));
  }
  if (keys.length !== n) throw new RangeError(`record says ${n} values, its keys ${keys.length}`);
  const nibbleAt = rd.take((n + 1) >> 1);
  const values: Record<string, number> = {};
  for (let k = 0; k < n; k++) {
    const nib = (buf[nibbleAt + (k >> 1)]! >> (k & 1 ? 4 : 0)) & 0x0f;
    if (nib === FLOAT64) {
      values[keys[k]!] = buf.readDoubleLE(rd.take(8));
    } else if (nib <= 13) {
      const d = nib % 7;
      const m = rd.varint();
      values[keys[k]!] = (nib >= 7 ? -m : m) / 10 ** d;
    } else throw new RangeError(`bad value form ${nib}`);
  }
  const reading: Reading = { meter, ts, values };
  if (flags & QUALITY) {
    const len = rd.varint();
    reading.quality = JSON.parse(buf.toString('utf8', rd.take(len), rd.at)) as Reading['quality'];
  }
  return reading;
}

function keyAt(i: number): string {
  const k = KEYS[i];
  if (k === undefined) throw new RangeError(`measurement index ${i} is not in the table`);
  return k;
}

/**
 * Bytes of the reading as JSON (what the uplink sends), counted without building the text: a
 * journal read is bounded by what its records weigh on the wire, whatever form they sit in here.
 */
export function jsonBytes(r: Reading): number {
  // {"meter":"…","ts":…,"values":{…}} with "key":value, pairs; ids and keys are ASCII.
  let n = 30 + r.meter.length + String(r.ts).length;
  let first = true;
  for (const k in r.values) {
    n += (first ? 0 : 1) + k.length + 3 + String(r.values[k]).length;
    first = false;
  }
  if (r.quality) n += Buffer.byteLength(JSON.stringify(r.quality)) + 11;
  return n;
}
