import { roundDecimals, stepDecimals } from '../../models/resolution.ts';
import type { Cjt188Field } from '../../models/types.ts';
import { bcdByte, bcdLE, hex2 } from '../bcd.ts';
import { FrameError } from '../errors.ts';

// CJ/T 188-2004 Table 5 (单位代号): the unit byte that follows each value, and the factor that
// brings it to the unit of zonemeter's measurement (kWh for heat, kW for power, m³, m³/h).
export const UNITS: Readonly<Record<number, { unit: string; kind: 'energy' | 'power' | 'volume' | 'flow'; factor: number }>> = {
  0x02: { unit: 'Wh', kind: 'energy', factor: 0.001 },
  0x05: { unit: 'kWh', kind: 'energy', factor: 1 },
  0x08: { unit: 'MWh', kind: 'energy', factor: 1000 },
  0x0a: { unit: 'MWh×100', kind: 'energy', factor: 100_000 },
  0x01: { unit: 'J', kind: 'energy', factor: 1 / 3.6e6 },
  0x0b: { unit: 'kJ', kind: 'energy', factor: 1 / 3600 },
  0x0e: { unit: 'MJ', kind: 'energy', factor: 1 / 3.6 },
  0x11: { unit: 'GJ', kind: 'energy', factor: 1e3 / 3.6 },
  0x13: { unit: 'GJ×100', kind: 'energy', factor: 1e5 / 3.6 },
  0x14: { unit: 'W', kind: 'power', factor: 0.001 },
  0x17: { unit: 'kW', kind: 'power', factor: 1 },
  0x1a: { unit: 'MW', kind: 'power', factor: 1000 },
  0x29: { unit: 'L', kind: 'volume', factor: 0.001 },
  0x2c: { unit: 'm³', kind: 'volume', factor: 1 },
  0x32: { unit: 'L/h', kind: 'flow', factor: 0.001 },
  0x35: { unit: 'm³/h', kind: 'flow', factor: 1 },
};

export interface Cjt188Value {
  /** In the unit the meter sent. */
  value: number;
  unit: string;
  /** In zonemeter's unit (kWh, kW, m³, m³/h, °C). */
  normalized: number;
}

export interface Cjt188Metering {
  ser: number;
  fields: Partial<Record<Cjt188Field, Cjt188Value>>;
  /**
   * The meter's clock, YYYY-MM-DD hh:mm:ss as sent (not checked: many meters never set it); null
   * when all seven bytes are FFH (a meter without a clock).
   */
  time: string | null;
  /** ST bytes (ST0, ST1). */
  status: [number, number];
  /** Alarms read from ST0: D0–D1 valve (00 open, 01 closed, 11 fault), D2 battery low. */
  alarms: string[];
}

const FIELD_KIND: Record<Cjt188Field, 'energy' | 'power' | 'volume' | 'flow' | 'temp'> = {
  current_volume: 'volume', settlement_volume: 'volume', current_heat: 'energy', settlement_heat: 'energy',
  heat_power: 'power', flow: 'flow', cumulative_volume: 'volume', supply_temp: 'temp', return_temp: 'temp',
};

// 901FH layouts after DI (2) and SER (1). Water and gas: current cumulative XXXXXX.XX + unit,
// settlement-day cumulative + unit, real time (7), ST (2) = 22 bytes with DI and SER. Heat:
// settlement-day heat, current heat, heat power (XXXXXX.XX + unit each), flow XXXX.XXXX + unit,
// cumulative volume XXXXXX.XX + unit, supply and return temperature XXXX.XX (3), working hours
// XXXXXX (3), real time (7), ST (2) = 46 bytes with DI and SER.
type Slot = { field: Cjt188Field; bytes: number; decimals: number; unit: boolean };
const WATER: Slot[] = [
  { field: 'current_volume', bytes: 4, decimals: 2, unit: true },
  { field: 'settlement_volume', bytes: 4, decimals: 2, unit: true },
];
const HEAT: Slot[] = [
  { field: 'settlement_heat', bytes: 4, decimals: 2, unit: true },
  { field: 'current_heat', bytes: 4, decimals: 2, unit: true },
  { field: 'heat_power', bytes: 4, decimals: 2, unit: true },
  { field: 'flow', bytes: 4, decimals: 4, unit: true },
  { field: 'cumulative_volume', bytes: 4, decimals: 2, unit: true },
  { field: 'supply_temp', bytes: 3, decimals: 2, unit: false },
  { field: 'return_temp', bytes: 3, decimals: 2, unit: false },
];
export const METERING_LENGTH = { water: 22, heat: 46 } as const;

