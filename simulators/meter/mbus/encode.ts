import type { MeasurementKey } from '../../../core/index.ts';
import type { MbusLayoutRecord } from '../../../gateway/models/mbus.ts';

/**
 * Encodes one record of a simulated telegram: the value of a measurement in the unit and power of
 * ten its VIF says (EN 13757-3 Table 10), in the data type its DIF says (Annex A).
 */

// Measurement unit → the VIF's unit, per the VIF ranges a model's layout may use.
function vifScale(vif: number, measurement: MeasurementKey): { factor: number; exponent: number } {
  const v = vif & 0x7f;
  const n3 = v & 7;
  const n2 = v & 3;
  const want = (range: string, ok: boolean) => {
    if (!ok) throw new RangeError(`VIF ${v.toString(16)}H (${range}) cannot carry ${measurement}`);
  };
  if (v <= 0x07) { want('energy Wh', measurement.endsWith('_kwh')); return { factor: 1000, exponent: n3 - 3 }; }
  if (v <= 0x0f) { want('energy J', measurement.endsWith('_kwh')); return { factor: 3.6e6, exponent: n3 }; }
  if (v <= 0x17) { want('volume', measurement === 'volume_m3'); return { factor: 1, exponent: n3 - 6 }; }
  if (v >= 0x28 && v <= 0x2f) { want('power W', measurement.endsWith('_kw')); return { factor: 1000, exponent: n3 - 3 }; }
  if (v >= 0x38 && v <= 0x3f) { want('volume flow', measurement === 'flow_m3h'); return { factor: 1, exponent: n3 - 6 }; }
  if (v >= 0x58 && v <= 0x5b) { want('flow temperature', measurement === 'supply_temp_c'); return { factor: 1, exponent: n2 - 3 }; }
  if (v >= 0x5c && v <= 0x5f) { want('return temperature', measurement === 'return_temp_c'); return { factor: 1, exponent: n2 - 3 }; }
  if (v >= 0x60 && v <= 0x63) { want('temperature difference', measurement === 'temp_diff_k'); return { factor: 1, exponent: n2 - 3 }; }
  throw new RangeError(`the simulator does not encode VIF ${v.toString(16)}H`);
}

const LENGTH = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1] as const;

function intBytes(v: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let x = BigInt(Math.round(v));
  if (x < 0n) x += 1n << BigInt(8 * len);
  for (let i = 0; i < len; i++) { b[i] = Number(x & 0xffn); x >>= 8n; }
  return b;
}

function bcdBytes(v: number, len: number): Buffer {
  const digits = 2 * len;
  const negative = v < 0;
  // EN 13757-3 Annex A: FH in the most significant digit marks a negative number.
  const max = negative ? 10 ** (digits - 1) : 10 ** digits;
  const n = Math.round(Math.abs(v)) % max;
  const s = n.toString().padStart(digits, '0');
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    const hi = Number(s[digits - 2 - 2 * i]);
    const lo = Number(s[digits - 1 - 2 * i]);
    b[i] = (hi << 4) | lo;
  }
  if (negative) b[len - 1] = (b[len - 1]! & 0x0f) | 0xf0;
  return b;
}

/** Type F date and time (EN 13757-3 Annex A), in the meter's local time. */
export function dateTimeF(ms: number, utcOffsetHours: number): Buffer {
  const d = new Date(ms + utcOffsetHours * 3_600_000);
  const y = d.getUTCFullYear() % 100;
  return Buffer.from([d.getUTCMinutes(), d.getUTCHours(), d.getUTCDate() | ((y & 0x07) << 5), (d.getUTCMonth() + 1) | ((y & 0x78) << 1)]);
}

export interface RecordContext {
  values: Partial<Record<MeasurementKey, number>>;
  fabricationNumber: number;
  now: number;
  utcOffsetHours: number;
}

/** The raw integer a counter or gauge record carries for `value` (measurement unit). */
function rawOf(r: MbusLayoutRecord & { value: MeasurementKey }, value: number): number {
  const { factor, exponent } = vifScale(r.vif, r.value);
  const scaledValue = (value * factor) / 10 ** exponent;
  // Counters are truncated, as a meter's register only steps once a whole unit is complete;
  // gauges are rounded.
  return r.value.endsWith('_kwh') || r.value === 'volume_m3' ? Math.floor(scaledValue + 1e-9) : Math.round(scaledValue);
}

/** What the master reads back from this record for `value`: the value at the record's resolution. */
export function quantize(r: MbusLayoutRecord & { value: MeasurementKey }, value: number): number {
  if ((r.dif & 0x0f) === 0x05) return Math.fround(value);
  const { factor, exponent } = vifScale(r.vif, r.value);
  return Number(`${rawOf(r, value)}e${exponent}`) / factor;
}

export function encodeRecord(r: MbusLayoutRecord, ctx: RecordContext): Buffer {
  const code = r.dif & 0x0f;
  const len = LENGTH[code]!;
  if (len < 0) throw new RangeError(`the simulator does not encode DIF ${r.dif.toString(16)}H`);
  const head = Buffer.from([r.dif, ...(r.dife ?? []), r.vif]);
  let data: Buffer;
  if (r.value === 'datetime') data = dateTimeF(ctx.now, ctx.utcOffsetHours);
  else if (r.value === 'fabrication_number') data = code >= 9 ? bcdBytes(ctx.fabricationNumber, len) : intBytes(ctx.fabricationNumber, len);
  else {
    const value = ctx.values[r.value] ?? 0;
    const { factor, exponent } = vifScale(r.vif, r.value);
    if (code === 0x05) {
      data = Buffer.alloc(4);
      data.writeFloatLE((value * factor) / 10 ** exponent, 0);
    } else {
      const raw = rawOf(r as MbusLayoutRecord & { value: MeasurementKey }, value);
      data = code >= 9 ? bcdBytes(raw, len) : intBytes(raw, len);
    }
  }
  return Buffer.concat([head, data]);
}
