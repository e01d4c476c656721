import type { QualityFlag, Reading } from '../../core/index.ts';
import { MEASUREMENTS, type MeasurementKey } from '../../core/measurements.ts';
import { decimalsOf, roundDecimals, stepDecimals } from '../models/resolution.ts';

export interface Transformers {
  /** Current-transformer ratio. */
  ct: number;
  /** Voltage (potential) transformer ratio. */
  pt: number;
}

/** The last counter values seen per meter, to notice a counter going backwards. */
export type CounterMemory = Map<MeasurementKey, number>;

const CT_PT_UNITS = new Set(['kWh', 'kvarh', 'kW', 'kvar', 'kVA']);

/**
 * The factor a secondary-side electrical value is multiplied by to give the primary value: a meter
 * behind a 200/5 A CT and a 10 kV/100 V PT sees 1/40 of the current and 1/100 of the voltage, so
 * energy and power (∝ U·I) scale by ct·pt, current by ct and voltage by pt.
 */
export function transformerFactor(key: MeasurementKey, t: Transformers): number {
  const def = MEASUREMENTS[key];
  if (def.kind !== 'electricity') return 1;
  if (CT_PT_UNITS.has(def.unit)) return t.ct * t.pt;
  if (def.unit === 'A') return t.ct;
  if (def.unit === 'V') return t.pt;
  return 1;
}

/**
 * Turns decoded register values into a Reading: transformer ratios applied, values a working meter
 * cannot report left out with the reason, and a counter lower than the last one kept but flagged,
 * so the ingestor can recognise a meter replacement or reset instead of counting negative usage.
 */
export function buildReading(
  meter: string,
  ts: number,
  raw: Partial<Record<MeasurementKey, number>>,
  t: Transformers,
  counters: CounterMemory,
): Reading {
  const values: Record<string, number> = {};
  const quality: Partial<Record<MeasurementKey, QualityFlag>> = {};
  for (const [k, v] of Object.entries(raw) as [MeasurementKey, number][]) {
    const def = MEASUREMENTS[k];
    if (!Number.isFinite(v)) {
      quality[k] = 'nan';
      continue;
    }
    const factor = transformerFactor(k, t);
    // The product has no more decimals than its factors (229.6 V × 100 is 22960, not 22960.000000000004).
    const value = factor === 1 ? v : roundDecimals(v * factor, Math.min(12, decimalsOf(v) + stepDecimals(factor)));
    if (value < def.min || value > def.max) {
      quality[k] = 'out_of_range';
      continue;
    }
    values[k] = value;
    if (def.type === 'counter') {
      const last = counters.get(k);
      if (last !== undefined && value < last) quality[k] = 'counter_decreased';
      counters.set(k, value);
    }
  }
  const reading: Reading = { meter, ts: Math.round(ts), values };
  if (Object.keys(quality).length > 0) reading.quality = quality;
  return reading;
}
