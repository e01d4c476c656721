import { MEASUREMENTS, type MeasurementKey } from '../../../core/measurements.ts';
import type { MbusItem } from '../../models/mbus.ts';
import type { DataRecord } from './records.ts';
import { scaled } from './values.ts';
import { roundDecimals, stepDecimals } from '../../models/resolution.ts';
import { vifeExponent } from './vif.ts';

/**
 * Turns decoded records into measurements of the closed table, the way a model says: the first
 * item whose record is present wins. Units are converted (Wh/J → kWh, W/J·h⁻¹ → kW, m³/min|s →
 * m³/h); a record whose unit cannot become the measurement's unit is reported, not guessed.
 */
export interface MappedValues {
  values: Partial<Record<MeasurementKey, number>>;
  /** Which record fed each measurement (index in the telegram, for `--raw` and logs). */
  sources: Partial<Record<MeasurementKey, number>>;
  problems: string[];
}

const J_PER_KWH = 3.6e6;

// Correction VIFEs (×10^n) are already in the record's exponent; they do not change what it is.
const meaningful = (vife: readonly number[]) => vife.map((b) => b & 0x7f).filter((b) => vifeExponent(b) === 0);

export function matches(r: DataRecord, item: MbusItem): boolean {
  if (r.quantity !== item.quantity) return false;
  if (r.storage !== (item.storage ?? 0) || r.tariff !== (item.tariff ?? 0) || r.subunit !== (item.subunit ?? 0)) return false;
  if (r.function !== (item.function ?? 'instantaneous')) return false;
  const want = item.vife ?? [];
  const got = meaningful(r.vife);
  return got.length === want.length && got.every((b, i) => b === (want[i]! & 0x7f));
}

/** The record's value in the measurement's unit, or a reason why it has none. */
export function convert(r: DataRecord, measurement: MeasurementKey): number | string {
  if (r.value.kind !== 'number') return `${r.label}: ${r.value.kind === 'invalid' ? r.value.reason : `no number (${r.value.kind})`}`;
  const { raw } = r.value;
  const target = MEASUREMENTS[measurement].unit;
  const e = r.exponent;
  // A counted integer keeps the resolution of its count (10^e J is 10^e / 3.6e6 kWh); a float32
  // (type H) has already been cut to its own digits by scaled().
  const nonDecimal = (factor: number) => Number.isInteger(raw)
    ? roundDecimals(scaled(raw, e) / factor, stepDecimals(10 ** e / factor))
    : Number((scaled(raw, e) / factor).toPrecision(12));
  switch (`${r.unit}>${target}`) {
    case 'Wh>kWh': return scaled(raw, e - 3);
    case 'J>kWh': return nonDecimal(J_PER_KWH);
    case 'W>kW': return scaled(raw, e - 3);
    case 'J/h>kW': return nonDecimal(J_PER_KWH);
    case 'm³>m³': case 'm³/h>m³/h': case '°C>°C': case 'K>K': return scaled(raw, e);
    case 'm³/min>m³/h': return Number((scaled(raw, e) * 60).toPrecision(12));
    case 'm³/s>m³/h': return Number((scaled(raw, e) * 3600).toPrecision(12));
    default: return `${r.label} is in ${r.unit || 'no unit'}, ${measurement} needs ${target}`;
  }
}

export function mapRecords(records: readonly DataRecord[], items: readonly MbusItem[]): MappedValues {
  const out: MappedValues = { values: {}, sources: {}, problems: [] };
  for (const item of items) {
    if (out.values[item.measurement] !== undefined) continue;
    const r = records.find((x) => matches(x, item));
    if (!r) continue;
    const v = convert(r, item.measurement);
    if (typeof v === 'string') out.problems.push(`${item.measurement}: ${v}`);
    else {
      out.values[item.measurement] = v;
      out.sources[item.measurement] = r.index;
    }
  }
  return out;
}