/** The fields a 901FH answer of each layout carries: all a model of that layout can map. */
export const LAYOUT_FIELDS: Record<'water' | 'heat', readonly Cjt188Field[]> = {
  water: WATER.map((s) => s.field),
  heat: HEAT.map((s) => s.field),
};

export function layoutFor(kind: 'water' | 'heat' | 'gas'): 'water' | 'heat' {
  return kind === 'heat' ? 'heat' : 'water';
}

/**
 * Meters fill a field they do not keep with FFH in every byte (a captured water-meter answer sends
 * its settlement-day volume and its clock that way): that field is absent, not a bad BCD digit.
 * Any other non-BCD byte still refuses the frame.
 */
const notKept = (bytes: Uint8Array) => bytes.length > 0 && bytes.every((b) => b === 0xff);

/** Decodes the DATA of a 901FH answer (starting with its DI). */
export function decodeMetering(data: Uint8Array, layout: 'water' | 'heat', unitFirst = false): Cjt188Metering {
  const need = METERING_LENGTH[layout];
  if (data.length !== need) throw new FrameError('ERR_FRAME_LENGTH', `DI 901F ${layout} answer has ${data.length} data bytes, expected ${need}`);
  let p = 3;
  const fields: Cjt188Metering['fields'] = {};
  for (const s of layout === 'heat' ? HEAT : WATER) {
    let code = s.unit && unitFirst ? data[p++]! : 0;
    if (notKept(data.subarray(p, p + s.bytes))) {
      p += s.bytes + (s.unit && !unitFirst ? 1 : 0);
      continue;
    }
    const raw = bcdLE(data.subarray(p, p + s.bytes), s.field);
    const value = Number((raw / 10 ** s.decimals).toFixed(s.decimals));
    p += s.bytes;
    if (!s.unit) {
      fields[s.field] = { value, unit: '°C', normalized: value };
      continue;
    }
    if (!unitFirst) code = data[p++]!;
    const u = UNITS[code];
    if (!u || u.kind !== FIELD_KIND[s.field]) {
      throw new FrameError('ERR_FRAME_DATA', `${s.field}: unit code ${hex2(code)} is not a ${FIELD_KIND[s.field]} unit of CJ/T 188 Table 5`);
    }
    // At the resolution the BCD digits give, in zonemeter's unit (0.01 MJ is 0.00278 kWh).
    fields[s.field] = { value, unit: u.unit, normalized: roundDecimals(value * u.factor, stepDecimals(u.factor / 10 ** s.decimals)) };
  }
  if (layout === 'heat') p += 3; // working hours, not a zonemeter measurement
  const t = data.subarray(p, p + 7);
  p += 7;
  // Real time is sent ss mm hh DD MM YYlo YYhi, BCD.
  const d = notKept(t) ? null : [...t].map((b, i) => String(bcdByte(b, `real time byte ${i}`)).padStart(2, '0'));
  const time = d ? `${d[6]}${d[5]}-${d[4]}-${d[3]} ${d[2]}:${d[1]}:${d[0]}` : null;
  const st0 = data[p]!;
  const st1 = data[p + 1]!;
  return { ser: data[2]!, fields, time, status: [st0, st1], alarms: statusAlarms(st0) };
}

export function statusAlarms(st0: number): string[] {
  const alarms: string[] = [];
  const valve = st0 & 0b11;
  if (valve === 0b01) alarms.push('valve_closed');
  if (valve === 0b11) alarms.push('valve_fault');
  if (st0 & 0b100) alarms.push('battery_low');
  return alarms;
}
