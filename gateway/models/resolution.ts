import { MEASUREMENTS, type MeasurementKey } from '../../core/measurements.ts';
import type { RegisterDef } from './types.ts';

// A float register states no resolution of its own, and float32 noise (229.02053833007812) or
// binary scaling noise (2296 × 0.1 = 229.60000000000002) would otherwise travel to the journal,
// the wire and InfluxDB. So a float value is given to the step below for its unit unless the
// model names one (RegisterDef.resolution): finer than the accuracy class of any meter we model
// (class 0.5 at 230 V is ±1.15 V; at 5 A, ±25 mA), as fine as their displays, and no finer.
const FLOAT_STEP_BY_UNIT: Readonly<Record<string, number>> = {
  kWh: 0.01, kvarh: 0.01, kW: 0.001, kvar: 0.001, kVA: 0.001,
  V: 0.1, A: 0.01, '': 0.001, Hz: 0.01,
  'm³': 0.001, 'm³/h': 0.001, '°C': 0.01, K: 0.01,
};

/**
 * Decimals that write every multiple of `step` exactly (0.01 → 2, 0.25 → 2, 2.5 → 1, 10 → 0).
 * A step no decimal count writes exactly (1 GJ / 3600 in kWh) keeps three significant digits of
 * the step: finer would be noise, coarser would lose what the register says.
 */
export function stepDecimals(step: number): number {
  const s = Math.abs(step);
  if (!(s > 0) || !Number.isFinite(s)) return 0;
  // Twelve significant digits drop the noise of a step computed from others (0.1 × 0.001); a step
  // that still fills all twelve repeats forever (2.7777…) and is not a decimal one.
  const t = Number(s.toPrecision(12));
  if (significantDigits(t) < 12) return Math.min(15, decimalsOf(t));
  return Math.min(15, Math.max(0, 2 - Math.floor(Math.log10(s))));
}

function significantDigits(v: number): number {
  const digits = v.toExponential().split('e')[0]!.replace('.', '').replace('-', '');
  return digits.length;
}

/** Decimals in the shortest text of `v` (229.6 → 1, 1e-7 → 7, 1200 → 0). */
export function decimalsOf(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return 0;
  const t = String(Math.abs(v));
  const e = t.indexOf('e-');
  if (e >= 0) {
    const mant = t.slice(0, e);
    const dot = mant.indexOf('.');
    return Number(t.slice(e + 2)) + (dot >= 0 ? mant.length - dot - 1 : 0);
  }
  const dot = t.indexOf('.');
  return dot >= 0 ? t.length - dot - 1 : 0;
}

/** `v` with at most `decimals` decimals, as the double nearest that decimal (so it prints as one). */
export function roundDecimals(v: number, decimals: number): number {
  if (!Number.isFinite(v)) return v;
  const d = Math.max(0, Math.min(20, decimals));
  // toFixed switches to exponent form at 1e21; nothing a meter sends gets there.
  if (Math.abs(v) >= 1e21) return v;
  const r = Number(v.toFixed(d));
  return r === 0 ? 0 : r;
}

/** The step a float register's value is given to when its model names none. */
export function floatStep(measurement: MeasurementKey): number {
  return FLOAT_STEP_BY_UNIT[MEASUREMENTS[measurement].unit] ?? 0.001;
}

/**
 * Significant decimal digits a float register carries: float32 holds 24 bits (~7.2 digits),
 * float64 53 bits (~15.9; binary noise sits in the 17th digit).
 */
const FLOAT_DIGITS = { float32: 7, float64: 16 } as const;

// Remembered per register definition: stepDecimals prints numbers to count digits, and the poll
// loop asks for every value it decodes (a few percent of the gateway's CPU at 500 meters).
const decimalsByDef = new WeakMap<RegisterDef, number>();

/** Most decimals a register's decoded value may carry: what its resolution writes exactly. */
export function registerDecimals(def: RegisterDef): number {
  let d = decimalsByDef.get(def);
  if (d === undefined) {
    d = def.type === 'float32' || def.type === 'float64'
      ? stepDecimals(def.resolution ?? floatStep(def.measurement))
      : def.offset ? Math.max(stepDecimals(def.resolution ?? def.scale), stepDecimals(def.offset)) : stepDecimals(def.resolution ?? def.scale);
    decimalsByDef.set(def, d);
  }
  return d;
}

/**
 * A decoded register value at its resolution. A float is first cut to the digits its type holds
 * (a float32 counter at 16832696.14 kWh really says 16832696), then to the register's step.
 */
export function atResolution(def: RegisterDef, value: number): number {
  if (!Number.isFinite(value)) return value;
  let d = registerDecimals(def);
  if (def.type === 'float32' || def.type === 'float64') {
    const mag = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
    d = Math.min(d, Math.max(0, FLOAT_DIGITS[def.type] - 1 - mag));
  }
  return roundDecimals(value, d);
}
